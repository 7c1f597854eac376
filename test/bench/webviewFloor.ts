// The floor any webview UI pays in this editor, measured with a bare probe panel (no product code): a message
// round trip host → webview → host, and an <audio> loading a file through asWebviewUri until it can play. The
// clone figure's overhead is read against these.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import vscode = require('vscode');
import { pcmToWav } from '../../src/core/audio/wav';
import { sleep } from './panel';
import type { WebviewFloor } from './protocol';

type ProbeMessage =
  | { type: 'ready' }
  | { type: 'pong'; id: number; gotAt: number; sentAt: number }
  | { type: 'loaded'; id: number; ms: number; at: number }
  | { type: 'failed'; id: number; code: number };

function probeHtml(webview: vscode.Webview, nonce: string): string {
  const csp = `default-src 'none'; media-src ${webview.cspSource} data: blob:; script-src 'nonce-${nonce}'`;
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"></head>
<body><audio id="a" preload="auto"></audio><script nonce="${nonce}">
const vscode = acquireVsCodeApi();
const audio = document.getElementById('a');
let t0 = 0, id = 0;
window.addEventListener('message', (e) => {
  const m = e.data;
  if (m.type === 'ping') { const gotAt = performance.timeOrigin + performance.now(); vscode.postMessage({ type: 'pong', id: m.id, gotAt, sentAt: performance.timeOrigin + performance.now() }); }
  if (m.type === 'load') { id = m.id; t0 = performance.now(); audio.src = m.src; }
  if (m.type === 'bytes') {
    const el = document.createElement('audio');
    el.preload = 'auto';
    el.src = 'data:audio/wav;base64,' + m.base64;
    el.addEventListener('canplay', () => vscode.postMessage({ type: 'loaded', id: m.id, ms: 0, at: performance.timeOrigin + performance.now() }), { once: true });
    el.addEventListener('error', () => vscode.postMessage({ type: 'failed', id: m.id, code: el.error && el.error.code }), { once: true });
  }
});
audio.addEventListener('canplay', () => vscode.postMessage({ type: 'loaded', id, ms: performance.now() - t0, at: performance.timeOrigin + performance.now() }));
audio.addEventListener('error', () => vscode.postMessage({ type: 'failed', id, code: audio.error && audio.error.code }));
vscode.postMessage({ type: 'ready' });
</script></body></html>`;
}

function createProbe(audioDir: string): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel('gvcBench.probe', 'bench probe', vscode.ViewColumn.Active, {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.file(audioDir)],
  });
}

/** createWebviewPanel → the bare probe's script says "ready" to the host. */
export async function probeOpenMs(audioDir: string): Promise<number> {
  const t0 = performance.now();
  const panel = createProbe(audioDir);
  try {
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the probe webview never said ready')), 15_000);
      panel.webview.onDidReceiveMessage((m: ProbeMessage) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    panel.webview.html = probeHtml(panel.webview, randomBytes(16).toString('base64'));
    await ready;
    return performance.now() - t0;
  } finally {
    panel.dispose();
  }
}

/** `audioPcmBytes`: the size of the PCM in the probe's WAV files (the size of a clone preview). */
export function probeAudioDir(dir: string): string {
  const audioDir = join(dir, 'probe-audio');
  mkdirSync(audioDir, { recursive: true });
  return audioDir;
}

/** `openMs`: probe opens measured beside the product's panel opens (see measurePanelOpens). */
export async function measureWebviewFloor(dir: string, audioPcmBytes: number, runs: number, openMs: number[]): Promise<WebviewFloor> {
  const audioDir = probeAudioDir(dir);
  const panel = createProbe(audioDir);
  const waiters = new Map<string, (m: ProbeMessage) => void>();
  const sub = panel.webview.onDidReceiveMessage((m: ProbeMessage) => {
    const key = m.type === 'ready' ? 'ready' : `${m.type === 'pong' ? 'pong' : 'load'}-${m.id}`;
    waiters.get(key)?.(m);
  });
  const next = (key: string) =>
    new Promise<ProbeMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the probe webview did not answer ${key}`)), 15_000);
      waiters.set(key, (m) => {
        clearTimeout(timer);
        waiters.delete(key);
        resolve(m);
      });
    });
  try {
    const ready = next('ready');
    panel.webview.html = probeHtml(panel.webview, randomBytes(16).toString('base64'));
    await ready;
    const roundTripMs: number[] = [];
    const toWebviewMs: number[] = [];
    const fromWebviewMs: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const pong = next(`pong-${i}`);
      const t0 = performance.now();
      await panel.webview.postMessage({ type: 'ping', id: i });
      const m = await pong;
      const t1 = performance.now();
      if (i < 2 || m.type !== 'pong') continue; // the first two warm the path
      roundTripMs.push(t1 - t0);
      // one way each, on the machine's wall clock (both processes read the same clock)
      toWebviewMs.push(m.gotAt - (performance.timeOrigin + t0));
      fromWebviewMs.push(performance.timeOrigin + t1 - m.sentAt);
    }
    const audioLoadMs: number[] = [];
    const wav = pcmToWav(Buffer.alloc(audioPcmBytes));
    for (let i = 0; i < runs + 1; i++) {
      // a new file each time, as every preview is: nothing cached
      const file = join(audioDir, `probe-${i}-${Date.now()}.wav`);
      writeFileSync(file, wav);
      const loaded = next(`load-${i}`);
      await panel.webview.postMessage({ type: 'load', id: i, src: panel.webview.asWebviewUri(vscode.Uri.file(file)).toString() });
      const m = await loaded;
      if (m.type !== 'loaded') throw new Error(`the probe could not play its WAV (${JSON.stringify(m)})`);
      if (i >= 1) audioLoadMs.push(m.ms);
    }
    const bytesToPlayableMs: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      const id = 1000 + i;
      const loaded = next(`load-${id}`);
      const t0 = performance.timeOrigin + performance.now();
      // as base64 text: this probe panel belongs to no extension, so VS Code would not transfer a Uint8Array as
      // binary (it does for the product's panel, whose manifest asks for VS Code ≥ 1.57)
      await panel.webview.postMessage({ type: 'bytes', id, base64: wav.toString('base64') });
      const m = await loaded;
      if (m.type !== 'loaded') throw new Error(`the probe could not play the posted WAV (${JSON.stringify(m)})`);
      if (i >= 1) bytesToPlayableMs.push(m.at - t0);
      await sleep(100);
    }
    return { openMs, roundTripMs, toWebviewMs, fromWebviewMs, audioLoadMs, bytesToPlayableMs, audioBytes: wav.length };
  } finally {
    sub.dispose();
    panel.dispose();
  }
}
