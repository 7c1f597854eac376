// ID3v2.4 tags in an exported MP3: title (TIT2), author (TPE1), album (TALB), year (TDRC), a front cover (APIC) and
// chapters (CHAP, each with its TIT2, and one top-level ordered CTOC: the ID3v2 Chapter Frame Addendum), put in front of
// the encoded audio by a streamed copy, so a long book is never held in memory. Written here, ~2 KB minified, these
// seven frames only: node-id3 brings iconv-lite's tables (~520 KB minified) and browser-id3-writer (~12.5 KB, v2.3)
// would have taken the .vsix past its 400 KB budget. Text is UTF-8 (encoding 3, v2.4); sizes are syncsafe.
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Chapter } from './chapters';
import type { AudioTags } from './tags';

/** A CTOC frame lists at most 255 children (its count is one byte): chapters past that are left out of the MP3. */
export const MAX_ID3_CHAPTERS = 255;
/** Room left after the frames, so a tag editor can change them without rewriting the audio. */
const PADDING = 256;
/** Syncsafe integers hold 28 bits. */
const MAX_SYNCSAFE = 0x0fffffff;
const NO_OFFSET = 0xffffffff;
const UTF8 = 3;

/** `n` in four bytes of seven bits each (ID3v2.4 sizes). */
export function syncsafe(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > MAX_SYNCSAFE) throw new RangeError(`An ID3 size must be 0–${MAX_SYNCSAFE} (got ${n}).`);
  return Buffer.from([(n >>> 21) & 0x7f, (n >>> 14) & 0x7f, (n >>> 7) & 0x7f, n & 0x7f]);
}

function frame(id: string, ...body: Buffer[]): Buffer {
  const data = Buffer.concat(body);
  return Buffer.concat([Buffer.from(id, 'latin1'), syncsafe(data.length), Buffer.alloc(2), data]);
}

function textFrame(id: string, text: string): Buffer {
  return frame(id, Buffer.from([UTF8]), Buffer.from(text, 'utf8'));
}

/** A NUL-terminated ISO-8859-1 string (element ids, MIME types). */
function latin1z(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'latin1'), Buffer.alloc(1)]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(Math.max(0, Math.min(NO_OFFSET, Math.round(n))));
  return b;
}

/** The tag's bytes (header, frames, a little padding); empty when there is nothing to write. */
export function id3Tag(tags: AudioTags, chapters: readonly Chapter[] = []): Buffer {
  const listed = chapters.slice(0, MAX_ID3_CHAPTERS);
  const frames: Buffer[] = [];
  if (tags.title) frames.push(textFrame('TIT2', tags.title));
  if (tags.author) frames.push(textFrame('TPE1', tags.author));
  if (tags.album) frames.push(textFrame('TALB', tags.album));
  const year = tags.year && /^\d{4}/.exec(tags.year)?.[0];
  if (year) frames.push(textFrame('TDRC', year));
  if (tags.cover) {
    // Encoding, MIME type, picture type 3 (front cover), an empty description, the image.
    frames.push(frame('APIC', Buffer.from([UTF8]), latin1z(tags.cover.mime), Buffer.from([3, 0]), tags.cover.data));
  }
  if (listed.length) {
    const ids = listed.map((_, i) => `ch${i}`);
    listed.forEach((c, i) =>
      frames.push(frame('CHAP', latin1z(ids[i]), uint32(c.startSec * 1000), uint32(c.endSec * 1000), uint32(NO_OFFSET), uint32(NO_OFFSET), textFrame('TIT2', c.title))),
    );
    // Flags: top-level (2) and ordered (1); then the count and each child's id.
    frames.push(frame('CTOC', latin1z('toc'), Buffer.from([0x03, ids.length]), ...ids.map(latin1z)));
  }
  if (!frames.length) return Buffer.alloc(0);
  const body = Buffer.concat([...frames, Buffer.alloc(PADDING)]);
  return Buffer.concat([Buffer.from('ID3', 'latin1'), Buffer.from([4, 0, 0]), syncsafe(body.length), body]);
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
