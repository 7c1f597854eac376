// The panel is an untrusted boundary, tested in the real workbench (code-server + chromium):
// - its Content-Security-Policy, read from the panel's own document;
// - 10 000 seeded random and malformed messages posted through VS Code's real webview bridge, from inside the panel's
//   frame (as a compromised panel script would): the host ignores them all (its log says so), answers a valid
//   message afterwards, and nothing in the extension's storage changes;
// - markup in texts, transcripts, voice ids and Novita's error messages shows as text, never as elements.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { pcmToWav } from '../../src/core/audio/wav';
import { isFromWebviewMessage } from '../../src/shared/protocol';
import { fuzzMessages } from '../support/fuzzMessages';
import { inPage } from './player';
import { page, runCommand, webview, workbench } from './workbench';

const EXTENSION_ID = 'glm-voice-clone.glm-voice-clone';
const FUZZ_COUNT = 10_000;

function globalStorage(): string {
  return join(workbench().server.userDataDir, 'User', 'globalStorage', EXTENSION_ID);
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
}

/** Every file of the extension's storage with its size and content hash, plus the user's settings. */
function storageSnapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of [...walk(globalStorage()), join(workbench().server.userDataDir, 'User', 'settings.json')]) {
    const bytes = readFileSync(f);
    out[f] = `${bytes.length}:${createHash('sha256').update(bytes).digest('hex')}`;
  }
  return out;
}

/** The frame hosting the panel's document: VS Code's webview bridge lives there. */
function webviewHost() {
  return page().locator('iframe.webview').filter({ visible: true }).first().contentFrame().locator('body');
}

async function openPanel(): Promise<FrameLocator> {
  await runCommand('GLM Voice Clone: Open Panel');
  const view = webview();
  await view.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
  return view;
}

/** Lines of the extension's log (the "GLM Voice Clone" LogOutputChannel) that contain `text`. */
function logLines(text: string): number {
  const files = walk(join(workbench().server.userDataDir, 'logs')).filter((f) => f.endsWith('GLM Voice Clone.log'));
  return files.reduce((n, f) => n + readFileSync(f, 'utf8').split('\n').filter((l) => l.includes(text)).length, 0);
}

// Posts through VS Code's webview bridge exactly as acquireVsCodeApi().postMessage does: the API script injected into
// the panel's frame calls __vscode_post_message__('onmessage', { message, transfer }) of the frame hosting it (and then
// hides that frame: window.parent is the panel itself), so the batch is posted from the hosting frame.
const POST_BATCH = new Function(
  'el',
  'batch',
  `const post = window.__vscode_post_message__;
   if (typeof post !== 'function') throw new Error('no webview bridge in the parent frame');
   for (const message of batch) post('onmessage', { message, transfer: undefined });
   return batch.length;`,
) as (el: unknown, batch: unknown[]) => number;

suite('The panel is an untrusted boundary (browser)', () => {
  setup(() => {
    workbench().double.clearFaults();
  });
  teardown(() => {
    workbench().double.clearFaults();
  });

  test('CSP: default-src none, script only by a fresh ≥128-bit nonce, no unsafe-inline/eval, media only from the webview', async () => {
    const nonces: string[] = [];
    for (let round = 0; round < 2; round++) {
      const view = await openPanel();
      const csp = (await view.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '';
      assert.ok(csp, 'the panel declares a CSP');
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval/);
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name, values]));
      assert.deepEqual(directives.get('default-src'), ["'none'"]);
      const script = directives.get('script-src') ?? [];
      assert.equal(script.length, 1, `script-src ${script.join(' ')}`);
      const nonce = /^'nonce-([A-Za-z0-9+/]+={0,2})'$/.exec(script[0])?.[1];
      assert.ok(nonce && Buffer.from(nonce, 'base64').length >= 16, `a nonce of at least 128 bits: ${script[0]}`);
      nonces.push(nonce);
      assert.equal(await view.locator(`script[nonce]`).first().evaluate(inPage<string>('return el.nonce;')), nonce, 'the panel script carries it');
      // media-src: exactly the webview's own resource origin (the cspSource also used for styles) plus data: and
      // blob: for a fresh preview the host posted as bytes (media cannot run script); no network origin
      const media = directives.get('media-src') ?? [];
      assert.deepEqual(media, [...(directives.get('style-src') ?? []), 'data:', 'blob:'], `media-src ${media.join(' ')}`);
      for (const v of media) assert.ok(!['*', 'https:', 'http:', 'filesystem:'].includes(v), `media-src ${v}`);
      for (const [name, values] of directives) for (const v of values) assert.notEqual(v, '*', `${name} allows *`);
      for (const [name, values] of directives) if (name !== 'media-src') assert.ok(!values.includes('data:') && !values.includes('blob:'), `${name} allows data: or blob:`);
      await runCommand('View: Close All Editors');
    }
    assert.notEqual(nonces[0], nonces[1], 'a new nonce for every document');
  });

  test('localResourceRoots: audio outside the extension and its audio folder does not load; a preview inside does', async () => {
    const { workspace } = workbench();
    const outside = join(workspace, 'outside.wav');
    writeFileSync(outside, pcmToWav(Buffer.alloc(24000 * 2)));
    const view = await openPanel();
    const scriptSrc = (await view.locator('script[nonce]').first().getAttribute('src')) ?? '';
    const distDir = '/dist/webview.js';
    assert.ok(scriptSrc.includes(distDir), scriptSrc);
    // the same resource URL scheme, pointed at a file the panel was not given
    const extRoot = decodeURIComponent(new URL(scriptSrc).pathname).slice(0, -distDir.length);
    const outsideSrc = scriptSrc.replace(encodeURI(extRoot) + distDir, encodeURI(outside)).replace(extRoot + distDir, outside);
    assert.notEqual(outsideSrc, scriptSrc);
    const LOAD = inPage<Promise<string>>(`return new Promise((resolve) => {
      const a = document.createElement('audio');
      a.addEventListener('loadedmetadata', () => resolve('loaded'));
      a.addEventListener('error', () => resolve('refused ' + (a.error && a.error.code)));
      setTimeout(() => resolve('timeout'), 8000);
      a.src = el.dataset.probe;
    });`);
    const probe = async (src: string) => {
      await view.locator('body').evaluate(inPage(`el.dataset.probe = ${JSON.stringify(src)};`));
      return view.locator('body').evaluate(LOAD);
    };
    assert.match(await probe(outsideSrc), /^refused/, `a file outside the roots: ${outsideSrc}`);
    // control: the player's own preview, inside the audio folder, loads through the same mechanism
    const previewSrc = await view.locator('#player').getAttribute('src');
    if (previewSrc) assert.equal(await probe(previewSrc), 'loaded');
  });

  test(`${FUZZ_COUNT} random and malformed messages from the panel's frame: all ignored, storage unchanged, the host still answers`, async function () {
    this.timeout(120_000);
    const view = await openPanel();
    // Only messages the guard refuses are sent: a valid one is a real request (clone, remove…) and may change storage.
    // The host sees a message after a JSON round trip (an undefined field vanishes, so {type:'setApiKey', x: undefined}
    // arrives valid), so it must be refused in that form too; a bare undefined is not forwarded by VS Code at all.
    const refusedByHost = (m: unknown) => m !== undefined && !isFromWebviewMessage(m) && !isFromWebviewMessage(JSON.parse(JSON.stringify(m)));
    const messages = fuzzMessages(FUZZ_COUNT * 2, 20261124).filter(refusedByHost).slice(0, FUZZ_COUNT);
    assert.equal(messages.length, FUZZ_COUNT);
    const before = storageSnapshot();
    const warningsBefore = logLines('ignored a malformed message');
    const started = Date.now();
    for (let i = 0; i < messages.length; i += 250) {
      await webviewHost().evaluate(POST_BATCH, messages.slice(i, i + 250));
    }
    // A valid request after them all: its answer shows every earlier message was received (they arrive in order).
    const name = view.getByLabel('Voice name', { exact: true });
    await name.evaluate(inPage("el.value = 'sentinel-before-answer';"));
    await webviewHost().evaluate(POST_BATCH, [{ type: 'proposeName' }]);
    const deadline = Date.now() + 60_000;
    while ((await name.inputValue()) === 'sentinel-before-answer') {
      assert.ok(Date.now() < deadline, 'the host never answered the valid message after the fuzz');
      await page().waitForTimeout(100);
    }
    const ms = Date.now() - started;
    // The log is flushed asynchronously: wait for the guard's warnings to land.
    let warnings = 0;
    for (const until = Date.now() + 15_000; Date.now() < until; await page().waitForTimeout(250)) {
      warnings = logLines('ignored a malformed message') - warningsBefore;
      if (warnings >= FUZZ_COUNT) break;
    }
    process.stdout.write(`      ${FUZZ_COUNT} messages in ${(ms / 1000).toFixed(1)} s; ${warnings} "ignored a malformed message" warnings in the log\n`);
    assert.equal(warnings, FUZZ_COUNT, 'each malformed message was refused by the guard and logged');
    assert.deepEqual(storageSnapshot(), before, 'nothing in the extension’s storage or the settings changed');
    assert.equal(await view.locator('body').getAttribute('data-state'), 'idle');
  });

  test('the API key is neither in the panel’s document nor in any message posted to it, on success or on a 401', async () => {
    const { double, apiKey } = workbench();
    const view = await openPanel();
    await view.locator('body').evaluate(inPage("window.__seen = []; window.addEventListener('message', (e) => window.__seen.push(JSON.stringify(e.data)));"));
    const stamp = Date.now().toString(36);
    const sample = double.addFile(`/samples/key-${stamp}.wav`, pcmToWav(Buffer.alloc(24000 * 2 * 4)), 'audio/wav');
    const run = async (name: string) => {
      await view.getByLabel('Sample audio URL', { exact: true }).fill(sample);
      await view.getByLabel('Text to preview', { exact: true }).fill(`Key scan ${name}.`);
      await view.getByLabel('Voice name', { exact: true }).fill(name);
      await view.getByLabel('I have the right to clone this voice').check();
      await view.getByRole('button', { name: 'Clone and preview' }).click();
      await view.locator('body[data-state="busy"]').waitFor({ timeout: 5000 }).catch(() => undefined);
      await view.locator('body[data-state="idle"]').waitFor({ timeout: 30_000 });
    };
    await run(`key-ok-${stamp}`);
    // Novita's error echoes the key: the panel must still never see it.
    double.setFault('clone', { status: 401, body: { code: 401, reason: 'INVALID_API_KEY', message: `Bearer ${apiKey} is not a valid key`, metadata: { key: apiKey } } });
    await run(`key-denied-${stamp}`);
    await view.locator('#form-error').waitFor({ state: 'visible', timeout: 10_000 });
    const seen = await view.locator('body').evaluate(inPage<string[]>('return window.__seen;'));
    assert.ok(seen.some((m) => m.includes('cloneResult')) && seen.some((m) => m.includes('cloneError')), `saw ${seen.length} messages`);
    for (const m of seen) assert.equal(m.includes(apiKey), false, `a message carries the key: ${m.slice(0, 200)}`);
    const html = await view.locator('html').evaluate(inPage<string>('return el.outerHTML;'));
    assert.equal(html.includes(apiKey), false, 'the panel’s document holds the key');
  });

  test('markup in the text, transcript, a voice id from Novita and an error message is shown as text', async () => {
    const { double } = workbench();
    const view = await openPanel();
    const counts = inPage<{ img: number; script: number; iframe: number; xss: unknown }>(
      "return { img: document.querySelectorAll('img').length, script: document.querySelectorAll('script').length, iframe: document.querySelectorAll('iframe,object,embed').length, xss: window.__xss };",
    );
    const before = await view.locator('body').evaluate(counts);
    const stamp = Date.now().toString(36);
    const text = `Hello <script>window.__xss = 1</script> and "><img src=x onerror="window.__xss=2"> ${stamp}`;
    const transcript = `<img src=x onerror="window.__xss=3"></textarea><script>window.__xss=4</script>`;
    const voiceId = `voice_"><img src=x onerror="window.__xss=5">_${stamp}`;
    const sample = double.addFile(`/samples/xss-${stamp}.wav`, pcmToWav(Buffer.alloc(24000 * 2 * 4)), 'audio/wav');
    // Novita's answer carries a voice id with markup, and a real preview.
    const real = double.addFile(`/samples/xss-preview-${stamp}.wav`, pcmToWav(Buffer.alloc(24000 * 2)), 'audio/wav');
    double.setFault('clone', { bodyOverride: { voice: voiceId, audio_url: real }, matchInput: text });
    const fill = async (values: [string, string][]) => {
      for (const [label, value] of values) await view.getByLabel(label, { exact: true }).fill(value);
    };
    await fill([
      ['Sample audio URL', sample],
      ['Sample transcript (optional)', transcript],
      ['Text to preview', text],
      ['Voice name', `xss-${stamp}`],
    ]);
    await view.getByLabel('I have the right to clone this voice').check();
    await view.getByRole('button', { name: 'Clone and preview' }).click();
    const row = view.locator('#history-list li', { hasText: stamp }).first();
    await row.waitFor({ timeout: 30_000 });
    assert.match((await row.locator('.name').textContent()) ?? '', /<script>window\.__xss = 1<\/script>/, 'the text shows literally');
    await view.locator('#voiceId', { hasText: '<img' }).waitFor({ timeout: 10_000 });
    assert.equal(await view.locator('#voiceId').textContent(), voiceId, 'the voice id shows literally');

    // An error whose message echoes markup (Novita's 400 detail) is shown as text too.
    double.setFault('clone', { status: 400, body: { code: 400, reason: 'BAD', message: 'voice_name "<img src=x onerror=window.__xss=6>" is invalid', metadata: {} } });
    await view.getByLabel('Voice name', { exact: true }).fill(`xss-err-${stamp}`);
    await view.getByLabel('I have the right to clone this voice').check();
    await view.getByRole('button', { name: 'Clone and preview' }).click();
    await view.locator('#voiceName-error, #form-error', { hasText: '<img' }).first().waitFor({ timeout: 20_000 });

    const after = await view.locator('body').evaluate(counts);
    assert.deepEqual(after, before, 'no element was injected and no handler ran');
    assert.equal(after.xss, undefined);
  });
});
