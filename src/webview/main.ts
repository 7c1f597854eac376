// The panel's script. It owns what the user typed (persisted with setState on every keystroke, so hiding,
// closing or reloading loses nothing) and talks to the host only through the typed protocol.
import './panel.css';
import type { LibraryPreview, LibraryVoice, PreviewAction, PreviewInfo, SampleCheck, ToWebviewMessage, VoiceAction } from '../shared/protocol';
import { codePointLength, LIMITS } from '../core/limits';
import { checkCloneForm, checkSampleUrl, freeName, type CloneField, type CloneForm, type FieldProblem, type FieldProblems } from '../core/validation';
import { english, fieldProblemText } from '../messages';
import { getVsCodeApi } from './vscodeApi';

interface PanelState {
  form: CloneForm;
  preview?: PreviewInfo;
  playbackRate?: number;
}

const FIELDS: readonly CloneField[] = ['sampleUrl', 'transcript', 'text', 'voiceName'];
const vscode = getVsCodeApi<PanelState>();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const formEl = $<HTMLFormElement>('clone-form');
const inputs = Object.fromEntries(FIELDS.map((f) => [f, $<HTMLInputElement | HTMLTextAreaElement>(f)])) as Record<CloneField, HTMLInputElement | HTMLTextAreaElement>;
const cloneButton = $<HTMLButtonElement>('clone');
const cancelButton = $<HTMLButtonElement>('cancel');
const progress = $('progress');
const banner = $('form-error');
const bannerText = $('form-error-text');
const bannerAction = $<HTMLButtonElement>('form-error-action');
const result = $('result');
let player = $<HTMLAudioElement>('player');
const speed = $<HTMLSelectElement>('speed');
const voiceIdEl = $('voiceId');
const copyButton = $<HTMLButtonElement>('copy');
const elapsed = $('elapsed');
const textCount = $('text-count');
const voiceList = $('voice-list');
const voicesEmpty = $('voices-empty');
const activeVoice = $('active-voice');
const historyList = $('history-list');
const historyEmpty = $('history-empty');
const sampleInfo = $('sample-info');
const sampleWarning = $('sample-warning');
const playSample = $<HTMLButtonElement>('play-sample');
const samplePlayer = $<HTMLAudioElement>('sample-player');
const transcribeButton = $<HTMLButtonElement>('transcribe');
const transcriptOffer = $('transcript-offer');
const transcriptOfferText = $('transcript-offer-text');
const nameSuggestionRow = $('name-suggestion-row');
const nameSuggestion = $<HTMLButtonElement>('name-suggestion');

const restored = vscode.getState();
let state: PanelState = restored ?? { form: { sampleUrl: '', transcript: '', text: '', voiceName: '' } };
let usedNames = new Set<string>();
let runningRequest: string | undefined;
let bannerActionKind: 'setApiKey' | 'retry' | 'cloneAnyway' | undefined;
let lastCheck: SampleCheck | undefined;
let checkTimer: ReturnType<typeof setTimeout> | undefined;
let transcribeRequest: string | undefined;
let offeredTranscript: string | undefined;

/** Webview state survives hiding and reloads; the host's copy of the draft survives closing the panel. */
function save(): void {
  vscode.setState(state);
}

/** Sent on every edit (not on a timer: a panel closed right after typing must still have told the host). */
function sendDraft(): void {
  vscode.postMessage({ type: 'draft', form: state.form });
}

function readForm(): CloneForm {
  return { sampleUrl: inputs.sampleUrl.value, transcript: inputs.transcript.value, text: inputs.text.value, voiceName: inputs.voiceName.value };
}

function writeForm(form: CloneForm): void {
  for (const f of FIELDS) inputs[f].value = form[f];
  updateCount();
}

function updateCount(): void {
  const n = codePointLength(inputs.text.value);
  textCount.textContent = `${n} / ${LIMITS.inputChars} characters`;
  textCount.classList.toggle('over', n > LIMITS.inputChars);
}

function showFieldError(field: CloneField, message: string | undefined): void {
  const el = $(`${field}-error`);
  el.textContent = message ?? '';
  el.hidden = !message;
  inputs[field].setAttribute('aria-invalid', message ? 'true' : 'false');
}

function showProblem(field: CloneField, problem: FieldProblem | undefined): void {
  showFieldError(field, problem && fieldProblemText(field, problem, english));
}

function showProblems(problems: FieldProblems): void {
  for (const f of FIELDS) showProblem(f, problems[f]);
}

const ACTION_LABELS = { setApiKey: 'Set API Key', retry: 'Retry', cloneAnyway: 'Clone anyway' } as const;

function showBanner(message: string | undefined, action?: keyof typeof ACTION_LABELS): void {
  banner.hidden = !message;
  bannerText.textContent = message ?? '';
  bannerActionKind = action;
  bannerAction.hidden = !action;
  bannerAction.textContent = action ? ACTION_LABELS[action] : '';
}

/** The voice name is checked against the library as it is typed, with a free name offered. */
function checkNameLive(): void {
  const name = inputs.voiceName.value.trim();
  if (name && nameTaken(name)) {
    // `name` is taken, so the rule shared with the host gives the next free variant (name-2, name-3…)
    const suggestion = freeName(name, nameTaken);
    showProblem('voiceName', { code: 'nameTaken', name });
    nameSuggestion.textContent = `Use “${suggestion}”`;
    nameSuggestion.dataset.name = suggestion;
    nameSuggestionRow.hidden = false;
  } else {
    nameSuggestionRow.hidden = true;
    if (!$('voiceName-error').hidden) showProblem('voiceName', checkCloneForm(readForm(), nameTaken).voiceName);
  }
}

function renderSampleCheck(check: SampleCheck | undefined): void {
  lastCheck = check;
  if (!check) {
    sampleInfo.textContent = '';
    sampleWarning.hidden = true;
    playSample.hidden = true;
    return;
  }
  if (check.state === 'checking') {
    sampleInfo.textContent = 'Checking the sample…';
    sampleWarning.hidden = true;
    playSample.hidden = true;
    return;
  }
  sampleInfo.textContent = check.summary ?? '';
  playSample.hidden = !check.ok;
  const warnings = check.warnings ?? [];
  sampleWarning.textContent = warnings.map((w) => w.message).join(' ');
  sampleWarning.hidden = warnings.length === 0;
  showFieldError('sampleUrl', check.ok === false ? check.refusal : undefined);
}

function scheduleSampleCheck(): void {
  if (checkTimer) clearTimeout(checkTimer);
  const url = inputs.sampleUrl.value.trim();
  if (!url || checkSampleUrl(url)) {
    renderSampleCheck(undefined);
    return;
  }
  if (lastCheck?.url === url) return;
  checkTimer = setTimeout(() => {
    checkTimer = undefined;
    renderSampleCheck({ url, state: 'checking' });
    vscode.postMessage({ type: 'checkSample', url });
  }, 600);
}

/**
 * The spinner appears only once a wait is long enough to need it (the progress text says what is going on from the
 * start): one that flashes for a fraction of a second says nothing, and its frames compete with the work it waits for.
 */
const SPINNER_AFTER_MS = 500;
let spinnerTimer: ReturnType<typeof setTimeout> | undefined;

function setBusy(requestId: string | undefined): void {
  runningRequest = requestId;
  const busy = requestId !== undefined;
  document.body.dataset.state = busy ? 'busy' : 'idle';
  clearTimeout(spinnerTimer);
  delete document.body.dataset.wait;
  if (busy) spinnerTimer = setTimeout(() => (document.body.dataset.wait = 'long'), SPINNER_AFTER_MS);
  cloneButton.disabled = busy;
  cancelButton.hidden = !busy;
  formEl.setAttribute('aria-busy', String(busy));
  if (!busy) progress.textContent = '';
}

let blobUrl: string | undefined;

/**
 * A new preview loads in an <audio> of its own, off the page, and takes the player's place once it can play (or
 * fails, or after LOAD_HOLD_MS). Meanwhile the panel holds back its other updates (the result's text, the messages
 * that follow the result): the page and the media pipeline share one thread here, and every layout they cause
 * delays the sound. A fresh element also skips tearing down the previous preview's pipeline first.
 */
let incoming: { el: HTMLAudioElement; settle: () => void } | undefined;
const held: (() => void)[] = [];
const LOAD_HOLD_MS = 1500;

function whenSettled(work: () => void): void {
  // held.length: a settled preview's own updates may still be on their way; nothing overtakes them
  if (incoming || held.length) held.push(work);
  else work();
}

function loadPlayer(src: string, autoplay: boolean, then: () => void): void {
  incoming?.settle();
  // a new element with the player's attributes (a clone would start loading the old source first)
  const next = document.createElement('audio');
  for (const { name, value } of Array.from(player.attributes)) if (name !== 'src') next.setAttribute(name, value);
  const newBlob = src.startsWith('blob:') ? src : undefined;
  next.src = src;
  // loading resets the rate: set after the source
  next.defaultPlaybackRate = next.playbackRate = state.playbackRate ?? 1;
  if (autoplay) void next.play().catch(() => undefined);
  const events = ['canplay', 'error'] as const;
  const settle = () => {
    if (incoming?.el !== next) return;
    incoming = undefined;
    clearTimeout(timer);
    for (const e of events) next.removeEventListener(e, settle);
    const old = player;
    const hadFocus = document.activeElement === old;
    old.pause();
    old.replaceWith(next);
    const oldBlob = blobUrl !== newBlob ? blobUrl : undefined;
    blobUrl = newBlob;
    player = next;
    if (hadFocus) next.focus();
    // the rest in a task of its own, so the player can be painted before it
    held.unshift(() => {
      old.removeAttribute('src');
      old.load(); // lets go of the old pipeline now rather than at garbage collection
      if (oldBlob) URL.revokeObjectURL(oldBlob);
    }, then);
    setTimeout(() => {
      while (held.length) held.shift()!();
    });
  };
  const timer = setTimeout(settle, LOAD_HOLD_MS);
  for (const e of events) next.addEventListener(e, settle);
  incoming = { el: next, settle };
}

/**
 * Up to this size a preview plays from a data: URL, read in this process; a blob: URL goes through the browser's
 * blob store first. Only where the engine encodes base64 natively (Chromium 140+): in script it costs more than it saves.
 */
const DATA_URL_MAX = 2 * 1024 * 1024;

function memoryUrl(bytes: Uint8Array, mimeType: string): string {
  const toBase64 = (bytes as Uint8Array & { toBase64?: () => string }).toBase64;
  if (typeof toBase64 === 'function' && bytes.length <= DATA_URL_MAX) return `data:${mimeType};base64,${toBase64.call(bytes)}`;
  return URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mimeType }));
}

/** After a clone: the name it used is taken now; the field offers a free one for the next voice. */
function proposeNext(name: string, used: string[]): void {
  usedNames = new Set(used.map((n) => n.toLowerCase()));
  inputs.voiceName.value = name;
  state.form = readForm();
  save();
  sendDraft();
  checkNameLive();
}

function showPreview(preview: PreviewInfo | undefined, autoplay = false, inline?: { bytes: Uint8Array; mimeType?: string }): void {
  state.preview = preview;
  const render = () => {
    save();
    result.hidden = !preview;
    if (!preview) return;
    voiceIdEl.textContent = preview.voiceId;
    elapsed.textContent = preview.elapsedMs > 0 ? `“${preview.voiceName}” cloned in ${(preview.elapsedMs / 1000).toFixed(1)} s.` : `“${preview.voiceName}”`;
  };
  if (!preview) return render();
  if (inline) {
    // The bytes came with the result: play from memory instead of waiting for a resource load.
    loadPlayer(memoryUrl(inline.bytes, inline.mimeType ?? 'audio/wav'), autoplay, render);
  } else if (player.getAttribute('src') !== preview.audioSrc) {
    loadPlayer(preview.audioSrc, autoplay, render);
  } else {
    render();
    player.playbackRate = state.playbackRate ?? 1;
    if (autoplay) void player.play().catch(() => undefined);
  }
}

const nameTaken = (name: string) => usedNames.has(name.toLowerCase());

/** A small button; every text goes in through textContent, so names and texts can never become markup. */
function actionButton(label: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'secondary small';
  b.textContent = label;
  b.title = title;
  b.setAttribute('aria-label', title);
  b.addEventListener('click', onClick);
  return b;
}

/**
 * Rows are kept by key while their content is unchanged, so a click never lands on a row that an update
 * (the library is posted after every save) is replacing at that moment.
 */
function keyedRows<T>(list: HTMLElement, items: T[], key: (item: T) => string, build: (item: T) => HTMLLIElement): void {
  const existing = new Map<string, HTMLLIElement>();
  for (const li of Array.from(list.children) as HTMLLIElement[]) existing.set(li.dataset.key ?? '', li);
  const rows = items.map((item) => {
    const k = key(item);
    const kept = existing.get(k);
    if (kept) return kept;
    const li = build(item);
    li.dataset.key = k;
    return li;
  });
  const same = rows.length === list.children.length && rows.every((row, i) => list.children[i] === row);
  if (!same) list.replaceChildren(...rows);
}

function renderVoices(voices: LibraryVoice[], activeId: string, activeName: string): void {
  activeVoice.textContent = `Speaking with: ${activeName}`;
  voicesEmpty.hidden = voices.length > 0;
  const act = (action: VoiceAction, voiceId: string) => () => vscode.postMessage({ type: 'voiceAction', action, voiceId });
  keyedRows(
    voiceList,
    voices,
    (v) => JSON.stringify([v, v.voiceId === activeId]),
    (v) => {
      const li = document.createElement('li');
      li.dataset.voiceId = v.voiceId;
      li.classList.toggle('active', v.voiceId === activeId);
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = v.name;
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = (v.voiceId === activeId ? 'active · ' : '') + new Date(v.createdAt).toLocaleString();
      const buttons = document.createElement('span');
      buttons.className = 'buttons';
      if (v.hasPreview) buttons.append(actionButton('Play', `Play the preview of ${v.name}`, act('play', v.voiceId)));
      buttons.append(
        actionButton('Use', `Use ${v.name} for Speak Selection and Speak File`, act('use', v.voiceId)),
        actionButton('Copy id', `Copy the voice id of ${v.name}`, act('copy', v.voiceId)),
        actionButton('Rename', `Rename ${v.name} (local label)`, act('rename', v.voiceId)),
        actionButton('Remove', `Remove ${v.name} from this list (it stays at Novita)`, act('remove', v.voiceId)),
      );
      li.append(name, meta, buttons);
      return li;
    },
  );
}

function renderHistory(items: LibraryPreview[]): void {
  historyEmpty.hidden = items.length > 0;
  const act = (action: PreviewAction, id: string) => () => vscode.postMessage({ type: 'previewAction', action, id });
  keyedRows(
    historyList,
    items,
    (h) => JSON.stringify(h),
    (h) => {
      const li = document.createElement('li');
      li.dataset.previewId = h.id;
      const text = document.createElement('span');
      text.className = 'name';
      const flat = h.text.replace(/\s+/g, ' ').trim();
      text.textContent = flat.length > 80 ? `${flat.slice(0, 79)}…` : flat || '(no text)';
      const meta = document.createElement('span');
      meta.className = 'meta';
      const duration = h.durationSec !== undefined ? ` · ${h.durationSec.toFixed(1)} s` : '';
      meta.textContent = `${h.kind} · ${h.voiceName}${duration} · ${new Date(h.createdAt).toLocaleString()}`;
      const buttons = document.createElement('span');
      buttons.className = 'buttons';
      buttons.append(
        actionButton('Play', 'Play this preview', act('play', h.id)),
        actionButton('Save As…', 'Save this audio as a file', act('save', h.id)),
        actionButton('Reveal', 'Reveal the file in the file explorer', act('reveal', h.id)),
      );
      li.append(text, meta, buttons);
      return li;
    },
  );
}

function newRequestId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

formEl.addEventListener('input', (e) => {
  state.form = readForm();
  save();
  sendDraft();
  const field = (e.target as HTMLElement).id as CloneField;
  if (field === 'text') updateCount();
  if (field === 'sampleUrl') scheduleSampleCheck();
  if (field === 'voiceName') checkNameLive();
  if (field === 'transcript') transcriptOffer.hidden = true;
  // an error clears as soon as the field is valid again; it never clears what was typed
  if (FIELDS.includes(field) && !$(`${field}-error`).hidden) showProblem(field, checkCloneForm(state.form, nameTaken)[field]);
});

for (const f of FIELDS) {
  inputs[f].addEventListener('blur', () => {
    if (!inputs[f].value) return;
    showProblem(f, checkCloneForm(readForm(), nameTaken)[f]);
  });
}

function submit(acceptWarnings: boolean): void {
  if (runningRequest) return;
  const form = readForm();
  const problems = checkCloneForm(form, nameTaken);
  showProblems(problems);
  showBanner(undefined);
  const first = FIELDS.find((f) => problems[f]);
  if (first) {
    inputs[first].focus();
    return;
  }
  const requestId = newRequestId();
  runningRequest = requestId;
  vscode.postMessage({ type: 'clone', requestId, form, acceptWarnings });
  // The request first, the busy look a frame later: here the page shares its thread with the editor that carries
  // the message on, and a frame's layout and paint would go before it.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      if (runningRequest !== requestId || document.body.dataset.state === 'busy') return;
      setBusy(requestId);
      progress.textContent = 'Checking the sample…';
    }),
  );
}

formEl.addEventListener('submit', (e) => {
  e.preventDefault();
  submit(false);
});

playSample.addEventListener('click', () => {
  const url = inputs.sampleUrl.value.trim();
  if (!checkSampleUrl(url)) {
    playSample.disabled = true;
    sampleInfo.textContent = `${lastCheck?.summary ?? ''} · loading…`.replace(/^ · /, '');
    vscode.postMessage({ type: 'playSample', url });
  }
});

transcribeButton.addEventListener('click', () => {
  const url = inputs.sampleUrl.value.trim();
  const problem = checkSampleUrl(url);
  if (problem) {
    showProblem('sampleUrl', problem);
    inputs.sampleUrl.focus();
    return;
  }
  transcribeRequest = newRequestId();
  transcribeButton.disabled = true;
  transcribeButton.textContent = 'Transcribing…';
  showFieldError('transcript', undefined);
  vscode.postMessage({ type: 'transcribe', requestId: transcribeRequest, url });
});

$('transcript-replace').addEventListener('click', () => {
  if (offeredTranscript === undefined) return;
  inputs.transcript.value = offeredTranscript;
  offeredTranscript = undefined;
  transcriptOffer.hidden = true;
  state.form = readForm();
  save();
  sendDraft();
});

$('transcript-keep').addEventListener('click', () => {
  offeredTranscript = undefined;
  transcriptOffer.hidden = true;
});

nameSuggestion.addEventListener('click', () => {
  const name = nameSuggestion.dataset.name;
  if (!name) return;
  inputs.voiceName.value = name;
  state.form = readForm();
  save();
  sendDraft();
  nameSuggestionRow.hidden = true;
  showFieldError('voiceName', undefined);
});

cancelButton.addEventListener('click', () => {
  if (runningRequest) vscode.postMessage({ type: 'cancel', requestId: runningRequest });
});

bannerAction.addEventListener('click', () => {
  if (bannerActionKind === 'setApiKey') vscode.postMessage({ type: 'setApiKey' });
  else if (bannerActionKind === 'retry') submit(false);
  else if (bannerActionKind === 'cloneAnyway') submit(true);
});

copyButton.addEventListener('click', () => {
  if (state.preview) vscode.postMessage({ type: 'copyVoiceId', voiceId: state.preview.voiceId });
});

speed.addEventListener('change', () => {
  state.playbackRate = Number(speed.value) || 1;
  for (const p of [player, incoming?.el]) if (p) p.defaultPlaybackRate = p.playbackRate = state.playbackRate;
  save();
});

window.addEventListener('message', (event: MessageEvent<ToWebviewMessage>) => {
  const msg = event.data;
  // a new preview replaces the one loading; anything else waits until it can play (see loadPlayer)
  if (msg.type === 'cloneResult' || msg.type === 'preview') handle(msg);
  else whenSettled(() => handle(msg));
});

function handle(msg: ToWebviewMessage): void {
  switch (msg.type) {
    case 'init':
      usedNames = new Set(msg.usedNames.map((n) => n.toLowerCase()));
      if (!restored && msg.draft && !FIELDS.some((f) => inputs[f].value)) {
        writeForm(msg.draft);
        state.form = readForm();
        vscode.setState(state);
        scheduleSampleCheck();
      }
      if (!inputs.voiceName.value) {
        inputs.voiceName.value = msg.proposedName;
        state.form = readForm();
        save();
      }
      checkNameLive();
      document.body.dataset.ready = 'true';
      break;
    case 'prefill':
      writeForm(msg.form);
      state.form = readForm();
      save();
      scheduleSampleCheck();
      showProblems({});
      showBanner(undefined);
      break;
    case 'cloneStarted':
      setBusy(msg.requestId);
      progress.textContent = 'Cloning…';
      break;
    case 'cloneProgress':
      if (msg.requestId === runningRequest) progress.textContent = msg.message;
      break;
    case 'cloneResult': {
      showPreview(msg.preview, msg.autoplay, msg.bytes instanceof Uint8Array ? { bytes: msg.bytes, mimeType: msg.mimeType } : undefined);
      usedNames.add(msg.preview.voiceName.toLowerCase());
      const { next, finished, requestId } = msg;
      whenSettled(() => {
        if (next) proposeNext(next.name, next.usedNames);
        if (finished && (requestId === runningRequest || runningRequest === undefined)) setBusy(undefined);
      });
      break;
    }
    case 'cloneError':
      if (msg.field) showFieldError(msg.field, msg.message);
      showBanner(msg.field ? undefined : msg.message, msg.action);
      if (msg.field) inputs[msg.field].focus();
      break;
    case 'cloneFinished':
      if (msg.requestId === runningRequest || runningRequest === undefined) setBusy(undefined);
      break;
    case 'preview':
      showPreview(msg.preview, msg.autoplay);
      break;
    case 'sampleInfo':
      if (msg.check.url === inputs.sampleUrl.value.trim()) renderSampleCheck(msg.check);
      break;
    case 'samplePlayback':
      playSample.disabled = false;
      if (msg.url !== inputs.sampleUrl.value.trim()) break;
      if (msg.error || !msg.audioSrc) {
        sampleInfo.textContent = msg.error ?? 'The sample cannot be played here.';
        break;
      }
      sampleInfo.textContent = lastCheck?.summary ?? '';
      samplePlayer.hidden = false;
      samplePlayer.src = msg.audioSrc;
      void samplePlayer.play().catch(() => undefined);
      break;
    case 'transcript':
      if (msg.requestId !== transcribeRequest) break;
      transcribeRequest = undefined;
      transcribeButton.disabled = false;
      transcribeButton.textContent = 'Transcribe sample';
      if (msg.error !== undefined || msg.text === undefined) {
        showFieldError('transcript', msg.error ?? 'Transcription failed.');
      } else if (!inputs.transcript.value.trim() || inputs.transcript.value === msg.text) {
        inputs.transcript.value = msg.text;
        state.form = readForm();
        save();
        sendDraft();
        inputs.transcript.focus();
      } else {
        // Never overwrite what the user typed without asking.
        offeredTranscript = msg.text;
        transcriptOfferText.textContent = `Transcript ready: “${msg.text.length > 120 ? `${msg.text.slice(0, 119)}…` : msg.text}”`;
        transcriptOffer.hidden = false;
      }
      break;
    case 'library':
      usedNames = new Set([...usedNames, ...msg.voices.map((v) => v.name.toLowerCase())]);
      renderVoices(msg.voices, msg.activeVoiceId, msg.activeVoiceName);
      renderHistory(msg.history);
      break;
    case 'nameProposal':
      proposeNext(msg.name, msg.usedNames);
      break;
    case 'keyState':
      if (msg.hasKey && bannerActionKind === 'setApiKey') showBanner('API key saved. Press “Clone and preview” to try again.');
      break;
  }
}

// Restore before telling the host we are ready, so nothing typed is ever replaced by a default.
writeForm(state.form);
scheduleSampleCheck();
speed.value = String(state.playbackRate ?? 1);
if (state.preview) {
  result.hidden = false;
  voiceIdEl.textContent = state.preview.voiceId;
}
setBusy(undefined);
vscode.postMessage({ type: 'ready', previewFile: state.preview?.file });
