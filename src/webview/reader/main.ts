// The read-along player (a webview view): plays chunks the moment they arrive while the rest render, gapless, on
// the Web Audio clock; tells the host which sentence is heard (for the editor's highlight); play/pause, previous,
// next, stop, speed and a sentence list to seek in, every control a button or a select (keyboard first).
// Audio runs here, in the client, so it works in code-server and Remote as on the desktop.
import './player.css';
import type { ChunkSentence, FromPlayerMessage, PlayerControl, PlayerState, ToPlayerMessage } from '../../shared/playerProtocol';
import { releasable } from '../../shared/playerRetention';
import { timeStretch } from '../../shared/timeStretch';

interface VsCodeApi {
  postMessage(message: FromPlayerMessage): void;
  getState(): { rate?: number } | undefined;
  setState(state: { rate?: number }): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  title: $('title'),
  toggle: $<HTMLButtonElement>('toggle'),
  previous: $<HTMLButtonElement>('previous'),
  next: $<HTMLButtonElement>('next'),
  stop: $<HTMLButtonElement>('stop'),
  speed: $<HTMLSelectElement>('speed'),
  position: $('position'),
  rendered: $('rendered'),
  error: $('error'),
  list: $<HTMLOListElement>('sentences'),
};
const words = document.body.dataset as { position: string; play: string; pause: string; waiting: string; ended: string };

/** Scheduling lead for the first chunk and after a dry spell: enough for the audio thread, too little to hear. */
const LEAD_SEC = 0.02;

interface Chunk {
  index: number;
  startSec: number;
  endSec: number;
  /** The audio as rendered (1×). */
  buffer: AudioBuffer;
  /** The same at the speed chosen, time-stretched so the pitch stays (made once per speed). */
  stretched?: { rate: number; buffer: AudioBuffer };
  sentences: number[];
}

let ctx: AudioContext | undefined;
let session = -1;
let sentences: string[] = [];
let first = 0;
/** Sentence times by sentence index, for the sentences whose chunk is in. */
const times = new Map<number, ChunkSentence>();
const chunks: Chunk[] = [];
let streamEnded = false;
let state: PlayerState = 'idle';
let rate = vscode.getState()?.rate ?? 1;
let current = -1;
let joinGapMs = 0;
let underruns = 0;
/** The control being acted on, echoed in the next state report. */
let ack = 0;

// Playback clock: position (seconds of the render's audio) = pos0 + (ctx.currentTime − ctx0) × rate while running.
let pos0 = 0;
let ctx0 = 0;
/** Sources scheduled from the anchor on, and where the scheduled audio ends (in render seconds). */
let sources: AudioBufferSourceNode[] = [];
let scheduledUntil = 0;
/** The context time the scheduled audio ends at: the next chunk starts exactly there. */
let scheduledEndCtx = 0;
let crossingTimer: ReturnType<typeof setTimeout> | undefined;
/** A sentence sought that is not rendered yet: playback waits on it (the host is asked to render from there). */
let waitingFor: number | undefined;
let seekTimer: ReturnType<typeof setTimeout> | undefined;
/** How long Next/Previous presses must pause before a seek past the rendered part goes to the host. */
const SEEK_SETTLE_MS = 150;

function audio(): AudioContext {
  ctx ??= new AudioContext({ latencyHint: 'interactive' });
  return ctx;
}

function post(message: FromPlayerMessage): void {
  vscode.postMessage(message);
}

function position(): number {
  if (!ctx || (state !== 'playing' && state !== 'waiting')) return pos0;
  return Math.min(pos0 + Math.max(0, ctx.currentTime - ctx0) * rate, scheduledUntil);
}

function sentenceAt(pos: number): number {
  let found = current;
  for (const t of times.values()) if (t.startSec <= pos + 1e-6 && pos < t.endSec - 1e-6) found = t.sentence;
  return found;
}

function report(cause: 'audio' | 'seek' | 'control' | 'load', at = Date.now()): void {
  post({ type: 'state', session, state, sentence: current, rate, at, cause, joinGapMs: Math.round(joinGapMs * 100) / 100, underruns, ack });
  ack = 0;
  render();
}

function setState(next: PlayerState, cause: 'audio' | 'seek' | 'control' | 'load'): void {
  state = next;
  report(cause);
}

function stopSources(): void {
  for (const s of sources) {
    s.onended = null;
    try {
      s.stop();
    } catch {
      // never started
    }
    s.disconnect();
  }
  sources = [];
}

/**
 * The chunk's audio at speed `r`: the rendered buffer at 1×, else a copy time-stretched at the same pitch (playing
 * it faster through the source's playbackRate raised the voice with the speed). Costs 1.5–3.3 ms per second of audio.
 */
function audioAt(chunk: Chunk, r: number): AudioBuffer {
  if (r === 1) return chunk.buffer;
  if (chunk.stretched?.rate !== r) {
    const samples = timeStretch(chunk.buffer.getChannelData(0), r, chunk.buffer.sampleRate);
    const buffer = audio().createBuffer(1, samples.length, chunk.buffer.sampleRate);
    buffer.copyToChannel(samples, 0);
    chunk.stretched = { rate: r, buffer };
  }
  return chunk.stretched.buffer;
}

/** Makes the audio at speed `r` of every chunk from `pos` on, before anything is scheduled on the clock. */
function prepare(pos: number, r: number): void {
  for (const chunk of chunks) if (chunk.endSec > pos + 1e-9) audioAt(chunk, r);
}

/** Schedules every chunk in, from `pos` on, back to back on the context clock, starting LEAD_SEC from now. */
function scheduleFrom(pos: number): void {
  // First the audio at this speed, then the clock: a start time read before minutes of audio were stretched would
  // already be past, and the first chunk would overlap the next.
  prepare(pos, rate);
  stopSources();
  const c = audio();
  const startCtx = c.currentTime + LEAD_SEC;
  pos0 = pos;
  ctx0 = startCtx;
  scheduledUntil = pos;
  scheduledEndCtx = startCtx;
  for (const chunk of chunks) if (chunk.endSec > pos + 1e-9) append(chunk, c);
}

/** One more chunk after what is scheduled: it starts exactly where the last one ends (no gap, no overlap). */
function append(chunk: Chunk, c: AudioContext): void {
  if (Math.abs(chunk.startSec - scheduledUntil) > 1e-6 && chunk.startSec > scheduledUntil) return; // not contiguous
  const offset = Math.max(0, scheduledUntil - chunk.startSec);
  const when = scheduledEndCtx;
  const src = c.createBufferSource();
  src.buffer = audioAt(chunk, rate);
  src.connect(c.destination);
  // The buffer plays at 1×: `offset` seconds of the rendered audio are offset ÷ rate of the stretched one.
  src.start(when, offset / rate);
  const ends = when + (chunk.endSec - chunk.startSec - offset) / rate;
  src.onended = () => onSourceEnded(src);
  sources.push(src);
  scheduledUntil = chunk.endSec;
  scheduledEndCtx = ends;
}

function onSourceEnded(src: AudioBufferSourceNode): void {
  sources = sources.filter((s) => s !== src);
  if (sources.length || (state !== 'playing' && state !== 'waiting')) return;
  // Ran out of scheduled audio.
  pos0 = scheduledUntil;
  ctx0 = audio().currentTime;
  if (streamEnded && !chunks.some((c) => c.startSec >= scheduledUntil - 1e-6 && c.endSec > scheduledUntil + 1e-6)) {
    clearTimeout(crossingTimer);
    // Everything scheduled was heard: the last sentence heard is the one ending there.
    current = sentenceAt(scheduledUntil - 1e-4);
    setState('ended', 'audio');
  } else setState('waiting', 'audio');
}

/** Watches for the next sentence boundary: a timer set for the moment the audio crosses it. */
function watchCrossings(): void {
  clearTimeout(crossingTimer);
  if (state !== 'playing') return;
  const pos = position();
  const s = sentenceAt(pos);
  if (s !== current && s >= 0) {
    current = s;
    const t = times.get(s);
    // when the audio crossed into it, on the wall clock
    const crossedAt = t ? Date.now() - Math.max(0, ((pos - t.startSec) / rate) * 1000) : Date.now();
    report('audio', crossedAt);
    release();
  }
  const t = times.get(current);
  const untilEnd = t ? ((t.endSec - pos) / rate) * 1000 : 50;
  crossingTimer = setTimeout(watchCrossings, Math.max(1, Math.min(250, untilEnd + 0.5)));
}

/**
 * Past ten minutes of audio held, lets go of what lies furthest behind (a long reading would otherwise hold all of it
 * here) and tells the host, which renders those sentences again (from the cache) when they are sought.
 */
function release(): void {
  const gone = releasable(chunks, position());
  if (!gone) return;
  chunks.splice(0, chunks.length, ...gone.keep);
  for (const c of gone.release) for (const k of c.sentences) times.delete(k);
  post({ type: 'released', session, before: gone.before });
}

function start(pos: number, cause: 'seek' | 'control' | 'load'): void {
  const c = audio();
  if (c.state === 'suspended') void c.resume();
  const available = chunks.some((ch) => ch.startSec <= pos + 1e-6 && pos < ch.endSec);
  if (!available) {
    pos0 = pos;
    stopSources();
    scheduledUntil = pos;
    setState(streamEnded ? 'ended' : 'waiting', cause);
    return;
  }
  scheduleFrom(pos);
  state = 'playing';
  current = sentenceAt(pos);
  report(cause);
  watchCrossings();
  release();
}

function pause(): void {
  if (state !== 'playing' && state !== 'waiting') return;
  pos0 = position();
  stopSources();
  clearTimeout(crossingTimer);
  setState('paused', 'control');
}

function seekSentence(k: number, cause: 'seek' | 'control'): void {
  if (k < 0 || k >= sentences.length) return;
  const t = times.get(k);
  if (!t) {
    // Not rendered yet (or before this render's start): wait on it, and once the keys settle the host renders from
    // the last sentence asked for, so a run of Next presses is one render, not one per press.
    current = k;
    waitingFor = k;
    pos0 = 0;
    stopSources();
    clearTimeout(crossingTimer);
    if (state !== 'paused') state = 'waiting';
    clearTimeout(seekTimer);
    seekTimer = setTimeout(
      () => {
        seekTimer = undefined;
        if (waitingFor !== undefined) post({ type: 'seek', session, sentence: waitingFor });
      },
      cause === 'control' ? SEEK_SETTLE_MS : 0,
    );
    report(cause);
    return;
  }
  waitingFor = undefined;
  clearTimeout(seekTimer);
  current = k;
  if (state === 'paused' || state === 'ended' || state === 'stopped') {
    pos0 = t.startSec;
    stopSources();
    if (state !== 'paused') start(t.startSec, cause);
    else report(cause);
    return;
  }
  start(t.startSec, cause);
}

function control(action: PlayerControl): void {
  switch (action) {
    case 'toggle':
      if (state === 'playing' || state === 'waiting') pause();
      else if (state === 'paused') start(pos0, 'control');
      else if (state === 'ended' || state === 'stopped') seekSentence(first, 'control');
      break;
    case 'next':
      seekSentence(current + 1, 'control');
      break;
    case 'previous':
      seekSentence(Math.max(0, current - 1), 'control');
      break;
    case 'stop':
      waitingFor = undefined;
      clearTimeout(seekTimer);
      stopSources();
      clearTimeout(crossingTimer);
      pos0 = 0;
      setState('stopped', 'control');
      break;
  }
}

function pcmToBuffer(pcm: Uint8Array, sampleRate: number): AudioBuffer {
  const c = audio();
  const n = pcm.byteLength >> 1;
  const buffer = c.createBuffer(1, Math.max(1, n), sampleRate);
  const data = buffer.getChannelData(0);
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  for (let i = 0; i < n; i++) data[i] = view.getInt16(i * 2, true) / 32768;
  return buffer;
}

function onChunk(m: Extract<ToPlayerMessage, { type: 'chunk' }>): void {
  if (m.session !== session) return;
  // Said first, so the next chunk's trip overlaps this one's decoding.
  post({ type: 'received', session: m.session, index: m.index });
  const chunk: Chunk = { index: m.index, startSec: m.startSec, endSec: m.endSec, buffer: pcmToBuffer(m.pcm, m.sampleRate), sentences: m.sentences.map((s) => s.sentence) };
  chunks.push(chunk);
  for (const s of m.sentences) times.set(s.sentence, s);
  // At the speed chosen, made before its place on the clock is decided (below, against the clock's time now).
  audioAt(chunk, rate);
  const c = audio();
  if (waitingFor !== undefined) {
    // Waiting on a sentence sought: this render may reach it before the host acts on the seek.
    const t = times.get(waitingFor);
    if (t) {
      clearTimeout(seekTimer);
      waitingFor = undefined;
      if (state === 'waiting') start(t.startSec, 'load');
      else pos0 = t.startSec;
    }
    render();
    return;
  }
  if (state === 'idle') {
    // The first chunk: play at once, then build the list.
    start(m.startSec, 'load');
    buildList();
    render();
    return;
  }
  if (state === 'playing' && Math.abs(chunk.startSec - scheduledUntil) < 1e-6) {
    if (scheduledEndCtx > c.currentTime + 0.005) {
      // In time: it starts exactly where the scheduled audio ends.
      append(chunk, c);
      return;
    }
  }
  if (state === 'waiting' && pos0 >= chunk.startSec - 1e-6 && pos0 < chunk.endSec) {
    // Playback ran dry and this is what it waits for: silence was inserted, counted as a gap at this join.
    const dryFor = Math.max(0, c.currentTime - ctx0);
    underruns++;
    joinGapMs = Math.max(joinGapMs, (dryFor + LEAD_SEC) * 1000);
    start(pos0, 'load');
    return;
  }
  if (state === 'playing' && Math.abs(chunk.startSec - scheduledUntil) < 1e-6) {
    // Late by a hair (the scheduled audio is ending now): append after a short lead and count the gap.
    const gap = Math.max(0, c.currentTime + LEAD_SEC - scheduledEndCtx);
    joinGapMs = Math.max(joinGapMs, gap * 1000);
    scheduledEndCtx = Math.max(scheduledEndCtx, c.currentTime + LEAD_SEC);
    append(chunk, c);
  }
  render();
}

function onSession(m: Extract<ToPlayerMessage, { type: 'session' }>): void {
  stopSources();
  clearTimeout(crossingTimer);
  session = m.session;
  waitingFor = undefined;
  clearTimeout(seekTimer);
  sentences = m.sentences;
  first = m.first;
  chunks.length = 0;
  times.clear();
  streamEnded = false;
  state = 'idle';
  current = m.first;
  pos0 = 0;
  scheduledUntil = 0;
  joinGapMs = 0;
  underruns = 0;
  ui.title.textContent = m.title;
  ui.error.hidden = true;
  ui.rendered.textContent = '';
  listBuilt = false;
  ui.list.replaceChildren();
  audio(); // created now, so it is running by the time the first chunk is in
  if (ctx?.state === 'suspended') void ctx.resume();
  render();
}

let listBuilt = false;
/** The sentence list, built once the first sound is scheduled: a long file's list must not delay it. */
function buildList(): void {
  if (listBuilt) return;
  listBuilt = true;
  shown = -2;
  const items = sentences.map((text, i) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'sentence';
    button.textContent = text;
    button.dataset.index = String(i);
    li.append(button);
    return li;
  });
  ui.list.replaceChildren(...items);
}

let shown = -2;
function render(): void {
  const playing = state === 'playing' || state === 'waiting';
  ui.toggle.textContent = playing ? words.pause : words.play;
  ui.toggle.setAttribute('aria-pressed', String(playing));
  document.body.dataset.state = state;
  document.body.dataset.session = String(session);
  document.body.dataset.sentence = String(current);
  document.body.dataset.first = String(first);
  // the audio clock's own state, so a test (and a curious user in devtools) can tell sound from a stuck clock
  document.body.dataset.audio = ctx ? `${ctx.state} ${ctx.currentTime.toFixed(2)}` : 'none';
  const n = sentences.length;
  ui.position.textContent = n ? words.position.replace('{0}', String(Math.max(1, current + 1))).replace('{1}', String(n)) : '';
  if (state === 'waiting') ui.position.textContent += ` · ${words.waiting}`;
  else if (state === 'ended') ui.position.textContent += ` · ${words.ended}`;
  for (const b of [ui.toggle, ui.previous, ui.next, ui.stop]) b.disabled = session < 0;
  if (shown !== current) {
    ui.list.querySelector('[aria-current]')?.removeAttribute('aria-current');
    const button = ui.list.querySelector<HTMLElement>(`button[data-index="${current}"]`);
    if (button) {
      button.setAttribute('aria-current', 'true');
      button.scrollIntoView({ block: 'nearest' });
    }
    shown = current;
  }
}

ui.toggle.addEventListener('click', () => control('toggle'));
ui.previous.addEventListener('click', () => control('previous'));
ui.next.addEventListener('click', () => control('next'));
ui.stop.addEventListener('click', () => control('stop'));
ui.list.addEventListener('click', (e) => {
  const button = (e.target as HTMLElement).closest<HTMLElement>('button.sentence');
  if (button) seekSentence(Number(button.dataset.index), 'seek');
});
ui.speed.value = String(rate);
ui.speed.addEventListener('change', () => {
  const next = Number(ui.speed.value) || 1;
  // The audio at the new speed is made while the old plays on, so the switch itself is immediate.
  if (state === 'playing') prepare(position(), next);
  const pos = position();
  rate = next;
  vscode.setState({ rate });
  post({ type: 'rate', rate });
  if (state === 'playing') {
    // Rescheduled from where it is, at the new rate; the crossings follow the new clock.
    scheduleFrom(pos);
    watchCrossings();
  }
  report('control');
});

window.addEventListener('message', (event: MessageEvent<ToPlayerMessage>) => {
  const m = event.data;
  switch (m?.type) {
    case 'session':
      onSession(m);
      break;
    case 'chunk':
      onChunk(m);
      break;
    case 'end':
      if (m.session !== session) return;
      streamEnded = true;
      buildList();
      if (m.error) {
        ui.error.textContent = m.error;
        ui.error.hidden = false;
      }
      if (state === 'waiting' && waitingFor === undefined && !chunks.some((c) => c.endSec > pos0 + 1e-6)) setState('ended', 'audio');
      else if (state === 'idle') setState('ended', 'load');
      break;
    case 'control':
      ack = m.id;
      control(m.action);
      // every control answers, even one that changed nothing (next at the last sentence)
      if (ack) report('control');
      break;
    case 'status':
      if (m.session === session && m.rendered !== undefined) ui.rendered.textContent = m.rendered;
      break;
  }
});

render();
post({ type: 'ready' });
