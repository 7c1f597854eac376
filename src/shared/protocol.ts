// The messages between the extension host and the webview, and the guards the host applies to every
// message it receives: the webview is an untrusted boundary.
import type { CloneField, CloneForm } from '../core/validation';

/** Longest string the host accepts in any field of a webview message. */
export const MAX_MESSAGE_STRING = 20_000;
const MAX_ID = 64;

export interface PreviewInfo {
  voiceId: string;
  voiceName: string;
  /** A webview URI for the downloaded preview audio. */
  audioSrc: string;
  /** File name of the preview in the extension's audio folder: lets a restored panel ask for a fresh URI. */
  file: string;
  elapsedMs: number;
  text: string;
}

/** A saved voice as the panel lists it (no sample URL or transcript: the panel does not need them). */
export interface LibraryVoice {
  voiceId: string;
  name: string;
  createdAt: string;
  hasPreview: boolean;
  /** When the user confirmed the right to clone this voice (ISO 8601); absent: cloned before consent was asked. */
  consentAt?: string;
}

export interface LibraryPreview {
  id: string;
  text: string;
  voiceName: string;
  createdAt: string;
  kind: 'clone' | 'speech' | 'narration';
  durationSec?: number;
  /** Requested with Novita's watermark (true) or without (false); absent: not known. */
  watermark?: boolean;
}

/**
 * A local file as the clone's sample (picked, dropped from the Explorer, or from the workspace): the host reads it by
 * `uri` (a file: or vscode-remote: URI) only when it is checked or cloned.
 */
export interface SampleFileInfo {
  uri: string;
  /** The file's name, as shown. */
  name: string;
  sizeBytes: number;
}

/** What the sample preflight found, as the panel shows it. */
export interface SampleCheck {
  /** The URL checked, or the URI of the local file. */
  url: string;
  state: 'checking' | 'done';
  /** False: cloning is refused (`refusal` says why). */
  ok?: boolean;
  /** e.g. "WAV · 12.4 s · 24 kHz mono · 580 KB". */
  summary?: string;
  refusal?: string;
  warnings?: { message: string; overridable: boolean }[];
}

export type VoiceAction = 'play' | 'use' | 'copy' | 'rename' | 'remove';
export type PreviewAction = 'play' | 'save' | 'reveal' | 'remove';

export type ToWebviewMessage =
  | { type: 'init'; proposedName: string; hasKey: boolean; usedNames: string[]; draft?: CloneForm; sampleFile?: SampleFileInfo }
  | { type: 'prefill'; form: CloneForm; sampleFile?: SampleFileInfo }
  /** The file the user picked or dropped is the sample now (its check follows as sampleInfo); `error`: it cannot be. */
  | { type: 'sampleFile'; file?: SampleFileInfo; error?: string }
  | { type: 'cloneStarted'; requestId: string }
  | { type: 'cloneProgress'; requestId: string; message: string }
  /**
   * `bytes`: the fresh preview itself, played from memory so it does not wait for a resource load. `next`: the name
   * to propose for the next voice; `finished`: the run is over (no cloneFinished follows). One message rather than
   * three: each costs the editor a trip while the preview loads.
   */
  | {
      type: 'cloneResult';
      requestId: string;
      preview: PreviewInfo;
      autoplay: boolean;
      bytes?: Uint8Array;
      mimeType?: string;
      next?: { name: string; usedNames: string[] };
      finished?: boolean;
    }
  /** `consent`: the clone was refused because the consent box was not checked (the form points at it). */
  | { type: 'cloneError'; requestId: string; message: string; field?: CloneField; action?: CloneErrorAction; consent?: boolean }
  | { type: 'sampleInfo'; check: SampleCheck }
  | { type: 'samplePlayback'; url: string; audioSrc?: string; error?: string }
  | { type: 'transcript'; requestId: string; url: string; text?: string; error?: string }
  | { type: 'cloneFinished'; requestId: string }
  | { type: 'preview'; preview: PreviewInfo | undefined; autoplay?: boolean }
  /** `consentedSamples`: sample URLs cloned before with consent (cloning them again needs no new confirmation). */
  | { type: 'library'; voices: LibraryVoice[]; history: LibraryPreview[]; activeVoiceId: string; activeVoiceName: string; consentedSamples: string[] }
  | { type: 'nameProposal'; name: string; usedNames: string[] }
  | { type: 'keyState'; hasKey: boolean };

/** The button a failed clone offers; `cloneWithZhipu`: a local file with Novita selected, and a Zhipu key is set. */
export type CloneErrorAction = 'setApiKey' | 'retry' | 'cloneAnyway' | 'cloneWithZhipu';

/** How the panel asks for a local sample: the open dialog, or a quick pick of the workspace's audio files. */
export type SamplePick = 'browse' | 'workspace';

export type FromWebviewMessage =
  | { type: 'ready'; previewFile?: string }
  | { type: 'draft'; form: CloneForm; sampleFile?: SampleFileInfo }
  /**
   * `consent`: the user checked "I have the right to clone this voice". `sampleFile`: clone from this file (the URL
   * field is not used). `provider`: clone there rather than at the selected provider ("Clone with Zhipu").
   */
  | { type: 'clone'; requestId: string; form: CloneForm; acceptWarnings?: boolean; consent?: boolean; sampleFile?: SampleFileInfo; provider?: 'zhipu' }
  | { type: 'checkSample'; url: string }
  | { type: 'checkSampleFile'; file: SampleFileInfo }
  | { type: 'pickSample'; how: SamplePick }
  /** What was dropped on the sample field: a URI list (text/uri-list or VS Code's own), as the browser gave it. */
  | { type: 'dropSample'; uris: string }
  | { type: 'playSample'; url: string }
  | { type: 'transcribe'; requestId: string; url: string }
  | { type: 'cancel'; requestId: string }
  | { type: 'copyVoiceId'; voiceId: string }
  | { type: 'setApiKey' }
  | { type: 'proposeName' }
  | { type: 'voiceAction'; action: VoiceAction; voiceId: string }
  | { type: 'previewAction'; action: PreviewAction; id: string };

type Shape = Record<string, 'string' | 'string?' | 'form' | 'id' | 'id?' | 'boolean?' | 'voiceAction' | 'previewAction' | 'sampleFile' | 'sampleFile?' | 'samplePick' | 'zhipu?'>;

const VOICE_ACTIONS: readonly string[] = ['play', 'use', 'copy', 'rename', 'remove'] satisfies VoiceAction[];
const PREVIEW_ACTIONS: readonly string[] = ['play', 'save', 'reveal', 'remove'] satisfies PreviewAction[];
const SAMPLE_PICKS: readonly string[] = ['browse', 'workspace'] satisfies SamplePick[];

const SHAPES: { [K in FromWebviewMessage['type']]: Shape } = {
  ready: { previewFile: 'string?' },
  draft: { form: 'form', sampleFile: 'sampleFile?' },
  clone: { requestId: 'id', form: 'form', acceptWarnings: 'boolean?', consent: 'boolean?', sampleFile: 'sampleFile?', provider: 'zhipu?' },
  checkSample: { url: 'string' },
  checkSampleFile: { file: 'sampleFile' },
  pickSample: { how: 'samplePick' },
  dropSample: { uris: 'string' },
  playSample: { url: 'string' },
  transcribe: { requestId: 'id', url: 'string' },
  cancel: { requestId: 'id' },
  copyVoiceId: { voiceId: 'string' },
  setApiKey: {},
  proposeName: {},
  voiceAction: { action: 'voiceAction', voiceId: 'string' },
  previewAction: { action: 'previewAction', id: 'id' },
};

const FORM_KEYS: readonly (keyof CloneForm)[] = ['sampleUrl', 'transcript', 'text', 'voiceName'];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function isBoundedString(v: unknown, max = MAX_MESSAGE_STRING): v is string {
  return typeof v === 'string' && v.length <= max;
}

function hasExactlyKeys(o: Record<string, unknown>, allowed: readonly string[], required: readonly string[]): boolean {
  const keys = Object.keys(o);
  return keys.every((k) => allowed.includes(k)) && required.every((k) => Object.prototype.hasOwnProperty.call(o, k));
}

const SAMPLE_FILE_KEYS: readonly (keyof SampleFileInfo)[] = ['uri', 'name', 'sizeBytes'];

export function isSampleFileInfo(v: unknown): v is SampleFileInfo {
  return (
    isPlainObject(v) &&
    hasExactlyKeys(v, SAMPLE_FILE_KEYS, SAMPLE_FILE_KEYS) &&
    isBoundedString(v.uri, 4096) &&
    /^(file|vscode-remote):/i.test(v.uri) &&
    isBoundedString(v.name, 1024) &&
    typeof v.sizeBytes === 'number' &&
    Number.isSafeInteger(v.sizeBytes) &&
    v.sizeBytes >= 0
  );
}

export function isCloneForm(v: unknown): v is CloneForm {
  return isPlainObject(v) && hasExactlyKeys(v, FORM_KEYS, FORM_KEYS) && FORM_KEYS.every((k) => isBoundedString(v[k]));
}

/**
 * Checks a message from the webview: known type, exactly the expected fields, each of the right type and
 * bounded length. Anything else is refused (returns false) and must be ignored by the caller.
 */
export function isFromWebviewMessage(msg: unknown): msg is FromWebviewMessage {
  if (!isPlainObject(msg) || typeof msg.type !== 'string') return false;
  if (!Object.prototype.hasOwnProperty.call(SHAPES, msg.type)) return false;
  const shape = SHAPES[msg.type as FromWebviewMessage['type']];
  const allowed = ['type', ...Object.keys(shape)];
  const required = ['type', ...Object.keys(shape).filter((k) => !shape[k].endsWith('?'))];
  if (!hasExactlyKeys(msg, allowed, required)) return false;
  for (const [key, kind] of Object.entries(shape)) {
    const value = msg[key];
    if (value === undefined && kind.endsWith('?')) continue;
    switch (kind) {
      case 'string':
      case 'string?':
        if (!isBoundedString(value)) return false;
        break;
      case 'id':
      case 'id?':
        if (!isBoundedString(value, MAX_ID) || !/^[A-Za-z0-9_-]+$/.test(value)) return false;
        break;
      case 'form':
        if (!isCloneForm(value)) return false;
        break;
      case 'boolean?':
        if (typeof value !== 'boolean') return false;
        break;
      case 'voiceAction':
        if (typeof value !== 'string' || !VOICE_ACTIONS.includes(value)) return false;
        break;
      case 'previewAction':
        if (typeof value !== 'string' || !PREVIEW_ACTIONS.includes(value)) return false;
        break;
      case 'sampleFile':
      case 'sampleFile?':
        if (!isSampleFileInfo(value)) return false;
        break;
      case 'samplePick':
        if (typeof value !== 'string' || !SAMPLE_PICKS.includes(value)) return false;
        break;
      case 'zhipu?':
        if (value !== 'zhipu') return false;
        break;
    }
  }
  return true;
}
