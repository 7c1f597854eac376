// What a flow needs from whoever runs it (the editor, the CLI, a test): small ports, no vscode.
import type { ProxyConfig } from '../http/dispatcher';
import type { PresetId } from '../master/presets';
import type { FormatId } from '../export/formats';
import type { CloneProgress } from '../novita/client';
import type { ProviderId } from '../providers/port';

export interface LogPort {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface SecretsPort {
  /**
   * The API key of `provider` (default Novita, as every caller before Zhipu asked); undefined when none is set (the
   * editor asks for one first). Never logged or shown.
   */
  apiKey(provider?: ProviderId): Promise<string | undefined>;
}

export interface FoldersPort {
  /** Where previews, narrations and fetched samples are kept; created on demand. */
  audioDir(): Promise<string>;
}

/** A step of a running flow, for whoever shows progress (src/messages turns it into words). */
export type ProgressEvent =
  | { step: 'checkingSample' }
  /** A local sample is being uploaded to the provider (Zhipu) before the clone. */
  | { step: 'uploading'; provider: ProviderId }
  /** Without `provider`: at Novita. */
  | { step: 'cloning'; provider?: ProviderId }
  /** An async clone task's status, as Novita reports it. */
  | { step: 'task'; status: CloneProgress }
  /** Shown only when the download is slow enough to be seen. */
  | { step: 'downloadingPreview' }
  /** Novita asked to wait (429/503 with Retry-After, a refused connection): the next attempt is in `seconds`. */
  | { step: 'retryWait'; seconds: number; provider?: ProviderId }
  | { step: 'chunks'; done: number; total: number }
  /** The joined audio is being mastered for a preset (src/core/master): read whole, measured, written again. */
  | { step: 'mastering'; preset: PresetId }
  /** The joined audio is being encoded (MP3). */
  | { step: 'encoding'; format: FormatId };

export type ProgressPort = (event: ProgressEvent) => void;

export interface ConnectionSettings {
  apiBaseUrl: string;
  requestTimeoutMs: number;
  /** Undefined: no proxy at all (not even from the environment). */
  proxy?: ProxyConfig;
}
