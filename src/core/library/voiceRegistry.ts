// The extension's own record of cloned voices and generated audio: Novita has no call to list or delete voices.

import { randomBytes } from 'node:crypto';
import { access, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { CoreError } from '../errors';
import { isProviderId, type ProviderId } from '../providers/port';
import { freeName } from '../validation';

export interface VoiceRecord {
  voiceId: string;
  /** The voice_name sent to Novita. */
  name: string;
  /** A local display name chosen after cloning (Novita's name cannot be changed). */
  label?: string;
  sampleUrl: string;
  transcript?: string;
  /** ISO 8601. */
  createdAt: string;
  /** File name (in the audio folder) or absolute path of the clone's preview. */
  previewFile?: string;
  /** When the user confirmed they have the right to clone the voice of this sample (ISO 8601). */
  consent?: { at: string };
  /** Where the voice lives and is spoken; absent (every record written before Zhipu): Novita. */
  provider?: ProviderId;
  /** When the voice was deleted at its provider (ISO 8601): it cannot speak any more; the record stays as the trace. */
  deletedAt?: string;
}

/** The provider a recorded voice belongs to (old records name none: Novita's). */
export function providerOf(v: Pick<VoiceRecord, 'provider'>): ProviderId {
  return v.provider ?? 'novita';
}

export type PreviewKind = 'clone' | 'speech' | 'narration';

export interface PreviewRecord {
  id: string;
  /** File name (in the audio folder) or absolute path. */
  file: string;
  text: string;
  /** Voice id or system voice used. */
  voice: string;
  voiceName?: string;
  /** ISO 8601. */
  createdAt: string;
  kind: PreviewKind;
  durationSec?: number;
  /** Whether the audio was requested with Novita's watermark (`watermark_enabled`); absent: not known. */
  watermark?: boolean;
}

export interface RegistryFile {
  version: 1;
  voices: VoiceRecord[];
  history: PreviewRecord[];
}

/** Set when the registry file could not be read and was moved aside (the user should be told). */
export interface RegistryRecovery {
  movedTo: string;
  reason: string;
}

export interface RegistryOpenOptions {
  /** Folder that relative `file`/`previewFile` names live in (default `<dir>/audio`, as the extension stores them). */
  audioDir?: string;
}

export const REGISTRY_FILE = 'registry.json';
const VERSION = 1;
/** A temp file older than this belongs to no write in progress. */
const STALE_TEMP_MS = 60_000;

/**
 * A JSON file `{ version: 1, voices, history }` in the extension's storage folder. Every change is written
 * atomically (temp file + rename) and changes are queued, so concurrent calls never lose an update; each change
 * starts from the file's latest content when another process (another VS Code window) has written it meanwhile.
 */
export class VoiceRegistry {
  /**
   * Set when the file on disk was unreadable and was moved aside: by `open()` (the registry then started empty) or
   * before a later change (the records this registry held are kept and saved).
   */
  recovered: RegistryRecovery | undefined;
  /** Entries dropped on load because they were not valid records (the rest of the file was kept). */
  droppedOnLoad = 0;

  private data: RegistryFile = { version: VERSION, voices: [], history: [] };
  private queue: Promise<unknown> = Promise.resolve();
  /** Identity of the file as last read or written (inode, size, mtime), to notice writes by another window. */
  private seen: string | undefined;
  private readonly listeners = new Set<() => void>();
  readonly file: string;
  readonly audioDir: string;

  private constructor(
    readonly dir: string,
    options: RegistryOpenOptions,
  ) {
    this.file = join(dir, REGISTRY_FILE);
    this.audioDir = options.audioDir ?? join(dir, 'audio');
  }

  static async open(dir: string, options: RegistryOpenOptions = {}): Promise<VoiceRegistry> {
    const registry = new VoiceRegistry(dir, options);
    await registry.load();
    await registry.removeStaleTempFiles();
    return registry;
  }

  /** Temp files of writes that never finished (a process killed mid-write); recent ones may be another window's. */
  private async removeStaleTempFiles(): Promise<void> {
    try {
      const prefix = `${REGISTRY_FILE}.tmp-`;
      for (const name of await readdir(this.dir)) {
        if (!name.startsWith(prefix)) continue;
        const path = join(this.dir, name);
        if (Date.now() - (await stat(path)).mtimeMs > STALE_TEMP_MS) await rm(path, { force: true });
      }
    } catch {
      // best effort: a leftover temp file is never read as the registry
    }
  }

  /** Recorded voices in the order they were added, as copies (changing them changes nothing here). */
  voices(): VoiceRecord[] {
    return this.data.voices.map((v) => ({ ...v }));
  }

  history(): PreviewRecord[] {
    return this.data.history.map((h) => ({ ...h }));
  }

  voice(voiceId: string): VoiceRecord | undefined {
    const v = this.data.voices.find((x) => x.voiceId === voiceId);
    return v && { ...v };
  }

  /** The latest consent recorded with a voice cloned from `sampleUrl` (the same URL, trimmed), if any. */
  consentFor(sampleUrl: string): { at: string } | undefined {
    const url = sampleUrl.trim();
    let latest: { at: string } | undefined;
    for (const v of this.data.voices) if (v.sampleUrl === url && v.consent && (!latest || Date.parse(v.consent.at) > Date.parse(latest.at))) latest = v.consent;
    return latest && { ...latest };
  }

  /** True when a voice is already called `name` (its Novita name or its label), ignoring case. */
  hasName(name: string): boolean {
    const key = name.trim().toLowerCase();
    return this.data.voices.some((v) => v.name.toLowerCase() === key || v.label?.toLowerCase() === key);
  }

  /**
   * `base` itself when free, else `base-2`, `base-3`…: always a valid Novita voice name that no voice here has, nor
   * any of `alsoTaken` (names about to be recorded).
   */
  proposeName(base = 'my-voice', alsoTaken: readonly string[] = []): string {
    const pending = new Set(alsoTaken.map((n) => n.trim().toLowerCase()));
    // The one free-name rule, shared with the webview (src/core/validation.ts).
    return freeName(base, (name) => this.hasName(name) || pending.has(name.toLowerCase()));
  }

  /** Re-reads the file if another process wrote it since; resolves true (and notifies listeners) when it had. */
  refresh(): Promise<boolean> {
    const run = async () => {
      const before = this.data;
      await this.reloadIfChangedOnDisk();
      if (this.data === before) return false;
      this.notify();
      return true;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Called after every change is saved (and after a refresh that found one). Returns a function that unsubscribes. */
  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records a cloned voice; a record with the same voiceId is replaced. */
  addVoice(rec: VoiceRecord): Promise<void> {
    const problem = voiceProblem(rec);
    if (problem) return Promise.reject(new TypeError(`Not a valid voice record: ${problem}.`));
    const copy = stripUndefined({ ...rec });
    return this.update((d) => {
      d.voices = d.voices.filter((v) => v.voiceId !== rec.voiceId);
      d.voices.push(copy);
    });
  }

  /** Sets (or with an empty label, clears) the local display name. Resolves false when no such voice is recorded. */
  renameVoice(voiceId: string, label: string): Promise<boolean> {
    const trimmed = label.trim();
    return this.update((d) => {
      const v = d.voices.find((x) => x.voiceId === voiceId);
      if (!v) return false;
      if (trimmed) v.label = trimmed;
      else delete v.label;
      return true;
    });
  }

  /** Records that the voice was deleted at its provider. Resolves false when no such voice is recorded. */
  markDeleted(voiceId: string, at = new Date().toISOString()): Promise<boolean> {
    return this.update((d) => {
      const v = d.voices.find((x) => x.voiceId === voiceId);
      if (!v) return false;
      v.deletedAt = at;
      return true;
    });
  }

  /** Forgets a voice locally (Novita offers no delete). Resolves false when it was not recorded. */
  removeVoice(voiceId: string): Promise<boolean> {
    return this.update((d) => {
      const before = d.voices.length;
      d.voices = d.voices.filter((v) => v.voiceId !== voiceId);
      return d.voices.length !== before;
    });
  }

  /**
   * Records generated audio, then keeps at most `maxItems` entries: the oldest files are deleted first and only
   * then their entries; an entry whose file cannot be deleted stays, so no file is ever left untracked.
   * Resolves with the entries removed.
   */
  addPreview(rec: PreviewRecord, maxItems = Infinity): Promise<PreviewRecord[]> {
    const problem = previewProblem(rec);
    if (problem) return Promise.reject(new TypeError(`Not a valid preview record: ${problem}.`));
    const copy = stripUndefined({ ...rec });
    return this.update(async (d) => {
      d.history = d.history.filter((h) => h.id !== rec.id);
      d.history.push(copy);
      const excess = d.history.length - Math.max(0, maxItems);
      if (excess <= 0) return [];
      const oldestFirst = [...d.history].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
      const removed: PreviewRecord[] = [];
      for (const old of oldestFirst) {
        if (removed.length >= excess) break;
        if (old.id === copy.id) continue; // never trim what was just added
        if (await this.deleteFile(old.file)) removed.push(old);
      }
      const gone = new Set(removed.map((r) => r.id));
      d.history = d.history.filter((h) => !gone.has(h.id));
      return removed;
    });
  }

  /** Deletes a history entry's file and then the entry. Resolves false when there is no such entry; rejects (keeping the entry) when the file cannot be deleted. */
  removePreview(id: string): Promise<boolean> {
    return this.update(async (d) => {
      const entry = d.history.find((h) => h.id === id);
      if (!entry) return false;
      await rm(this.resolveFile(entry.file), { force: true });
      d.history = d.history.filter((h) => h.id !== id);
      return true;
    });
  }

  /** Absolute path of a record's `file`/`previewFile`. */
  resolveFile(file: string): string {
    return isAbsolute(file) ? file : join(this.audioDir, file);
  }

  private async deleteFile(file: string): Promise<boolean> {
    try {
      await rm(this.resolveFile(file), { force: true });
      return true;
    } catch {
      return false;
    }
  }

  /** Runs `change` on a copy after every earlier change, saves it atomically, and only then makes it current. */
  private update<R>(change: (d: RegistryFile) => R | Promise<R>): Promise<Awaited<R>> {
    const run = async (): Promise<Awaited<R>> => {
      await this.reloadIfChangedOnDisk();
      const draft = structuredClone(this.data);
      const result = await change(draft);
      await this.save(draft);
      this.data = draft;
      this.notify();
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener's failure is its own; the change is saved.
      }
    }
  }

  private async save(data: RegistryFile): Promise<void> {
    const tmp = join(this.dir, `${REGISTRY_FILE}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, { encoding: 'utf8', flush: true });
      await rename(tmp, this.file);
      this.seen = await this.signature().catch(() => undefined);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  /** Reads the file into `data`. An unreadable file is moved aside and `data` left as it was (empty at open). */
  private async load(): Promise<void> {
    let text: string;
    let signature: string | undefined;
    try {
      signature = await this.signature();
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.seen = undefined;
        return;
      }
      return this.moveAside(`it could not be read: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (err) {
      return this.moveAside(`it is not valid JSON (${(err as Error).message})`);
    }
    if (!isObject(parsed)) return this.moveAside('it does not hold a JSON object');
    if (parsed.version !== VERSION) return this.moveAside(`it has version ${JSON.stringify(parsed.version)}, expected ${VERSION}`);
    if (!Array.isArray(parsed.voices) || !Array.isArray(parsed.history)) return this.moveAside('it lacks the "voices" or "history" list');
    const voices = parsed.voices.filter((v): v is VoiceRecord => voiceProblem(v) === undefined);
    const history = parsed.history.filter((h): h is PreviewRecord => previewProblem(h) === undefined);
    this.droppedOnLoad = parsed.voices.length - voices.length + (parsed.history.length - history.length);
    this.data = { version: VERSION, voices, history };
    this.seen = signature;
  }

  /**
   * Another VS Code window shares this file (global storage is per user, not per window): when it has written since
   * we last read or wrote, start from its version so its change is not overwritten by ours.
   */
  private async reloadIfChangedOnDisk(): Promise<void> {
    let now: string | undefined;
    try {
      now = await this.signature();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (now !== undefined && now !== this.seen) await this.load();
  }

  private async signature(): Promise<string> {
    const st = await stat(this.file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  }

  /** Renames the unreadable file aside (never overwrites it) and reports it; `data` stays as it was. */
  private async moveAside(reason: string): Promise<void> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    let movedTo = join(this.dir, `registry.corrupt-${stamp}.json`);
    for (let n = 2; await exists(movedTo); n++) movedTo = join(this.dir, `registry.corrupt-${stamp}-${n}.json`);
    try {
      await rename(this.file, movedTo);
    } catch (err) {
      // Starting empty here would overwrite the file on the next save: refuse instead.
      const code = (err as NodeJS.ErrnoException | undefined)?.code;
      throw new CoreError({ kind: 'libraryUnreadable', file: this.file, detail: reason, ...(typeof code === 'string' ? { code } : {}) }, { cause: err });
    }
    this.recovered = { movedTo, reason };
    this.seen = undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isNonEmptyString(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0;
}

function isIsoDate(x: unknown): boolean {
  return typeof x === 'string' && !Number.isNaN(Date.parse(x));
}

function optional(x: unknown, check: (v: unknown) => boolean): boolean {
  return x === undefined || check(x);
}

/** What is wrong with a voice record, or undefined. */
function voiceProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'not an object';
  if (!isNonEmptyString(x.voiceId)) return 'voiceId is missing';
  if (!isNonEmptyString(x.name)) return 'name is missing';
  if (typeof x.sampleUrl !== 'string') return 'sampleUrl is missing';
  if (!isIsoDate(x.createdAt)) return 'createdAt is not a date';
  if (!optional(x.label, (v) => typeof v === 'string')) return 'label is not text';
  if (!optional(x.transcript, (v) => typeof v === 'string')) return 'transcript is not text';
  if (!optional(x.previewFile, isNonEmptyString)) return 'previewFile is not a file name';
  if (!optional(x.consent, (c) => isObject(c) && isIsoDate(c.at))) return 'consent has no date';
  if (!optional(x.provider, isProviderId)) return 'provider is not novita or zhipu';
  if (!optional(x.deletedAt, isIsoDate)) return 'deletedAt is not a date';
  return undefined;
}

const KINDS: readonly string[] = ['clone', 'speech', 'narration'] satisfies PreviewKind[];

function previewProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'not an object';
  if (!isNonEmptyString(x.id)) return 'id is missing';
  if (!isNonEmptyString(x.file)) return 'file is missing';
  if (typeof x.text !== 'string') return 'text is missing';
  if (!isNonEmptyString(x.voice)) return 'voice is missing';
  if (!isIsoDate(x.createdAt)) return 'createdAt is not a date';
  if (typeof x.kind !== 'string' || !KINDS.includes(x.kind)) return 'kind is not clone, speech or narration';
  if (!optional(x.voiceName, (v) => typeof v === 'string')) return 'voiceName is not text';
  if (!optional(x.durationSec, (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) return 'durationSec is not a duration';
  if (!optional(x.watermark, (v) => typeof v === 'boolean')) return 'watermark is not true or false';
  return undefined;
}

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
