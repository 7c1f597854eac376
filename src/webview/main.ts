// The panel's script. It owns what the user typed (persisted with setState on every keystroke, so hiding,
// closing or reloading loses nothing) and talks to the host only through the typed protocol.
import './panel.css';
import type { PreviewInfo, ToWebviewMessage } from '../shared/protocol';
import { codePointLength, MAX_INPUT_CHARS, validateCloneForm, type CloneField, type CloneForm, type FormErrors } from '../shared/validation';
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
const player = $<HTMLAudioElement>('player');
const speed = $<HTMLSelectElement>('speed');
const voiceIdEl = $('voiceId');
const copyButton = $<HTMLButtonElement>('copy');
const elapsed = $('elapsed');
const textCount = $('text-count');

let state: PanelState = vscode.getState() ?? { form: { sampleUrl: '', transcript: '', text: '', voiceName: '' } };
let usedNames = new Set<string>();
let runningRequest: string | undefined;
let bannerActionKind: 'setApiKey' | 'retry' | undefined;

function save(): void {
  vscode.setState(state);
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
  textCount.textContent = `${n} / ${MAX_INPUT_CHARS} characters`;
  textCount.classList.toggle('over', n > MAX_INPUT_CHARS);
}

function showFieldError(field: CloneField, message: string | undefined): void {
  const el = $(`${field}-error`);
  el.textContent = message ?? '';
  el.hidden = !message;
  inputs[field].setAttribute('aria-invalid', message ? 'true' : 'false');
}

function showErrors(errors: FormErrors): void {
  for (const f of FIELDS) showFieldError(f, errors[f]);
}

function showBanner(message: string | undefined, action?: 'setApiKey' | 'retry'): void {
  banner.hidden = !message;
  bannerText.textContent = message ?? '';
  bannerActionKind = action;
  bannerAction.hidden = !action;
  bannerAction.textContent = action === 'setApiKey' ? 'Set API Key' : action === 'retry' ? 'Retry' : '';
}

function setBusy(requestId: string | undefined): void {
  runningRequest = requestId;
  const busy = requestId !== undefined;
  document.body.dataset.state = busy ? 'busy' : 'idle';
  cloneButton.disabled = busy;
  cancelButton.hidden = !busy;
  formEl.setAttribute('aria-busy', String(busy));
  if (!busy) progress.textContent = '';
}

function showPreview(preview: PreviewInfo | undefined, autoplay = false): void {
  state.preview = preview;
  save();
  result.hidden = !preview;
  if (!preview) return;
  if (player.getAttribute('src') !== preview.audioSrc) player.src = preview.audioSrc;
  player.playbackRate = state.playbackRate ?? 1;
  voiceIdEl.textContent = preview.voiceId;
  elapsed.textContent = preview.elapsedMs > 0 ? `“${preview.voiceName}” cloned in ${(preview.elapsedMs / 1000).toFixed(1)} s.` : `“${preview.voiceName}”`;
  if (autoplay) void player.play().catch(() => undefined);
}

const nameTaken = (name: string) => usedNames.has(name.toLowerCase());

function newRequestId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

formEl.addEventListener('input', (e) => {
  state.form = readForm();
  save();
  const field = (e.target as HTMLElement).id as CloneField;
  if (field === 'text') updateCount();
  // an error clears as soon as the field is valid again; it never clears what was typed
  if (FIELDS.includes(field) && !$(`${field}-error`).hidden) showFieldError(field, validateCloneForm(state.form, nameTaken)[field]);
});

for (const f of FIELDS) {
  inputs[f].addEventListener('blur', () => {
    if (!inputs[f].value) return;
    showFieldError(f, validateCloneForm(readForm(), nameTaken)[f]);
  });
}

formEl.addEventListener('submit', (e) => {
  e.preventDefault();
  if (runningRequest) return;
  const form = readForm();
  const errors = validateCloneForm(form, nameTaken);
  showErrors(errors);
  showBanner(undefined);
  const first = FIELDS.find((f) => errors[f]);
  if (first) {
    inputs[first].focus();
    return;
  }
  const requestId = newRequestId();
  setBusy(requestId);
  progress.textContent = 'Sending…';
  vscode.postMessage({ type: 'clone', requestId, form });
});

cancelButton.addEventListener('click', () => {
  if (runningRequest) vscode.postMessage({ type: 'cancel', requestId: runningRequest });
});

bannerAction.addEventListener('click', () => {
  if (bannerActionKind === 'setApiKey') vscode.postMessage({ type: 'setApiKey' });
  else if (bannerActionKind === 'retry') formEl.requestSubmit();
});

copyButton.addEventListener('click', () => {
  if (state.preview) vscode.postMessage({ type: 'copyVoiceId', voiceId: state.preview.voiceId });
});

speed.addEventListener('change', () => {
  state.playbackRate = Number(speed.value) || 1;
  player.playbackRate = state.playbackRate;
  save();
});

window.addEventListener('message', (event: MessageEvent<ToWebviewMessage>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'init':
      usedNames = new Set(msg.usedNames.map((n) => n.toLowerCase()));
      if (!inputs.voiceName.value) {
        inputs.voiceName.value = msg.proposedName;
        state.form = readForm();
        save();
      }
      document.body.dataset.ready = 'true';
      break;
    case 'prefill':
      writeForm(msg.form);
      state.form = readForm();
      save();
      showErrors({});
      showBanner(undefined);
      break;
    case 'cloneStarted':
      setBusy(msg.requestId);
      progress.textContent = 'Cloning…';
      break;
    case 'cloneProgress':
      if (msg.requestId === runningRequest) progress.textContent = msg.message;
      break;
    case 'cloneResult':
      showPreview(msg.preview, msg.autoplay);
      usedNames.add(msg.preview.voiceName.toLowerCase());
      break;
    case 'cloneError':
      if (msg.field) showFieldError(msg.field, msg.message);
      showBanner(msg.field ? undefined : msg.message, msg.action);
      if (msg.field) inputs[msg.field].focus();
      break;
    case 'cloneFinished':
      if (msg.requestId === runningRequest || runningRequest === undefined) setBusy(undefined);
      break;
    case 'preview':
      showPreview(msg.preview);
      break;
    case 'nameProposal':
      usedNames = new Set(msg.usedNames.map((n) => n.toLowerCase()));
      inputs.voiceName.value = msg.name;
      state.form = readForm();
      save();
      break;
    case 'keyState':
      if (msg.hasKey && bannerActionKind === 'setApiKey') showBanner('API key saved. Press “Clone and preview” to try again.');
      break;
  }
});

// Restore before telling the host we are ready, so nothing typed is ever replaced by a default.
writeForm(state.form);
speed.value = String(state.playbackRate ?? 1);
if (state.preview) {
  result.hidden = false;
  voiceIdEl.textContent = state.preview.voiceId;
}
setBusy(undefined);
vscode.postMessage({ type: 'ready', previewFile: state.preview?.file });
