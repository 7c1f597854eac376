// Sample checks before paying for a clone (HEAD/ranged GET + music-metadata on the first bytes), playback of the
// sample itself, and transcription. Checks and downloads go through the keyless client: a sample URL may be any host.
import { createHash } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { probeSampleBytes } from '../audio/probe';
import { assessSampleFile, type SamplePreflight, type SampleWarning } from '../audio/preflight';
import { CoreError } from '../errors';
import { LIMITS } from '../limits';
import type { NovitaConnections } from '../novita/connections';
import { FILE_SAMPLE_FORMATS, type ProviderId } from '../providers/port';
import type { ConnectionSettings, FoldersPort } from './ports';

/** A sample that passed its check within this time is not fetched again before cloning. */
const RECHECK_AFTER_MS = 60_000;

export interface SampleFlowDeps {
  connections: NovitaConnections;
  folders: FoldersPort;
  settings: () => ConnectionSettings;
}

export class SampleFlow {
  private lastSampleFile: string | undefined;
  /** Recent successful checks by URL: the clone re-check right after the panel's live check need not fetch again. */
  private readonly recent = new Map<string, { at: number; result: SamplePreflight }>();

  constructor(private readonly deps: SampleFlowDeps) {}

  /** What the sample is, and whether it can be cloned from; throws only CoreError 'cancelled'. */
  async check(url: string, signal?: AbortSignal): Promise<SamplePreflight> {
    return withReachabilityWarning(await this.measure(url, signal), url, this.deps.settings().apiBaseUrl);
  }

  private async measure(url: string, signal?: AbortSignal): Promise<SamplePreflight> {
    const hit = this.recent.get(url);
    if (hit && Date.now() - hit.at < RECHECK_AFTER_MS) return hit.result;
    const result = await this.deps.connections.keyless().checkSample(url, { probe: probeSampleBytes, signal });
    if (result.ok) {
      if (this.recent.size > 20) this.recent.clear();
      this.recent.set(url, { at: Date.now(), result });
    } else {
      this.recent.delete(url);
    }
    return result;
  }

  /**
   * A local file's check, on its bytes, before anything is sent: size, format (the provider's file formats; Zhipu's
   * when the provider takes no file, since such a file can only be cloned there), duration. `name` is what is shown.
   */
  checkFile(bytes: Uint8Array, name: string, provider: ProviderId): Promise<SamplePreflight> {
    const formats = FILE_SAMPLE_FORMATS[provider].length ? FILE_SAMPLE_FORMATS[provider] : FILE_SAMPLE_FORMATS.zhipu;
    return assessSampleFile(bytes, name, probeSampleBytes, formats);
  }

  /** Throws CoreError 'sampleRefused', or 'sampleWarnings' unless `acceptWarnings`, for what the check found. */
  async assertCloneable(url: string, acceptWarnings: boolean, signal?: AbortSignal): Promise<SamplePreflight> {
    const result = await this.check(url, signal);
    if (!result.ok) throw new CoreError({ kind: 'sampleRefused', refusal: result.refusal ?? { code: 'notAudio', host: hostOf(url) } });
    if (result.warnings.length && !acceptWarnings) throw new CoreError({ kind: 'sampleWarnings', warnings: result.warnings });
    return result;
  }

  /** Downloads the sample (≤ 10 MB, audio only) into the audio folder so it can be played. Returns its file name. */
  async fetchForPlayback(url: string, signal?: AbortSignal): Promise<string> {
    const dir = await this.deps.folders.audioDir();
    const stem = `sample-${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
    const result = await this.deps.connections.keyless().downloadAudio(url, join(dir, `${stem}.download`), { maxBytes: LIMITS.sampleBytes, signal });
    const fileName = `${stem}.${result.format}`;
    await rename(result.path, join(dir, fileName));
    // Keep one sample at a time: they are only for listening before cloning.
    if (this.lastSampleFile && this.lastSampleFile !== fileName) await rm(join(dir, this.lastSampleFile), { force: true });
    this.lastSampleFile = fileName;
    return fileName;
  }

  /** Novita's speech recognition (POST /v3/glm-asr) on the sample URL. */
  async transcribe(url: string, signal?: AbortSignal): Promise<string> {
    const client = await this.deps.connections.api();
    const { text } = await client.transcribe({ file: url }, { signal });
    return text.trim();
  }
}

/** 127.0.0.0/8, localhost, ::1, and the private ranges 10/8, 172.16/12, 192.168/16, 169.254/16, fc00::/7. */
export function isLocalHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^f[cd][0-9a-f]{2}:/.test(h)) return true;
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(h);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
}

/**
 * Novita fetches the sample itself: a sample on this machine or a private network passes the local check but cannot
 * be cloned from, unless the API itself is local too (the double, a self-hosted gateway).
 */
function withReachabilityWarning(result: SamplePreflight, url: string, apiBaseUrl: string): SamplePreflight {
  let sampleHost: string;
  let apiHost: string;
  try {
    sampleHost = new URL(url).hostname;
    apiHost = new URL(apiBaseUrl).hostname;
  } catch {
    return result;
  }
  if (!result.ok || !isLocalHost(sampleHost) || isLocalHost(apiHost)) return result;
  const warning: SampleWarning = { code: 'unreachable', host: sampleHost };
  return { ...result, warnings: [...result.warnings, warning] };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
