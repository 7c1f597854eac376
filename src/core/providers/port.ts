// What the core asks of a GLM-TTS host, whoever it is (Novita, Zhipu): clone, speak whole or streamed, upload, list and
// delete voices, and what each can do. Flows and runners talk to a `Provider`; `novita.ts` and `zhipu.ts` adapt the two
// clients to it, and `connections.ts` hands out the one for a provider with its own key.
import type { CloneProgress, PlayableFormat } from '../novita/client';

export const PROVIDER_IDS = ['novita', 'zhipu'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];
export const DEFAULT_PROVIDER: ProviderId = 'novita';

export function isProviderId(x: unknown): x is ProviderId {
  return typeof x === 'string' && (PROVIDER_IDS as readonly string[]).includes(x);
}

/** What a provider can do: a runner offers only these (a local file with Novita gets a message, not a request). */
export interface ProviderCapabilities {
  /** Where a clone's sample may come from: a public URL the provider fetches, or bytes uploaded first. */
  cloneFrom: ReadonlyArray<'url' | 'upload'>;
  /** Speech arrives in pieces as it is made (otherwise `speakStreamed` yields the whole once). */
  streamedSpeech: boolean;
  listVoices: boolean;
  deleteVoice: boolean;
  transcribe: boolean;
}

/** What each provider can do, known before a key is read (a runner decides what to offer from it). */
export const CAPABILITIES: Readonly<Record<ProviderId, ProviderCapabilities>> = Object.freeze({
  novita: Object.freeze({ cloneFrom: Object.freeze(['url'] as const), streamedSpeech: false, listVoices: false, deleteVoice: false, transcribe: true }),
  // A URL sample is fetched by the adapter and uploaded: Zhipu itself takes only a file.
  zhipu: Object.freeze({ cloneFrom: Object.freeze(['upload', 'url'] as const), streamedSpeech: true, listVoices: true, deleteVoice: true, transcribe: false }),
});

/** The sample formats a provider clones from when the sample is a local file. */
export const FILE_SAMPLE_FORMATS: Readonly<Record<ProviderId, readonly string[]>> = Object.freeze({ novita: [], zhipu: Object.freeze(['mp3', 'wav']) });

/** The clone's sample: a URL the provider fetches itself, or a local file's bytes (uploaded first). */
export type CloneSource = { kind: 'url'; url: string } | { kind: 'file'; bytes: Uint8Array; filename: string };

export interface ProviderCloneRequest {
  source: CloneSource;
  voiceName: string;
  /** The preview's text. */
  input: string;
  /** What the sample says; omitted when empty. */
  transcript?: string;
}

/** The steps of a clone a runner can name (src/messages words them). */
export type CloneStep = 'uploading' | 'cloning' | 'preview';

export interface ProviderCloneOptions {
  signal?: AbortSignal;
  onStep?: (step: CloneStep) => void;
  /** Novita's async task status, as it polls. */
  onTask?: (status: CloneProgress) => void;
  /** Where the preview is written (a temporary name the caller renames). */
  previewPath: string;
  /** Also hand back the preview's bytes when it is at most this large. */
  keepBytesUpTo?: number;
  /** Keep an uploaded sample at the provider after the clone (default: it is deleted). */
  keepUploadedSample?: boolean;
}

export interface ProviderCloneResult {
  /** The id to speak with (and delete with, where the provider can). */
  voiceId: string;
  preview: { path: string; format: PlayableFormat; data?: Buffer };
  /** The uploaded sample's id, when it was kept at the provider. */
  keptFileId?: string;
}

export interface SpeakRequest {
  input: string;
  voice: string;
  speed?: number;
  volume?: number;
  watermark?: boolean;
}

export interface ProviderVoice {
  voiceId: string;
  name: string;
  kind: 'system' | 'cloned';
  createdAt?: string;
  previewUrl?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * One provider with its key. Every failure is a CoreError; a call outside `capabilities` throws `notSupported` before
 * anything is sent. Speech is raw 24 kHz 16-bit mono PCM.
 */
export interface Provider {
  readonly id: ProviderId;
  readonly capabilities: ProviderCapabilities;
  /** The API base URL: part of the chunk cache's key, so one host's audio never stands in for another's. */
  readonly endpoint: string;
  /**
   * Clones a voice and writes its preview to `previewPath`. A file is uploaded first and deleted afterwards (also when
   * the clone fails or is cancelled) unless `keepUploadedSample`. Once the voice exists, a preview that cannot be had
   * throws `previewLost` (with the voice's id: it must still be recorded).
   */
  clone(req: ProviderCloneRequest, options: ProviderCloneOptions): Promise<ProviderCloneResult>;
  speak(req: SpeakRequest, options?: CallOptions): Promise<Buffer>;
  /** PCM as it arrives: pieces with streamed speech, the whole once without. */
  speakStreamed(req: SpeakRequest, options?: CallOptions): AsyncIterable<Buffer>;
  /** Uploads a sample; the id is what a clone from it names. */
  upload(bytes: Uint8Array, filename: string, options?: CallOptions): Promise<{ fileId: string }>;
  deleteUpload(fileId: string, options?: CallOptions): Promise<void>;
  /** The voices the provider knows for this key (system and cloned). */
  listVoices(options?: CallOptions): Promise<ProviderVoice[]>;
  deleteVoice(voiceId: string, options?: CallOptions): Promise<void>;
}
