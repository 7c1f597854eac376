// Which files a `narrate` run voices: literal paths, directories (their text files) and globs, resolved against the
// working directory, deduplicated and sorted by their path relative to it; then the runner's shard of that list.
import { stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { exportExtensions } from '../core/export/formats';

/** How narrate reads a file, by its extension: Markdown, a screenplay (Fountain), or plain text (undefined). */
const LANGUAGE_BY_EXTENSION = new Map<string, 'markdown' | 'fountain' | undefined>([
  ['.md', 'markdown'],
  ['.markdown', 'markdown'],
  ['.mdx', 'markdown'],
  ['.txt', undefined],
  ['.text', undefined],
  ['.fountain', 'fountain'],
  ['.spmd', 'fountain'],
]);

/** What a directory argument expands to: every file narrate reads as text or a script. */
export const TEXT_EXTENSIONS = [...LANGUAGE_BY_EXTENSION.keys()];

/** Markdown or a screenplay by extension; anything else is read as plain text. */
export function languageOf(path: string): string | undefined {
  return LANGUAGE_BY_EXTENSION.get(extname(path).toLowerCase());
}

/** Never taken from a glob: what a run writes itself (a rerun over `docs/*` must not read its own audio). */
const OUTPUT_EXTENSIONS = new Set([...exportExtensions(), '.partial']);

export interface InputFile {
  /** Absolute path. */
  path: string;
  /** Relative to the working directory, with "/" separators: what is shown, sharded on and mirrored under --out. */
  rel: string;
}

export type InputProblem =
  /** A literal path that does not exist (or cannot be looked at). */
  | { kind: 'missingFile'; pattern: string; code?: string }
  /** A glob or directory that matched nothing. */
  | { kind: 'noMatch'; pattern: string }
  /** A glob that could not be read (a bad pattern, a folder the glob may not list). */
  | { kind: 'badGlob'; pattern: string; detail: string };

export interface ResolvedInputs {
  files: InputFile[];
  /** Literal files that are missing, as entries of the file set (so each belongs to one shard). */
  missing: Array<InputFile & { code?: string }>;
  problems: InputProblem[];
}

export function relPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return (rel === '' ? '.' : rel).split(sep).join('/');
}

/** Every argument resolved; none of the problems stops the others. */
export async function resolveInputs(args: readonly string[], cwd: string): Promise<ResolvedInputs> {
  const byPath = new Map<string, InputFile>();
  const missing = new Map<string, InputFile & { code?: string }>();
  const problems: InputProblem[] = [];
  const add = (path: string) => {
    const abs = resolve(cwd, path);
    if (!byPath.has(abs)) byPath.set(abs, { path: abs, rel: relPath(abs, cwd) });
  };
  for (const arg of args) {
    if (!isDynamicPattern(arg)) {
      const abs = resolve(cwd, arg);
      let isDir: boolean;
      try {
        isDir = (await stat(abs)).isDirectory();
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        missing.set(abs, { path: abs, rel: relPath(abs, cwd), ...(typeof code === 'string' ? { code } : {}) });
        continue;
      }
      if (!isDir) {
        add(abs);
        continue;
      }
      const found = await globSafe([`**/*{${TEXT_EXTENSIONS.join(',')}}`], abs, arg, problems);
      if (found && !found.length) problems.push({ kind: 'noMatch', pattern: arg });
      for (const f of found ?? []) add(resolve(abs, f));
      continue;
    }
    const found = await globSafe([arg], cwd, arg, problems);
    const kept = (found ?? []).filter((f) => !OUTPUT_EXTENSIONS.has(extname(f).toLowerCase()));
    if (found && !kept.length) problems.push({ kind: 'noMatch', pattern: arg });
    for (const f of kept) add(isAbsolute(f) ? f : resolve(cwd, f));
  }
  const byRel = (a: InputFile, b: InputFile) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0);
  return { files: [...byPath.values()].sort(byRel), missing: [...missing.values()].filter((m) => !byPath.has(m.path)).sort(byRel), problems };
}

async function globSafe(patterns: string[], cwd: string, shown: string, problems: InputProblem[]): Promise<string[] | undefined> {
  try {
    return await glob(patterns, { cwd, onlyFiles: true, dot: false, followSymbolicLinks: true, expandDirectories: false });
  } catch (err) {
    problems.push({ kind: 'badGlob', pattern: shown, detail: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
}

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** "i/n" with 1 ≤ i ≤ n; undefined when it is not that. */
export function parseShard(text: string): Shard | undefined {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) return undefined;
  return { index, count };
}

/**
 * The items of shard `index` of `count`: the list sorted by `rel` (code unit order, the same on every runner and
 * platform), then every count-th item from position index−1. Every item lands in exactly one shard and the shards'
 * sizes differ by at most one, whatever order the runner listed the files in.
 */
export function shardOf<T extends { rel: string }>(items: readonly T[], shard: Shard | undefined): T[] {
  const sorted = [...items].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  if (!shard || shard.count === 1) return sorted;
  return sorted.filter((_, i) => i % shard.count === shard.index - 1);
}
