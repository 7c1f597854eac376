// Read-along in a real workbench (code-server + chromium), driven as a person would: Speak File on a long Markdown
// file plays before the last chunk is asked for, the editor's highlight sits on the sentence the player is reading,
// the contributed keybindings pause, resume, skip and go back, Read from Cursor (its keybinding) and the ▶ lens
// start where they say. The run leaves test-results/screenshots/read-along.png (the README's picture).
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator } from 'playwright-core';
import { planNarration } from '../../src/core/narration/plan';
import { samplesFor } from '../double/synth';
import { assertStartsAt } from '../support/readFrom';
import { inPage, readAlongPlayer } from './player';
import { page, quickOpen, runCommand, screenshot, workbench } from './workbench';

const FILE = 'read-along.md';
const DIALOGUE_FILE = 'dialogue.md';
/** The read-along script in other words: none of its chunks is in the cache when it is first read. */
const SPEED_FILE = 'read-along-speed.md';
/** A three-voice scene: the narrator (the active voice), Alice and Bob from the front matter. */
const DIALOGUE = [
  '---',
  'voices:',
  '  Alice: jam',
  '  Bob: kazi',
  '---',
  '',
  'The station was empty when they arrived.',
  '',
  'Alice: Is this the last train tonight?',
  '',
  'Bob: It is, and it is late again.',
  '',
  'Alice: Then we wait together.',
  '',
  'The clock above them ticked on.',
  '',
  'Bob: At least the tea is warm.',
  '',
].join('\n');
const DIALOGUE_LINES: Array<[string, string]> = [
  ['tongtong', 'The station was empty when they arrived.'],
  ['jam', 'Is this the last train tonight?'],
  ['kazi', 'It is, and it is late again.'],
  ['jam', 'Then we wait together.'],
  ['tongtong', 'The clock above them ticked on.'],
  ['kazi', 'At least the tea is warm.'],
];

function script(): string {
  const nouns = ['river', 'lantern', 'harbour', 'mountain', 'letter', 'window', 'garden', 'bridge'];
  let out = '# Read along\n\nThis file is read aloud while it renders, one sentence highlighted at a time.\n\n';
  for (let p = 0; p < 40; p++) {
    if (p % 8 === 0) out += `## Chapter ${p / 8 + 1}\n\n`;
    out += `${Array.from({ length: 4 }, (_, s) => `Paragraph ${p + 1} sentence ${s + 1} tells of the ${nouns[(p * 3 + s) % nouns.length]} by the sea.`).join(' ')}\n\n`;
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs / 1000} s (last: ${JSON.stringify(v)})`);
    await sleep(50);
  }
}

const state = async (p: FrameLocator) => (await p.locator('body').getAttribute('data-state')) ?? '';
const sentence = async (p: FrameLocator) => Number(await p.locator('body').getAttribute('data-sentence'));
const ttsInputs = () => workbench().double.requests.filter((r) => r.path === '/v3/glm-tts').map((r) => JSON.parse(r.bodyText).input as string);

function editor(): Locator {
  return page().locator('.editor-instance .monaco-editor').filter({ visible: true }).first();
}

/** The text of the editor lines the read-along decoration covers (the overlay with our theme colour's class). */
const HIGHLIGHTED_LINES = inPage<string>(`
  const overlays = Array.from(el.querySelectorAll('.view-overlays > div'));
  const lines = Array.from(el.querySelectorAll('.view-lines > .view-line'));
  const out = [];
  for (const line of overlays) {
    if (!Array.from(line.children).some((c) => /\\bced-/.test(c.className))) continue;
    const match = lines.find((l) => l.style.top === line.style.top);
    if (match) out.push(match.textContent || '');
  }
  return out.join('');`);

/** Wrapped lines joined again, Monaco's non-breaking spaces as spaces. */
async function highlightedText(): Promise<string> {
  return (await editor().evaluate(HIGHLIGHTED_LINES)).replace(/\s+/g, ' ');
}

async function openFile(file = FILE, firstLine = 'Read along'): Promise<void> {
  const p = page();
  await quickOpen(file);
  await editor().locator('.view-line').first().waitFor({ timeout: 10_000 });
  // Back to the top whatever has the focus (the player may have it): the palette acts on the active editor.
  await runCommand('Go to Line/Column...');
  await p.keyboard.type('1');
  await p.keyboard.press('Enter');
  await editor().locator('.view-line', { hasText: firstLine }).first().waitFor({ timeout: 10_000 });
}

/** From now on, every place the workbench's focus goes to (the editor, the quick input, a webview's frame…). */
const WATCH_FOCUS = inPage<void>(`
  const where = (el) => !el || el === document.body ? 'nowhere'
    : el.closest('.part.editor') ? 'editor'
    : el.closest('.quick-input-widget') ? 'quick input'
    : el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : '');
  const log = (window.__gvcFocus = [where(document.activeElement)]);
  const note = () => { const at = where(document.activeElement); if (log[log.length - 1] !== at) log.push(at); };
  document.addEventListener('focusin', note, true);
  document.addEventListener('focusout', () => setTimeout(note, 0), true);
  window.__gvcFocusTimer = setInterval(note, 5);`);
const FOCUS_SEEN = inPage<string[]>(`clearInterval(window.__gvcFocusTimer); return window.__gvcFocus;`);

interface Started {
  playbackRate: number;
  length: number;
  /** The tone in the buffer's middle, from its zero crossings. */
  toneHz: number;
}

/** In the player's page: records every AudioBufferSourceNode started from now on. */
const WATCH_SOURCES = inPage<void>(`
  const w = el.ownerDocument.defaultView;
  if (w.__gvcStarted) return;
  w.__gvcStarted = [];
  const proto = w.AudioBufferSourceNode.prototype;
  w.__gvcStart = proto.start;
  proto.start = function (...args) {
    const b = this.buffer;
    const d = b.getChannelData(0);
    const from = Math.floor(d.length * 0.25), to = Math.floor(d.length * 0.75);
    let first = -1, last = -1, n = 0;
    for (let i = from + 1; i < to; i++) if (d[i - 1] < 0 && d[i] >= 0) { const x = i - 1 + -d[i - 1] / (d[i] - d[i - 1]); if (first < 0) first = x; last = x; n++; }
    w.__gvcStarted.push({ playbackRate: this.playbackRate.value, length: b.length, toneHz: n > 1 ? ((n - 1) * b.sampleRate) / (last - first) : 0 });
    return w.__gvcStart.apply(this, args);
  };
  // A speed chosen: marked before the player acts on it (a capturing listener on the document runs first).
  w.__gvcOnChange = () => w.__gvcStarted.push({ speed: el.ownerDocument.getElementById('speed').value });
  el.ownerDocument.addEventListener('change', w.__gvcOnChange, true);`);
/** What was recorded so far (taken out): sources started, and `{ speed }` where a speed was chosen. */
const TAKE_SOURCES = inPage<Array<Started | { speed: string }>>('return el.ownerDocument.defaultView.__gvcStarted.splice(0);');
/** Sources started since a speed was chosen. */
const PEEK_SOURCES = inPage<number>(`const s = el.ownerDocument.defaultView.__gvcStarted; const at = s.findIndex((x) => 'speed' in x); return at < 0 ? 0 : s.length - at - 1;`);
const UNWATCH_SOURCES = inPage<void>(`
  const w = el.ownerDocument.defaultView;
  if (w.__gvcStart) w.AudioBufferSourceNode.prototype.start = w.__gvcStart;
  if (w.__gvcOnChange) el.ownerDocument.removeEventListener('change', w.__gvcOnChange, true);
  delete w.__gvcOnChange;
  delete w.__gvcStarted;
  delete w.__gvcStart;`);

/** Focus in the editor text, where a reader's hands are. */
async function focusEditor(): Promise<void> {
  // forced: a lens or the highlight may sit over the line's box
  await editor().locator('.view-line').first().click({ force: true });
}

suite('Read-along in the browser', () => {
  const text = script();
  const plan = planNarration(text, 'markdown');

  /** Sentence k as the editor shows it: its source (a heading's spoken text gains a period the line does not have). */
  const source = (k: number) => text.slice(plan.sentences[k].start, plan.sentences[k].end).replace(/\s+/g, ' ');
  const speedText = text.replace('# Read along', '# Read along, faster').replace('This file', 'This copy').replace(/Paragraph/g, 'Passage').replace(/Chapter/g, 'Section');
  const speedPlan = planNarration(speedText, 'markdown');

  suiteSetup(() => {
    writeFileSync(join(workbench().workspace, FILE), text);
    writeFileSync(join(workbench().workspace, DIALOGUE_FILE), DIALOGUE);
    writeFileSync(join(workbench().workspace, SPEED_FILE), speedText);
  });

  setup(() => {
    workbench().double.clearFaults();
    workbench().double.clearRequests();
  });

  teardown(async () => {
    workbench().double.latencyMs = 0;
    await runCommand('GLM Voice Clone: Stop Reading').catch(() => undefined);
  });

  suiteTeardown(async () => {
    // The player stays in the panel area otherwise, and other suites look for the clone panel's webview.
    await runCommand('View: Hide Panel').catch(() => undefined);
  });

  test('Speak File plays before the last chunk is requested; the highlight is on the sentence the player reads; keybindings control it', async function () {
    this.timeout(150_000);
    // Slow enough that the render outlasts a cold player view on a loaded machine: the claim is about order.
    workbench().double.latencyMs = 600;
    await openFile();
    await focusEditor();
    await page().evaluate(WATCH_FOCUS);
    await runCommand('GLM Voice Clone: Speak File');
    const p = await readAlongPlayer();
    await eventually('playing', () => state(p), (s) => s === 'playing', 40_000);
    // The player opened (the first time in this workbench: no suite before this one reads) without taking the
    // focus: once the palette closed, it stayed in the editor.
    const focus = await page().evaluate(FOCUS_SEEN);
    const afterPalette = focus.slice(focus.lastIndexOf('quick input') + 1).filter((f) => f !== 'nowhere');
    assert.ok(afterPalette.length > 0 && afterPalette.every((f) => f === 'editor'), `the focus went: ${focus.join(' → ')}`);
    const asked = ttsInputs().length;
    assert.ok(asked < plan.chunks.length, `the first audio plays after ${asked} of ${plan.chunks.length} chunk requests`);
    assert.match((await p.locator('body').getAttribute('data-audio')) ?? '', /^running /, 'the audio clock runs');
    // Its page fetches nothing before it runs: the script and the stylesheet are in it (nonce'd), and the CSP lets
    // the stylesheet apply (VS Code's default body padding is 20px; the player's own is 8px).
    assert.equal(await p.locator('script[src], link[rel="stylesheet"]').count(), 0, 'no script or stylesheet fetched by the player’s page');
    assert.equal(await p.locator('body').evaluate(inPage<string>('return getComputedStyle(el).paddingLeft;')), '8px', 'the player’s stylesheet applies');
    assert.match((await p.locator('#position').textContent()) ?? '', new RegExp(`^Sentence \\d+ of ${plan.sentences.length}`));

    // First point: once the audio has moved into sentence 2 or later (crossed into by the audio itself), the editor
    // highlights the sentence the player reads: checked while paused there, so a slow machine cannot blur it.
    await eventually('the audio moves on', () => sentence(p), (k) => k >= 2, 30_000);
    await focusEditor();
    await page().keyboard.press('Control+Alt+P');
    await eventually('paused', () => state(p), (s) => s === 'paused');
    const k1 = await sentence(p);
    await eventually(`the highlight is on sentence ${k1}`, highlightedText, (t) => t.includes(source(k1)));
    await page().keyboard.press('Control+Alt+P');
    await eventually('resumed', () => state(p), (s) => s === 'playing' || s === 'waiting');

    // Keybindings: pause, resume, next, previous.
    await page().keyboard.press('Control+Alt+P');
    await eventually('paused by Ctrl+Alt+P', () => state(p), (s) => s === 'paused');
    const pausedAt = await sentence(p);
    const audioAt = await p.locator('body').getAttribute('data-audio');
    await sleep(700);
    assert.equal(await sentence(p), pausedAt, 'paused: the sentence stays');
    await page().keyboard.press('Control+Alt+P');
    await eventually('resumed by Ctrl+Alt+P', () => state(p), (s) => s === 'playing' || s === 'waiting');
    assert.notEqual(await p.locator('body').getAttribute('data-audio'), audioAt);
    await page().keyboard.press('Control+Alt+P');
    await eventually('paused again', () => state(p), (s) => s === 'paused');
    const before = await sentence(p);
    for (let i = 0; i < 12; i++) await page().keyboard.press('Control+Alt+BracketRight');
    const skipped = await eventually('Ctrl+Alt+] skips ahead', () => sentence(p), (k) => k >= before + 12);
    await page().keyboard.press('Control+Alt+BracketLeft');
    await eventually('Ctrl+Alt+[ goes back one', () => sentence(p), (k) => k === skipped - 1);
    // Second point, further into the file (kept in view: the editor scrolled to it).
    const k2 = await sentence(p);
    assert.ok(k2 >= before + 11);
    await eventually(`the highlight follows to sentence ${k2}`, highlightedText, (t) => t.includes(source(k2)));
    await page().keyboard.press('Control+Alt+P');
    await eventually('playing from there', () => state(p), (s) => s === 'playing');
    const current = await p.locator('#sentences button[aria-current]').textContent();
    assert.ok(current && plan.sentences.some((s) => s.text === current), 'the player’s list marks the sentence read');
    await screenshot('read-along');
  });

  test('Read from Cursor (Ctrl+Alt+R) starts at the sentence under the cursor', async function () {
    this.timeout(60_000);
    await openFile();
    await focusEditor();
    const target = plan.sentences.find((s) => s.text.startsWith('Paragraph 21 sentence 1 '))!;
    const line = text.slice(0, target.start).split('\n').length; // 1-based
    await page().keyboard.press('Control+G');
    await page().keyboard.type(String(line));
    await page().keyboard.press('Enter');
    await page().keyboard.press('Home');
    for (let i = 0; i < 3; i++) await page().keyboard.press('Control+ArrowRight');
    await page().keyboard.press('Control+Alt+R');
    const p = await readAlongPlayer();
    await eventually('playing', () => state(p), (s) => s === 'playing', 20_000);
    assertStartsAt(ttsInputs(), plan.sentences, target.index);
    assert.equal(Number(await p.locator('body').getAttribute('data-first')), target.index, 'the player reads from it');
    assert.ok((await sentence(p)) >= target.index);
    await page().keyboard.press('Control+Alt+P');
    await eventually('paused', () => state(p), (s) => s === 'paused');
    const k = await sentence(p);
    await eventually(`the highlight is on sentence ${k}`, highlightedText, (t) => t.includes(source(k)));
  });

  test('the ▶ “Read from here” lens reads from its paragraph', async function () {
    this.timeout(60_000);
    await openFile();
    const target = plan.sentences.find((s) => s.text.startsWith('Paragraph 2 sentence 1 '))!;
    const lens = editor().locator('.codelens-decoration a', { hasText: 'Read from here' });
    await lens.first().waitFor({ timeout: 15_000 });
    // The lens over "Paragraph 2": the one whose widget sits right above that line.
    const lenses = await lens.all();
    let clicked = false;
    for (const l of lenses) {
      const box = await l.boundingBox();
      const lineBox = await editor().locator('.view-line', { hasText: 'Paragraph 2 sentence 1 ' }).first().boundingBox();
      if (box && lineBox && lineBox.y - box.y > 0 && lineBox.y - box.y < 40) {
        await l.click();
        clicked = true;
        break;
      }
    }
    assert.ok(clicked, 'a lens sits above “Paragraph 2”');
    const p = await readAlongPlayer();
    await eventually('playing', () => state(p), (s) => s === 'playing', 20_000);
    assertStartsAt(ttsInputs(), plan.sentences, target.index);
    assert.equal(Number(await p.locator('body').getAttribute('data-first')), target.index, 'the player reads from it');
    assert.ok((await sentence(p)) >= target.index);
  });

  test('speed 2× plays the audio in half the time at the same pitch, the highlight following', async function () {
    this.timeout(90_000);
    await openFile(SPEED_FILE);
    await focusEditor();
    await runCommand('GLM Voice Clone: Speak File');
    const p = await readAlongPlayer();
    await eventually('playing', () => state(p), (s) => s === 'playing', 20_000);
    // Every source the player starts, as Web Audio gets it: its playback rate, length, and the tone in its samples
    // (the double speaks a 220 Hz tone). What is heard is that tone × the playback rate.
    await p.locator('body').evaluate(WATCH_SOURCES);
    const speed = p.locator('#speed');
    try {
      // Pause and resume at 1×: every chunk from there on is scheduled again, as it is.
      await focusEditor();
      await page().keyboard.press('Control+Alt+P');
      await eventually('paused', () => state(p), (s) => s === 'paused');
      await page().keyboard.press('Control+Alt+P');
      await eventually('playing at 1×', () => state(p), (s) => s === 'playing');
      // 2× while playing, chosen in the player's select: what started before the choice is at 1× (chunks handed over
      // meanwhile included), what started after it at 2×.
      await speed.focus();
      await speed.selectOption('2');
      await eventually('sources at 2×', () => p.locator('body').evaluate(PEEK_SOURCES), (n) => n >= 2);
      assert.equal(await state(p), 'playing');
      const started = await p.locator('body').evaluate(TAKE_SOURCES);
      const choice = started.findIndex((x) => 'speed' in x);
      const atOne = started.slice(0, choice) as Started[];
      const atTwo = started.slice(choice + 1) as Started[];
      assert.ok(atOne.length >= 2, `${atOne.length} sources at 1×`);
      for (const [label, list] of [['1×', atOne], ['2×', atTwo]] as const) {
        for (const x of list) {
          const heard = x.toneHz * x.playbackRate;
          assert.ok(Math.abs(heard - 220) < 8, `at ${label} a source is heard at ${heard.toFixed(1)} Hz (tone ${x.toneHz.toFixed(1)} Hz × rate ${x.playbackRate}), not 220 Hz`);
        }
      }
      // Each chunk lasts half as long as at 1×: the double speaks samplesFor(text) samples for each text it was sent
      // (all of this file's in this test; chunks handed over after the switch have no 1× source to compare with).
      const atOneLengths = new Set(ttsInputs().map(samplesFor));
      for (const x of atTwo) {
        const heardSamples = x.length / x.playbackRate;
        assert.ok([...atOneLengths].some((n) => Math.abs(n / 2 - heardSamples) <= 2), `a chunk heard for ${heardSamples} samples at 2× is half of one at 1× (${[...atOneLengths].join(', ')})`);
      }
      // The highlight follows at the new speed.
      await eventually('the audio moves on at 2×', () => sentence(p), (k) => k >= 1);
      await focusEditor();
      await page().keyboard.press('Control+Alt+P');
      await eventually('paused', () => state(p), (s) => s === 'paused');
      const k = await sentence(p);
      const heard = speedText.slice(speedPlan.sentences[k].start, speedPlan.sentences[k].end).replace(/\s+/g, ' ');
      await eventually(`the highlight is on sentence ${k}`, highlightedText, (t) => t.includes(heard));
    } finally {
      // The speed is remembered by the player: the other tests read at 1×.
      await speed.selectOption('1').catch(() => undefined);
      await p.locator('body').evaluate(UNWATCH_SOURCES).catch(() => undefined);
    }
  });

  test('a dialogue is read in its speakers’ voices, the highlight moving line by line', async function () {
    this.timeout(120_000);
    workbench().double.latencyMs = 300;
    await openFile(DIALOGUE_FILE, 'voices:');
    await focusEditor();
    await runCommand('GLM Voice Clone: Speak File');
    const p = await readAlongPlayer();
    await eventually('playing', () => state(p), (s) => s === 'playing', 40_000);
    await focusEditor();
    await page().keyboard.press('Control+Alt+P');
    await eventually('paused', () => state(p), (s) => s === 'paused');
    // Back to the first line, then line by line with the keyboard: the highlight sits on each speaker's line in turn.
    for (let i = 0; i < 8; i++) await page().keyboard.press('Control+Alt+BracketLeft');
    await eventually('at the first line', () => sentence(p), (k) => k === 0);
    for (const [i, [, line]] of DIALOGUE_LINES.entries()) {
      if (i > 0) {
        await page().keyboard.press('Control+Alt+BracketRight');
        await eventually(`line ${i + 1}`, () => sentence(p), (k) => k === i);
      }
      await eventually(`the highlight on line ${i + 1}`, highlightedText, (t) => t.includes(line) && !DIALOGUE_LINES.some(([, other], j) => j !== i && t.includes(other)));
    }
    // Every line was sent in its speaker's voice (the narrator's is the active voice).
    const sent = workbench().double.requests.filter((r) => r.path === '/v3/glm-tts').map((r) => JSON.parse(r.bodyText) as { voice: string; input: string });
    for (const [voice, line] of DIALOGUE_LINES) {
      // The narrator is whatever voice is active (other suites may have changed it); the cast's voices are exact.
      const ok = voice === 'tongtong' ? (b: { voice: string }) => b.voice !== 'jam' && b.voice !== 'kazi' : (b: { voice: string }) => b.voice === voice;
      assert.ok(sent.some((b) => b.input === line && ok(b)), `“${line}” sent with ${voice === 'tongtong' ? 'the narrator’s voice' : voice}`);
    }
  });
});
