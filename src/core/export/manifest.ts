// What was exported from what, so an export whose inputs and outputs are unchanged is not rendered again (a CI re-run
// over a folder of scripts: nothing sent, nothing re-encoded). One manifest per output folder,
// `.glm-voice-manifest.json`, beside the files it describes: it travels with them (a CI cache of the output folder
// restores both; deleting the folder forgets both), and its keys are file names, so it holds wherever the folder is
// checked out or restored. Each entry: the hash of every input of the render (the text, voices, cast, pronunciations,
// format, bitrate, subtitles, chapters, tags, preset…) and each output's size, mtime and SHA-256. An output whose size
// or mtime differs is hashed again (a restored cache may give new mtimes), and only a different hash renders again.
// Writes are atomic (a temporary file renamed) and serialised per folder in this process; two processes writing the
// same manifest at once may lose one's entry, which only costs that file one render more on the next run.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const MANIFEST_FILE = '.glm-voice-manifest.json';
/** Bumped when what an export writes for the same inputs changes (a new encoder, a fix in the joiner): renders again. */
export const RENDER_VERSION = 1;

export interface OutputRecord {
  /** File name, in the manifest's folder or a path relative to it. */
  name: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

export interface ManifestEntry {
  inputs: string;
  outputs: OutputRecord[];
  /** When it was rendered (ISO 8601): for a person reading the file. */
  renderedAt: string;
}

interface ManifestFile {
  version: 1;
  entries: Record<string, ManifestEntry>;
}

/**
 * The hash of a render's inputs: `parts` as canonical JSON (keys sorted, Maps as sorted pairs, Buffers by their
 * SHA-256), with the render version. Any change in any part gives another hash.
 */
export function inputsHash(parts: Record<string, unknown>): string {
  return createHash('sha256').update(canonical({ renderVersion: RENDER_VERSION, ...parts })).digest('hex');
}

function canonical(value: unknown): string {
  if (value === undefined) return 'null';
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return JSON.stringify(`sha256:${createHash('sha256').update(value).digest('hex')}`);
  if (value instanceof Map) return canonical(Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), v])));
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  if (typeof value === 'function') return 'null';
  return JSON.stringify(value);
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The manifests of the output folders an export writes to, read once each and written after each render. */
export class ExportManifests {
  private readonly loaded = new Map<string, Promise<ManifestFile>>();
  private readonly writing = new Map<string, Promise<void>>();

  /**
   * Whether `audio` was rendered from `inputs` and it and the files rendered with it (subtitles, chapters) are on disk
   * as they were then. An output touched since but with the same bytes (a restored cache) counts as unchanged.
   */
  async upToDate(audio: string, inputs: string): Promise<boolean> {
    const dir = dirname(audio);
    const entry = (await this.manifest(dir)).entries[basename(audio)];
    // The inputs decide which files a render writes (subtitles, chapters): the same inputs, the same files to check.
    if (!entry || entry.inputs !== inputs || !entry.outputs.some((o) => o.name === basename(audio))) return false;
    for (const out of entry.outputs) {
      const path = join(dir, out.name);
      let st;
      try {
        st = await stat(path);
      } catch {
        return false;
      }
      if (!st.isFile() || st.size !== out.size) return false;
      if (st.mtimeMs === out.mtimeMs) continue;
      if ((await fileSha256(path).catch(() => '')) !== out.sha256) return false;
    }
    return true;
  }

  /** Records that `audio` and `others` were rendered from `inputs` (each hashed as it is now on disk). */
  async record(audio: string, inputs: string, others: readonly string[] = []): Promise<void> {
    const dir = dirname(audio);
    const outputs: OutputRecord[] = [];
    for (const path of [audio, ...others]) {
      const st = await stat(path);
      outputs.push({ name: relativeName(dir, path), size: st.size, mtimeMs: st.mtimeMs, sha256: await fileSha256(path) });
    }
    await this.update(dir, (m) => {
      m.entries[basename(audio)] = { inputs, outputs, renderedAt: new Date().toISOString() };
    });
  }

  /** Forgets `audio` (a render that failed or was replaced by a file of another kind). */
  async forget(audio: string): Promise<void> {
    const dir = dirname(audio);
    if (!(await this.manifest(dir)).entries[basename(audio)]) return;
    await this.update(dir, (m) => {
      delete m.entries[basename(audio)];
    });
  }

  private manifest(dir: string): Promise<ManifestFile> {
    let m = this.loaded.get(dir);
    if (!m) {
      m = readManifest(join(dir, MANIFEST_FILE));
      this.loaded.set(dir, m);
    }
    return m;
  }

  private async update(dir: string, change: (m: ManifestFile) => void): Promise<void> {
    const previous = this.writing.get(dir) ?? Promise.resolve();
    const next = previous.then(async () => {
      const path = join(dir, MANIFEST_FILE);
      // Read again before writing: another process may have recorded its files since this one read the manifest.
      const onDisk = await readManifest(path);
      const mine = await this.manifest(dir);
      const merged: ManifestFile = { version: 1, entries: { ...onDisk.entries, ...mine.entries } };
      change(merged);
      change(mine);
      await mkdir(dir, { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      try {
        await writeFile(tmp, `${JSON.stringify(merged, null, 1)}\n`, 'utf8');
        await rename(tmp, path);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    });
    this.writing.set(dir, next.catch(() => undefined));
    return next;
  }
}

/** The manifest at `path`; an empty one when there is none or it cannot be read as one (it is then rewritten whole). */
async function readManifest(path: string): Promise<ManifestFile> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as Partial<ManifestFile>;
    if (value && value.version === 1 && value.entries && typeof value.entries === 'object') return { version: 1, entries: value.entries };
  } catch {
    // missing or unreadable: as if empty
  }
  return { version: 1, entries: {} };
}

function relativeName(dir: string, path: string): string {
  return dirname(path) === dir ? basename(path) : path.slice(dir.length + 1);
}

/** Everything an export's output depends on: what `exportInputsHash` hashes. */
export interface ExportInputs {
  /** The document as read (front matter, headings and all). */
  text: string;
  languageId?: string;
  /** The document's file name (only its extension matters: `.fountain` reads as a screenplay). */
  fileName?: string;
  /** The narrator's voice id, as resolved. */
  voiceId: string;
  /** Every voice a cast names (the cast file's and the front matter's), each with the id it resolves to now. */
  castVoices?: ReadonlyArray<readonly [name: string, id: string]>;
  cast?: unknown;
  pronunciations?: unknown;
  speakerPauseMs?: number;
  speed: number;
  volume: number;
  watermark?: boolean;
  format: string;
  kbps?: number;
  subtitles: string;
  chapterLevel: number;
  /** The tags with the cover's bytes. */
  tags?: unknown;
  /** A mastering preset, when there is one. */
  preset?: string;
}

export function exportInputsHash(inputs: ExportInputs): string {
  const ext = inputs.fileName ? /\.[^./\\]*$/.exec(inputs.fileName)?.[0]?.toLowerCase() : undefined;
  return inputsHash({ ...inputs, fileName: ext });
}
