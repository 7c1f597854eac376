// What an exported file says about itself: title, author, album, year and a cover image, from the script's front matter
// (`title:`, `author:`, `album:`, `year:`, `cover:` — a path relative to the script; a screenplay's title page gives its
// `Title:` and `Author:`) first, then what the caller gives
// (the CLI's --title, --author, --album, --year, --cover): a file's own front matter is more particular than a batch's
// options. Written as ID3 tags in an MP3 (./id3.ts).
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CoreError } from '../errors';
import { frontMatterScalars } from '../narration/cast';
import { fountainTitlePage, isFountain } from '../narration/fountain';

export interface TagText {
  title?: string;
  author?: string;
  album?: string;
  year?: string;
  /** A JPEG or PNG file: relative to the script in front matter, to the caller's folder in `defaults`. */
  cover?: string;
}

export interface Cover {
  /** Where it was read from (absolute). */
  path: string;
  mime: 'image/jpeg' | 'image/png';
  data: Buffer;
}

export interface AudioTags {
  title?: string;
  author?: string;
  album?: string;
  year?: string;
  cover?: Cover;
}

const KEYS = ['title', 'author', 'album', 'year'] as const;
/** Larger than any cover a player shows (podcast directories ask for at most 3000×3000 and 512 KB). */
export const COVER_MAX_BYTES = 10 * 1024 * 1024;

/** The tags as written: front matter over `defaults`, each path resolved (the cover not read yet). */
export function tagText(source: string, scriptPath: string | undefined, defaults: TagText = {}, cwd = process.cwd()): TagText {
  // Front matter read as the cast's `voices:` is (a small YAML subset); a document without it has none.
  const fm: Record<string, string | undefined> = isFountain(undefined, scriptPath) ? fountainTitlePage(source) : frontMatterScalars(source);
  const out: TagText = {};
  for (const key of KEYS) {
    const value = (fm[key] ?? defaults[key])?.trim();
    if (value) out[key] = value;
  }
  if (fm.cover?.trim() && scriptPath) out.cover = resolve(dirname(scriptPath), fm.cover.trim());
  else if (defaults.cover?.trim()) out.cover = resolve(cwd, defaults.cover.trim());
  return out;
}

/** The tags with the cover read and checked; throws CoreError 'coverImage' when it cannot be read or is not JPEG or PNG. */
export async function readTags(text: TagText): Promise<AudioTags> {
  const { cover, ...rest } = text;
  if (!cover) return rest;
  let data: Buffer;
  try {
    data = await readFile(cover);
  } catch (err) {
    throw new CoreError({ kind: 'coverImage', path: cover, reason: 'unreadable', code: (err as { code?: string }).code });
  }
  if (data.length > COVER_MAX_BYTES) throw new CoreError({ kind: 'coverImage', path: cover, reason: 'tooLarge', limitBytes: COVER_MAX_BYTES });
  const mime = imageMime(data);
  if (!mime) throw new CoreError({ kind: 'coverImage', path: cover, reason: 'notImage' });
  return { ...rest, cover: { path: cover, mime, data } };
}

/** JPEG or PNG by their first bytes; what players show as cover art. */
export function imageMime(data: Uint8Array): Cover['mime'] | undefined {
  if (data.length > 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length > 8 && data[0] === 0x89 && data[1] === 0x50 && data[2] === 0x4e && data[3] === 0x47) return 'image/png';
  return undefined;
}

export function hasTags(tags: AudioTags | undefined): boolean {
  return !!tags && (KEYS.some((k) => tags[k] !== undefined) || tags.cover !== undefined);
}
