// "Clone and preview" → audio playable, through the real panel, against the double answering after 200 ms; and
// the bare baseline: undici POST clone + GET audio against the same double, interleaved with the panel runs.
import { existsSync, readFileSync } from 'node:fs';
import type { FrameLocator, Page } from 'playwright-core';
import { Agent, request } from 'undici';
import type { NovitaDouble } from '../../test/double/novitaDouble';
import type { CloneAnswer, TimelineEvent } from '../../test/bench/protocol';
import { between, tapDouble, type Served } from './doubleLog';

export const CLONE_LATENCY_MS = 200;
const TEXT = 'This is the cloned voice reading a short preview sentence for the benchmark.';
const FIELDS = ['Sample audio URL', 'Sample transcript (optional)', 'Text to preview', 'Voice name'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Page-side functions from source text: the runner's transpiler would inject helpers the page lacks. */
function inPage<R>(body: string): (el: unknown) => R {
  return new Function('el', body) as (el: unknown) => R;
}

// Installed before the click: resolves with the webview's own clock from the click on "Clone and preview" to the
// page's #player holding the new preview, playable (readyState ≥ 3: canplay fired); rejects when the form shows
// an error. The panel may load the preview in a new <audio> and put it in place once playable: the check runs on
// every media event of the page and on every change to its elements. Also notes
// when each message from the host arrived (wall clock), to line the run up with the double's log.
const ARM = inPage<void>(`
  const doc = el.ownerDocument, win = doc.defaultView;
  const first = doc.getElementById('player'), button = doc.getElementById('clone'), banner = doc.getElementById('form-error');
  const before = first.getAttribute('src');
  const now = () => performance.timeOrigin + performance.now();
  const events = [];
  win.__gvcBench = new Promise((resolve, reject) => {
    let t0;
    const onMessage = (e) => {
      const m = e.data;
      if (t0 !== undefined && m && typeof m.type === 'string') events.push({ what: 'webview got ' + m.type + (m.type === 'cloneProgress' ? ' (' + m.message + ')' : ''), at: now() });
    };
    const media = ['canplay', 'canplaythrough', 'loadeddata'];
    const cleanup = () => { clearInterval(watch); clearTimeout(timer); observer.disconnect(); win.removeEventListener('message', onMessage, true); for (const e of media) doc.removeEventListener(e, check, true); };
    const check = () => {
      const player = doc.getElementById('player');
      const src = player && player.getAttribute('src');
      if (t0 !== undefined && src && (player !== first || src !== before) && player.readyState >= 3) {
        const ms = performance.now() - t0;
        events.push({ what: 'audio playable', at: now() });
        cleanup();
        resolve({ ms, clickAt: performance.timeOrigin + t0, events });
      }
    };
    button.addEventListener('click', () => { t0 = performance.now(); }, { capture: true, once: true });
    const form = doc.getElementById('clone-form');
    if (form) form.addEventListener('submit', () => { if (t0 !== undefined) events.push({ what: 'webview submitted the form', at: now() }); }, { capture: true, once: true });
    // capture: noted when the message arrives, before the panel's own listener handles it
    win.addEventListener('message', onMessage, true);
    // media events do not bubble, but they pass the document on their way down (capture) when the element is in it
    for (const e of media) doc.addEventListener(e, check, true);
    const observer = new MutationObserver(check);
    observer.observe(doc.body, { childList: true, subtree: true });
    // errors only: a banner or a field message instead of a preview
    const watch = setInterval(() => {
      const field = [...doc.querySelectorAll('p.error')].find((p) => !p.hidden && p.textContent);
      if (t0 !== undefined && ((banner && !banner.hidden) || field)) { cleanup(); reject(new Error((banner && !banner.hidden ? banner.textContent : field.textContent).trim())); }
    }, 25);
    const timer = setTimeout(() => { cleanup(); reject(new Error('no playable preview in 30 s (readyState ' + doc.getElementById('player').readyState + ')')); }, 30000);
  });
`);
interface Armed {
  ms: number;
  clickAt: number;
  events: TimelineEvent[];
}
const WAIT = inPage<Promise<Armed>>('return el.ownerDocument.defaultView.__gvcBench;');
const PAUSE = inPage<void>('el.pause();');

/** The visible panel's document (webviews are nested iframes). */
function webview(page: Page): FrameLocator {
  return page.locator('iframe.webview').filter({ visible: true }).first().contentFrame().frameLocator('#active-frame');
}

function readStalls(file: string | undefined): { start: number; ms: number }[] {
  if (!file || !existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { start: number; ms: number });
}

async function panelRun(page: Page, view: FrameLocator, sampleUrl: string, voiceName: string, served: Served[], stallsFile?: string): Promise<{ ms: number; timeline: TimelineEvent[] }> {
  const values = { 'Sample audio URL': sampleUrl, 'Sample transcript (optional)': '', 'Text to preview': TEXT, 'Voice name': voiceName };
  for (const label of FIELDS) await view.getByLabel(label, { exact: true }).fill(values[label]);
  // Consent is asked before a sample's first clone (and the box clears after each clone): ticked before the clock.
  const consent = view.getByLabel('I have the right to clone this voice', { exact: true });
  if ((await consent.isVisible()) && !(await consent.isChecked())) await consent.check();
  // let the draft save and any live check of the typed values finish before the clock starts
  await sleep(800);
  // The click is a real one (input events at the button's centre, as a mouse gives), but with nothing else sent
  // to the page until the result: a locator click would resolve, hit-test and re-query through DevTools while the
  // clock runs, on the very thread the webview and the workbench share.
  const button = view.getByRole('button', { name: 'Clone and preview' });
  await button.scrollIntoViewIfNeeded();
  const box = await button.boundingBox();
  if (!box) throw new Error('the Clone and preview button is not on screen');
  const body = await view.locator('body').elementHandle();
  await body.evaluate(ARM);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const armed = await body.evaluate(WAIT);
  await view.locator('#player').evaluate(PAUSE);
  const end = armed.clickAt + armed.ms;
  const timeline = [
    ...between(served, armed.clickAt - 1, end).flatMap((s) => [
      { what: `${s.method} ${s.path} reached the double`, at: s.start },
      { what: `${s.method} ${s.path} answered`, at: s.end },
    ]),
    ...armed.events,
    ...readStalls(stallsFile)
      .filter((st) => st.start + st.ms >= armed.clickAt && st.start <= end)
      .map((st) => ({ what: `extension host busy ${st.ms.toFixed(0)} ms from here`, at: st.start })),
  ]
    .map((e) => ({ what: e.what, at: e.at - armed.clickAt }))
    .sort((a, b) => a.at - b.at);
  await body.dispose();
  // back to idle before the next run
  const deadline = Date.now() + 10_000;
  while (!(await button.isEnabled()) && Date.now() < deadline) await sleep(50);
  await sleep(300);
  return { ms: armed.ms, timeline };
}

async function bareRun(agent: Agent, baseUrl: string, apiKey: string, sampleUrl: string, voiceName: string): Promise<number> {
  const t0 = performance.now();
  const res = await request(`${baseUrl}/v3/glm-tts-voice-clone`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input: TEXT, audio_url: sampleUrl, voice_name: voiceName }),
    dispatcher: agent,
  });
  const json = (await res.body.json()) as { audio_url?: string };
  if (res.statusCode !== 200 || !json.audio_url) throw new Error(`bare clone: ${res.statusCode} ${JSON.stringify(json)}`);
  const audio = await request(json.audio_url, { dispatcher: agent });
  const bytes = Buffer.from(await audio.body.arrayBuffer());
  const ms = performance.now() - t0;
  if (audio.statusCode !== 200 || bytes.length < 44) throw new Error(`bare download: ${audio.statusCode}, ${bytes.length} bytes`);
  return ms;
}

export interface CloneBenchOptions {
  double: NovitaDouble;
  apiKey: string;
  sampleUrl: string;
  runs: number;
  print: (line: string) => void;
  /** The suite's log of extension-host stalls (see STALLS_FILE). */
  stallsFile?: string;
}

/** One unmeasured run of each, then `runs` of each, alternating so drift in the machine's load hits both alike. */
export async function measureClone(page: Page, opts: CloneBenchOptions): Promise<CloneAnswer> {
  const { double, apiKey, sampleUrl, runs, print } = opts;
  const agent = new Agent({ connections: 4 });
  const served = tapDouble(double);
  const stamp = Date.now().toString(36);
  let n = 0;
  const name = (kind: string) => `bench-${kind}-${stamp}-${n++}`;
  try {
    const view = webview(page);
    await view.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    const answer: CloneAnswer = { panelMs: [], bareMs: [], timelines: [] };
    answer.warmupBareMs = await bareRun(agent, double.baseUrl, apiKey, sampleUrl, name('bare'));
    answer.warmupPanelMs = (await panelRun(page, view, sampleUrl, name('panel'), served, opts.stallsFile)).ms;
    print(`  clone warm-up: panel ${answer.warmupPanelMs.toFixed(0)} ms, bare ${answer.warmupBareMs.toFixed(0)} ms`);
    for (let i = 0; i < runs; i++) {
      const bare = await bareRun(agent, double.baseUrl, apiKey, sampleUrl, name('bare'));
      const { ms: panel, timeline } = await panelRun(page, view, sampleUrl, name('panel'), served, opts.stallsFile);
      answer.bareMs.push(bare);
      answer.panelMs.push(panel);
      answer.timelines.push(timeline);
      print(`  clone ${i + 1}/${runs}: panel ${panel.toFixed(0)} ms, bare ${bare.toFixed(0)} ms`);
    }
    // every click and every bare run cloned exactly once: no retry or double submit hides in the figures
    answer.clonePosts = double.requests.filter((r) => r.method === 'POST' && r.path === '/v3/glm-tts-voice-clone').length;
    if (answer.clonePosts !== 2 * (runs + 1)) answer.error = `the double received ${answer.clonePosts} clone requests for ${2 * (runs + 1)} clones`;
    return answer;
  } finally {
    await agent.close();
  }
}
