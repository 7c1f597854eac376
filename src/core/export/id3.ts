// ID3v2.3 tags in an exported MP3: title (TIT2), author (TPE1), album (TALB), year (TYER), a front cover (APIC) and
// chapters (CHAP, with a TIT2 each, and one top-level ordered CTOC), built by browser-id3-writer (ESM, ~12 KB minified,
// no dependencies: node-id3 would bring iconv-lite's tables, ~520 KB) and put in front of the encoded audio by a
// streamed copy, so a long book is never held in memory.
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Chapter } from './chapters';
import type { AudioTags } from './tags';

/** A CTOC frame lists at most 255 children (its count is one byte): chapters past that are left out of the MP3. */
export const MAX_ID3_CHAPTERS = 255;

interface Id3Writer {
  padding: number;
  setFrame(id: string, value: unknown): Id3Writer;
  addTag(): ArrayBuffer;
}

type Id3WriterCtor = new (buffer: ArrayBuffer) => Id3Writer;

let writerCtor: Id3WriterCtor | undefined;

function id3Writer(): Id3WriterCtor {
  // An ES module without types: required (bundled into the extension and the CLI by esbuild).
  writerCtor ??= (require('browser-id3-writer') as { ID3Writer: Id3WriterCtor }).ID3Writer;
  return writerCtor;
}

/** The tag's bytes (header, frames, a little padding); empty when there is nothing to write. */
export function id3Tag(tags: AudioTags, chapters: readonly Chapter[] = []): Buffer {
  const listed = chapters.slice(0, MAX_ID3_CHAPTERS);
  if (!tags.title && !tags.author && !tags.album && !tags.year && !tags.cover && !listed.length) return Buffer.alloc(0);
  const Writer = id3Writer();
  const w = new Writer(new ArrayBuffer(0));
  w.padding = 256;
  if (tags.title) w.setFrame('TIT2', tags.title);
  if (tags.author) w.setFrame('TPE1', [tags.author]);
  if (tags.album) w.setFrame('TALB', tags.album);
  const year = tags.year && /^\d{4}/.exec(tags.year)?.[0];
  if (year) w.setFrame('TYER', Number(year));
  if (tags.cover) {
    const data = tags.cover.data;
    w.setFrame('APIC', { type: 3, data: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), description: '' });
  }
  if (listed.length) {
    const ids = listed.map((_, i) => `ch${i}`);
    listed.forEach((c, i) =>
      w.setFrame('CHAP', { id: ids[i], startTime: Math.round(c.startSec * 1000), endTime: Math.round(c.endSec * 1000), subFrames: { TIT2: c.title } }),
    );
    w.setFrame('CTOC', { id: 'toc', ordered: true, topLevel: true, childElementIds: ids, subFrames: {} });
  }
  return Buffer.from(w.addTag());
}

/** Puts `tag` in front of the MP3 at `path`: written beside it, then renamed over it (an interrupted run leaves it as it was). */
export async function prependTag(path: string, tag: Uint8Array): Promise<void> {
  if (!tag.length) return;
  const tmp = `${path}.tagged`;
  try {
    const out = createWriteStream(tmp);
    await new Promise<void>((resolve, reject) => out.write(tag, (err) => (err ? reject(err) : resolve())));
    await pipeline(createReadStream(path), out);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
