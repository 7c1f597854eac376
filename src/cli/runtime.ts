// What every command shares: the provider (--provider or GVC_PROVIDER, default novita), its key (NOVITA_API_KEY or
// ZHIPU_API_KEY, or --key-file for the chosen provider; never an argument), the connection settings
// (--base-url, --timeout, HTTPS_PROXY/NO_PROXY), the data folder with the voice registry, the chunk cache, and the two
// output streams, through which nothing leaves with the key in it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkCache } from '../core/cache/chunkCache';
import { redact } from '../core/errors';
import type { ConnectionSettings, FoldersPort, LogPort } from '../core/flows/ports';
import { VoiceRegistry } from '../core/library/voiceRegistry';
import { NovitaConnections } from '../core/novita/connections';
import { validateBaseUrl } from '../core/novita/client';
import { ProviderConnections } from '../core/providers/connections';
import { DEFAULT_PROVIDER, isProviderId, PROVIDER_IDS, type ProviderId } from '../core/providers/port';
import { ZHIPU_BASE_URL } from '../core/zhipu/client';
import { UsageError } from './problems';

export const DEFAULT_BASE_URL = 'https://api.novita.ai';
export const APP_DIR = 'glm-voice-clone';
/** Novita's keys are far longer; anything shorter is a stand-in (the double accepts any key). */
const MIN_REDACTED_KEY = 8;

/** XDG-style folders: $XDG_DATA_HOME / $XDG_CACHE_HOME, else ~/.local/share and ~/.cache (Windows: %LOCALAPPDATA%). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || (process.platform === 'win32' && env.LOCALAPPDATA) || join(homedir(), '.local', 'share');
  return join(base, APP_DIR);
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || (process.platform === 'win32' && env.LOCALAPPDATA ? join(env.LOCALAPPDATA, 'cache') : '') || join(homedir(), '.cache');
  return join(base, APP_DIR, 'chunks');
}

export interface CommonOptions {
  /** Default GVC_PROVIDER, else novita. */
  provider?: ProviderId;
  /** The chosen provider's base URL (the double's in tests). */
  baseUrl?: string;
  keyFile?: string;
  dataDir?: string;
  timeoutSec?: number;
  json: boolean;
  verbose: boolean;
}

export interface CacheOptions {
  cacheDir?: string;
  noCache?: boolean;
  cacheMaxMb: number;
}

/** Where the CLI writes: stdout for results, stderr for problems and progress; both redacted. */
export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** The keys by provider: Novita's and Zhipu's, each from its variable or (for the chosen provider) --key-file. */
type Keys = Partial<Record<ProviderId, string>>;

export class CliRuntime {
  readonly connections: NovitaConnections;
  /** Every provider with its key; Novita's through `connections` (the same client). */
  readonly providers: ProviderConnections;
  /** Where clones go and system voices are spoken. */
  readonly provider: ProviderId;
  readonly settings: ConnectionSettings;
  readonly dataDir: string;
  private registryOpen: Promise<VoiceRegistry> | undefined;
  private work: Promise<string> | undefined;

  private constructor(
    readonly options: CommonOptions,
    private readonly keys: Keys,
    readonly streams: Streams,
  ) {
    this.provider = options.provider ?? DEFAULT_PROVIDER;
    this.dataDir = options.dataDir ?? defaultDataDir();
    this.settings = {
      apiBaseUrl: (this.provider === 'novita' ? options.baseUrl : undefined) ?? DEFAULT_BASE_URL,
      requestTimeoutMs: Math.round((options.timeoutSec ?? 60) * 1000),
      // HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as curl and most CI images use them.
      proxy: { useEnv: true },
    };
    const log: LogPort = {
      info: (m) => this.debug(m),
      warn: (m) => this.debug(m),
      error: (m) => this.debug(m),
    };
    const secrets = { apiKey: async (provider?: ProviderId) => this.keys[provider ?? 'novita'] };
    this.connections = new NovitaConnections({ secrets, log, settings: () => this.settings });
    const zhipu = { apiBaseUrl: (this.provider === 'zhipu' ? options.baseUrl : undefined) ?? ZHIPU_BASE_URL, keepUploadedSample: false };
    this.providers = new ProviderConnections({ secrets, log, settings: () => this.settings, zhipu: () => zhipu, novita: this.connections });
  }

  /**
   * Reads the key (from --key-file, else NOVITA_API_KEY; neither is required until a request needs one) and checks the
   * base URL. Throws UsageError for an unreadable key file or a base URL the key must not be sent to.
   */
  static async create(options: CommonOptions, streams: Streams, env: NodeJS.ProcessEnv = process.env): Promise<CliRuntime> {
    let provider = options.provider;
    if (provider === undefined && env.GVC_PROVIDER?.trim()) {
      const named = env.GVC_PROVIDER.trim();
      if (!isProviderId(named)) throw new UsageError({ kind: 'badValue', command: 'GVC_PROVIDER', option: 'provider', value: named, expected: PROVIDER_IDS.join('|') });
      provider = named;
    }
    provider ??= DEFAULT_PROVIDER;
    const keys: Keys = { novita: env.NOVITA_API_KEY?.trim() || undefined, zhipu: env.ZHIPU_API_KEY?.trim() || undefined };
    if (options.keyFile) {
      // The key file is the chosen provider's key.
      let key: string;
      try {
        key = (await readFile(options.keyFile, 'utf8')).trim();
      } catch (err) {
        throw new UsageError({ kind: 'keyFile', path: options.keyFile, code: (err as { code?: string }).code });
      }
      if (!key) throw new UsageError({ kind: 'keyFile', path: options.keyFile, code: 'EMPTY' });
      keys[provider] = key;
    }
    const baseUrl = options.baseUrl;
    if (baseUrl !== undefined) {
      try {
        options = { ...options, baseUrl: validateBaseUrl(baseUrl) };
      } catch {
        throw new UsageError({ kind: 'badBaseUrl', value: baseUrl });
      }
    }
    return new CliRuntime({ ...options, provider }, keys, streams);
  }

  get hasKey(): boolean {
    return this.keys[this.provider] !== undefined;
  }

  /**
   * `text` with the key (and any bearer token) replaced by "***". A "key" too short to be one (`any`, for the double)
   * is left alone: replacing it would mangle every word that contains it.
   */
  redact(text: string): string {
    let out = text;
    for (const key of Object.values(this.keys)) out = redact(out, key !== undefined && key.length >= MIN_REDACTED_KEY ? key : undefined);
    return out;
  }

  out(line: string): void {
    this.streams.stdout.write(`${this.redact(line)}\n`);
  }

  err(line: string): void {
    this.streams.stderr.write(`${this.redact(line)}\n`);
  }

  /** One JSON object per line on stdout (--json). */
  json(value: unknown): void {
    this.out(JSON.stringify(value));
  }

  /** Request lines and retries, on stderr with --verbose. */
  debug(line: string): void {
    if (this.options.verbose) this.err(line);
  }

  registry(): Promise<VoiceRegistry> {
    this.registryOpen ??= VoiceRegistry.open(this.dataDir).catch((err: unknown) => {
      this.registryOpen = undefined;
      throw err;
    });
    return this.registryOpen;
  }

  /** The data folder's audio folder (clone previews). */
  readonly audioFolder: FoldersPort = {
    audioDir: async () => {
      const dir = join(this.dataDir, 'audio');
      await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
      return dir;
    },
  };

  /** A private scratch folder for this run (MP3 exports join their WAV there), removed by dispose(). */
  readonly scratch: FoldersPort = {
    audioDir: () => (this.work ??= mkdtemp(join(tmpdir(), `${APP_DIR}-`))),
  };

  cache(options: CacheOptions): ChunkCache | undefined {
    if (options.noCache) return undefined;
    return new ChunkCache({ dir: options.cacheDir ?? defaultCacheDir(), maxBytes: options.cacheMaxMb * 1024 * 1024 });
  }

  async dispose(): Promise<void> {
    this.providers.dispose();
    this.connections.dispose();
    if (this.work) await rm(await this.work, { recursive: true, force: true }).catch(() => undefined);
  }
}
