// Audio you can publish: chapters from headings (read back from the MP3 with music-metadata, and the WebVTT chapters
// file), ID3 tags from front matter or options, and the manifest that skips an export whose inputs and outputs are
// unchanged — in-process, then through dist/cli.js against the double (a second run sends nothing).
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { chapterMarks, timeChapters, toChaptersVtt } from '../../../../src/core/export/chapters';
import { id3Tag, MAX_ID3_CHAPTERS, syncsafe } from '../../../../src/core/export/id3';
import { ExportManifests, exportInputsHash, MANIFEST_FILE, type ExportInputs } from '../../../../src/core/export/manifest';
import { COVER_MAX_BYTES, readTags, tagText } from '../../../../src/core/export/tags';
import { planNarration, sentenceTimes } from '../../../../src/core/narration/plan';
import { NovitaDouble, samplesFor } from '../../../double/novitaDouble';

const KEY = 'test-publish-LEAKCHECK-7731';
/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

async function metadata(path: string) {
  const mm = await import('music-metadata');
  return mm.parseFile(path, { includeChapters: true, duration: true });
}

suite('publishing: chapters, tags, the manifest (in-process)', () => {
  test('chapter marks: Markdown headings down to the level (not in code or front matter), a screenplay’s scene headings', () => {
    const md = '---\ntitle: Book\n---\n# Part *One*\n\nIntro words.\n\n```\n# not a heading\n```\n\n## Chapter `1`\n\nText.\n\n### Deep\n\nMore.\n\nSetext\n------\n\nEnd.\n';
    assert.deepEqual(chapterMarks(md, 'markdown', 'a.md').map((m) => m.title), ['Part One', 'Chapter 1', 'Setext']);
    assert.deepEqual(chapterMarks(md, 'markdown', 'a.md', 3).map((m) => m.title), ['Part One', 'Chapter 1', 'Deep', 'Setext']);
    assert.deepEqual(chapterMarks(md, 'markdown', 'a.md', 1).map((m) => m.title), ['Part One']);
    assert.deepEqual(chapterMarks(md, 'markdown', 'a.md', 0), []);
    assert.deepEqual(chapterMarks(md, undefined, 'a.txt'), [], 'plain text has no headings');
    const marks = chapterMarks(md, 'markdown', 'a.md');
    assert.ok(md.slice(marks[0].start).startsWith('# Part'), 'a mark starts at its heading’s line');
    // CRLF keeps the offsets the source's.
    const crlf = md.replace(/\n/g, '\r\n');
    const c = chapterMarks(crlf, 'markdown', 'a.md');
    assert.ok(crlf.slice(c[1].start).startsWith('## Chapter'));
    const fountain = 'Title: Pilot\nAuthor: Ann\n\nINT. KITCHEN - NIGHT\n\nBob cooks.\n\nBOB\nHello.\n\nEXT. GARDEN - DAY\n\nRain falls.\n';
    const scenes = chapterMarks(fountain, 'fountain', 'pilot.fountain');
    assert.deepEqual(scenes.map((s) => s.title), ['INT. KITCHEN - NIGHT', 'EXT. GARDEN - DAY']);
    assert.ok(fountain.slice(scenes[1].start).startsWith('EXT. GARDEN'));
  });

  test('chapter times: from each heading’s first sentence; headings with nothing between them give one chapter; the last ends with the file', () => {
    const text = '# One\n\nA first sentence. A second one.\n\n## Two\n\n## Three\n\nThe third part.\n';
    const plan = planNarration(text, 'markdown');
    let at = 0;
    const timing = plan.chunks.map((c) => {
      const t = { index: c.index, startSec: at, endSec: at + samplesFor(c.text) / 24000 };
      at = t.endSec;
      return t;
    });
    const times = sentenceTimes(plan, timing);
    const chapters = timeChapters(chapterMarks(text, 'markdown', 'x.md'), times, at);
    assert.deepEqual(chapters.map((c) => c.title), ['One', 'Two', 'Three'], 'the empty "Two" still starts where its heading is heard');
    const heard = (title: string) => times.find((t) => plan.sentences[t.sentence].text.startsWith(title))!.startSec;
    for (const c of chapters) assert.equal(c.startSec, heard(c.title));
    assert.equal(chapters[2].endSec, at);
    assert.equal(chapters[0].endSec, chapters[1].startSec);
    // Silent marks (a screenplay's scene headings) that meet the same sentence: the nearer one wins.
    const merged = timeChapters([{ title: 'A', start: 0 }, { title: 'B', start: 5 }], [{ start: 10, startSec: 0 }, { start: 20, startSec: 1 }], 2);
    assert.deepEqual(merged, [{ title: 'B', startSec: 0, endSec: 2 }]);
    assert.deepEqual(timeChapters([{ title: 'After the end', start: 99 }], [{ start: 10, startSec: 0 }], 2), [], 'nothing heard after it: no chapter');
  });

  test('the WebVTT chapters file: a cue per chapter, its title as text', () => {
    const vtt = toChaptersVtt([{ title: 'Intro --> start', startSec: 0, endSec: 61.5 }, { title: 'Part 2', startSec: 61.5, endSec: 3725.25 }]);
    assert.equal(vtt, 'WEBVTT\n\n1\n00:00:00.000 --> 00:01:01.500\nIntro → start\n\n2\n00:01:01.500 --> 01:02:05.250\nPart 2\n');
  });

  test('tags: front matter (a screenplay: its title page) first, then the defaults (options); the cover relative to the script, checked as JPEG or PNG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gvc-tags-'));
    try {
      mkdirSync(join(dir, 'art'));
      writeFileSync(join(dir, 'art', 'cover.png'), PNG);
      writeFileSync(join(dir, 'not.png'), 'hello');
      const script = join(dir, 'book.md');
      const source = '---\ntitle: "My Book"\nyear: 2026\ncover: art/cover.png\n---\n# One\n';
      const text = tagText(source, script, { title: 'Batch title', author: 'Ann', album: 'Series' }, dir);
      assert.deepEqual(text, { title: 'My Book', author: 'Ann', album: 'Series', year: '2026', cover: join(dir, 'art', 'cover.png') });
      const tags = await readTags(text);
      assert.equal(tags.cover?.mime, 'image/png');
      assert.deepEqual(tagText('No front matter.', script, { cover: 'art/cover.png' }, dir).cover, join(dir, 'art', 'cover.png'), 'an option’s cover is relative to the working folder');
      await assert.rejects(readTags({ cover: join(dir, 'not.png') }), (e: { problem?: { kind: string; reason: string } }) => e.problem?.kind === 'coverImage' && e.problem.reason === 'notImage');
      const screenplay = 'Title:\n    _**BRICK & STEEL**_\n    _**FULL RETIRED**_\nCredit: Written by\nAuthor: Stu Maschwitz\n\nINT. HOUSE - DAY\n\nHello.\n';
      assert.deepEqual(tagText(screenplay, join(dir, 'pilot.fountain'), { author: 'Batch', album: 'Season 1' }, dir), { title: 'BRICK & STEEL FULL RETIRED', author: 'Stu Maschwitz', album: 'Season 1' }, 'a screenplay’s title page');
      writeFileSync(join(dir, 'huge.png'), Buffer.concat([PNG, Buffer.alloc(COVER_MAX_BYTES)]));
      await assert.rejects(readTags({ cover: join(dir, 'huge.png') }), (e: { problem?: { kind: string; reason: string } }) => e.problem?.reason === 'tooLarge');
      await assert.rejects(readTags({ cover: join(dir, 'missing.png') }), (e: { problem?: { kind: string; reason: string } }) => e.problem?.kind === 'coverImage' && e.problem.reason === 'unreadable');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('ID3: title, author, album, year, cover and chapters read back by music-metadata', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gvc-id3-'));
    try {
      const file = join(dir, 'a.mp3');
      const audio = readFileSync(join(__dirname, '..', '..', '..', 'fixtures', 'audio', 'tone-5s.mp3'));
      const tag = id3Tag({ title: '书名 Title', author: 'Ann', album: 'Series', year: '2026', cover: { path: 'c.png', mime: 'image/png', data: PNG } }, [
        { title: 'One 一', startSec: 0, endSec: 2.25 },
        { title: 'Two', startSec: 2.25, endSec: 5 },
      ]);
      writeFileSync(file, Buffer.concat([tag, audio]));
      const meta = await metadata(file);
      assert.equal(meta.common.title, '书名 Title');
      assert.equal(meta.common.artist, 'Ann');
      assert.equal(meta.common.album, 'Series');
      assert.equal(meta.common.year, 2026);
      assert.equal(meta.common.picture?.[0]?.format, 'image/png');
      assert.deepEqual(meta.common.picture?.[0]?.data, new Uint8Array(PNG));
      assert.deepEqual(meta.format.chapters?.map((c) => [c.title, c.start, c.end]), [['One 一', 0, 2.25], ['Two', 2.25, 5]]);
      const native = meta.native['ID3v2.4'] ?? [];
      assert.ok(native.some((f) => f.id === 'CTOC'), 'a table of contents');
      assert.ok((meta.format.duration ?? 0) > 4, 'the audio after the tag still decodes');
      assert.equal(id3Tag({}, []).length, 0, 'nothing to say: no tag');
      // The header: ID3v2.4.0, no flags, the size (syncsafe) of everything after the ten header bytes.
      assert.deepEqual([...tag.subarray(0, 6)], [0x49, 0x44, 0x33, 4, 0, 0]);
      assert.deepEqual(tag.subarray(6, 10), syncsafe(tag.length - 10));
      const ids = native.map((f) => f.id);
      for (const id of ['TIT2', 'TPE1', 'TALB', 'TDRC', 'APIC', 'CHAP', 'CTOC']) assert.ok(ids.includes(id), `${id} in ${ids.join(',')}`);
      const toc = native.find((f) => f.id === 'CTOC')!.value as { flags: { topLevel: boolean; ordered: boolean }; childElementIds: string[] };
      assert.deepEqual(toc.flags, { topLevel: true, ordered: true });
      assert.deepEqual(toc.childElementIds, ['ch0', 'ch1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('ID3 sizes are syncsafe (7 bits a byte); a CTOC lists at most 255 chapters', async () => {
    assert.deepEqual([...syncsafe(0)], [0, 0, 0, 0]);
    assert.deepEqual([...syncsafe(200)], [0, 0, 1, 0x48]);
    assert.deepEqual([...syncsafe(0x0fffffff)], [0x7f, 0x7f, 0x7f, 0x7f]);
    assert.throws(() => syncsafe(0x10000000), RangeError);
    const many = Array.from({ length: 300 }, (_, i) => ({ title: `Chapter ${i}`, startSec: i, endSec: i + 1 }));
    const dir = mkdtempSync(join(tmpdir(), 'gvc-id3-'));
    try {
      const file = join(dir, 'many.mp3');
      writeFileSync(file, Buffer.concat([id3Tag({}, many), readFileSync(join(__dirname, '..', '..', '..', 'fixtures', 'audio', 'tone-5s.mp3'))]));
      const meta = await metadata(file);
      assert.equal(meta.format.chapters?.length, MAX_ID3_CHAPTERS);
      assert.equal(meta.format.chapters?.at(-1)?.title, 'Chapter 254');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the inputs hash: the same inputs give the same hash; a change in any of them gives another', () => {
    const base: ExportInputs = {
      text: '# One\n\nHello.',
      languageId: 'markdown',
      fileName: '/a/b.md',
      voiceId: 'tongtong',
      castVoices: [['Bob', 'v1']],
      cast: new Map([['Bob', { voice: 'v1' }]]),
      pronunciations: [{ word: 'GLM', spoken: 'G L M' }],
      speakerPauseMs: 300,
      speed: 1,
      volume: 1,
      format: 'mp3',
      kbps: 64,
      subtitles: 'none',
      chapterLevel: 2,
      tags: { title: 'T', cover: { data: PNG } },
    };
    const h = exportInputsHash(base);
    assert.equal(exportInputsHash({ ...base, cast: new Map([['Bob', { voice: 'v1' }]]) }), h);
    assert.equal(exportInputsHash({ ...base, fileName: '/elsewhere/b.md' }), h, 'only the extension of the name matters (a CI checkout moves)');
    const changes: Array<Partial<ExportInputs>> = [
      { text: '# One\n\nHello!' },
      { voiceId: 'other' },
      { castVoices: [['Bob', 'v2']] },
      { cast: new Map([['Bob', { voice: 'v1', speed: 1.2 }]]) },
      { pronunciations: [{ word: 'GLM', spoken: 'glim' }] },
      { speakerPauseMs: 500 },
      { speed: 1.1 },
      { volume: 2 },
      { format: 'wav' },
      { kbps: 128 },
      { subtitles: 'both' },
      { chapterLevel: 3 },
      { tags: { title: 'T2', cover: { data: PNG } } },
      { tags: { title: 'T', cover: { data: Buffer.concat([PNG, Buffer.from([0])]) } } },
      { preset: 'acx' },
      { fileName: '/a/b.fountain' },
    ];
    for (const change of changes) assert.notEqual(exportInputsHash({ ...base, ...change }), h, JSON.stringify(Object.keys(change)));
  });

  test('the manifest: unchanged → up to date; another input, an output changed, deleted or missing → not; touched with the same bytes → up to date', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gvc-manifest-'));
    try {
      const audio = join(dir, 'out', 'a.mp3');
      const srt = join(dir, 'out', 'a.srt');
      mkdirSync(join(dir, 'out'));
      writeFileSync(audio, 'audio bytes');
      writeFileSync(srt, 'subtitles');
      await new ExportManifests().record(audio, 'h1', [srt]);
      assert.ok(existsSync(join(dir, 'out', MANIFEST_FILE)), 'beside the outputs');
      // A fresh reader (the next run) of the file written.
      const check = () => new ExportManifests().upToDate(audio, 'h1');
      assert.equal(await check(), true);
      assert.equal(await new ExportManifests().upToDate(audio, 'h2'), false, 'another input');
      assert.equal(await new ExportManifests().upToDate(join(dir, 'out', 'b.mp3'), 'h1'), false, 'never rendered');
      // Same bytes, new mtime (a cache restored in CI): still up to date.
      const later = new Date(Date.now() + 60_000);
      utimesSync(audio, later, later);
      assert.equal(await check(), true);
      // Same size, other bytes, and the mtime put back: the hash is not asked; a new mtime: the hash sees it.
      writeFileSync(audio, 'AUDIO BYTES');
      assert.equal(statSync(audio).size, 'audio bytes'.length);
      assert.equal(await check(), false, 'changed bytes');
      writeFileSync(audio, 'audio bytes');
      assert.equal(await check(), true, 'back as it was');
      rmSync(srt);
      assert.equal(await check(), false, 'a file rendered with it is gone');
      writeFileSync(srt, 'subtitles');
      assert.equal(await check(), true);
      rmSync(audio);
      assert.equal(await check(), false, 'the output is gone');
      // The manifest survives a move of the whole folder (CI: another checkout path).
      writeFileSync(audio, 'audio bytes');
      const m = new ExportManifests();
      await m.record(audio, 'h1', [srt]);
      const moved = join(dir, 'moved');
      const { renameSync } = await import('node:fs');
      renameSync(join(dir, 'out'), moved);
      assert.equal(await new ExportManifests().upToDate(join(moved, 'a.mp3'), 'h1'), true);
      // Entries of several files in one folder, written at once, all kept.
      const many = new ExportManifests();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          writeFileSync(join(moved, `f${i}.wav`), `f${i}`);
          return many.record(join(moved, `f${i}.wav`), `h${i}`);
        }),
      );
      const fresh = new ExportManifests();
      for (let i = 0; i < 20; i++) assert.equal(await fresh.upToDate(join(moved, `f${i}.wav`), `h${i}`), true, `f${i}`);
      assert.equal(await fresh.upToDate(join(moved, 'a.mp3'), 'h1'), true, 'the earlier entry too');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: Array<Record<string, unknown>>;
}

suite('publishing: dist/cli.js narrate against the double', function () {
  this.timeout(60_000);
  let d: NovitaDouble;
  let base: string;
  let work: string;
  let cliPath: string;
  let n = 0;

  suiteSetup(async function () {
    this.timeout(120_000);
    work = mkdtempSync(join(tmpdir(), 'gvc-publish-'));
    cliPath = join(work, 'cli.js');
    const { cliBuildOptions } = await import('../../../../scripts/cli-bundle.mjs');
    await esbuild.build(cliBuildOptions({ outfile: cliPath }));
    d = new NovitaDouble({ apiKey: KEY });
    base = await d.start();
  });
  suiteTeardown(async () => {
    await d?.stop();
    rmSync(work, { recursive: true, force: true });
  });
  setup(() => d.clearRequests());

  const ttsRequests = () => d.requests.filter((r) => r.route === 'tts').length;

  function project(files: Record<string, string | Buffer>): string {
    const dir = join(work, `p${++n}`);
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    return dir;
  }

  function cli(args: string[], cwd: string): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NOVITA_API_KEY: KEY, XDG_DATA_HOME: join(cwd, '.data'), XDG_CACHE_HOME: join(cwd, '.cache') };
    const child = spawn(process.execPath, [cliPath, ...args, '--base-url', base], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => {
        assert.ok(!stdout.includes(KEY) && !stderr.includes(KEY), 'the key leaked');
        let lines: CliResult['lines'] = [];
        try {
          lines = stdout.trim() ? stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
        } catch {
          lines = [];
        }
        resolve({ code, stdout, stderr, lines });
      });
    });
  }

  const body = (k: number) => `Section ${k} begins here. It has a few sentences of its own, long enough to speak. The end of section ${k}.`;

  test('narrate --format mp3: chapters at their headings’ first cues (±50 ms), a .chapters.vtt, tags from front matter and options', async () => {
    const text = `---\ntitle: The Book\nyear: 2025\ncover: cover.png\n---\n# The Book\n\n${body(0)}\n\n## First chapter\n\n${body(1)}\n\n### Not a chapter\n\n${body(2)}\n\n## Second *chapter*\n\n${body(3)}\n`;
    const cwd = project({ 'book.md': text, 'cover.png': PNG });
    const r = await cli(['narrate', 'book.md', '--format', 'mp3', '--author', 'Ann Author', '--album', 'Series', '--title', 'Ignored: front matter wins', '--json'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const file = r.lines.find((l) => l.event === 'file')!;
    assert.equal(file.chapters, 'book.chapters.vtt');
    // Where each heading is heard: the double's clips are samplesFor(text) long, chunk after chunk.
    const plan = planNarration(text, 'markdown');
    let at = 0;
    const timing = plan.chunks.map((c) => {
      const t = { index: c.index, startSec: at, endSec: at + samplesFor(c.text) / 24000 };
      at = t.endSec;
      return t;
    });
    const times = sentenceTimes(plan, timing);
    const heard = (title: string) => times.find((t) => plan.sentences[t.sentence].text.replace(/\.$/, '') === title)!.startSec;
    const expected = [['The Book', heard('The Book')], ['First chapter', heard('First chapter')], ['Second chapter', heard('Second chapter')]] as const;
    const meta = await metadata(join(cwd, 'book.mp3'));
    const chapters = meta.format.chapters ?? [];
    assert.deepEqual(chapters.map((c) => c.title), expected.map(([t]) => t));
    chapters.forEach((c, i) => assert.ok(Math.abs(c.start - expected[i][1]) <= 0.05, `${c.title} starts at ${c.start}, heard at ${expected[i][1]}`));
    assert.ok(expected[1][1] > 1, 'the chapters are not all at 0');
    assert.equal(meta.common.title, 'The Book');
    assert.equal(meta.common.artist, 'Ann Author');
    assert.equal(meta.common.album, 'Series');
    assert.equal(meta.common.year, 2025);
    assert.equal(meta.common.picture?.[0]?.format, 'image/png');
    assert.ok((meta.format.duration ?? 0) > at - 0.2, `the audio lasts ${meta.format.duration}, the narration ${at}`);
    const vtt = readFileSync(join(cwd, 'book.chapters.vtt'), 'utf8');
    assert.match(vtt, /^WEBVTT\n\n1\n00:00:00\.000 --> \S+\nThe Book\n\n2\n\S+ --> \S+\nFirst chapter\n\n3\n\S+ --> \S+\nSecond chapter\n$/);
  });

  test('narrate twice: the second run renders nothing (0 requests, a skipped line per file); one file changed: only it; --force: all', async () => {
    const cwd = project({ 'a.md': `# A\n\n${body(1)}`, 'b.md': `# B\n\n${body(2)}`, 'c.txt': body(3) });
    const args = ['narrate', '.', '--format', 'mp3', '--subtitles', 'vtt', '--json'];
    const first = await cli(args, cwd);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.lines.at(-1)!.done, 3);
    assert.ok(ttsRequests() > 0);
    const mtime = statSync(join(cwd, 'a.mp3')).mtimeMs;

    d.clearRequests();
    const second = await cli(args, cwd);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(ttsRequests(), 0, 'nothing sent');
    const files = second.lines.filter((l) => l.event === 'file');
    assert.deepEqual(files.map((f) => [f.file, f.status]).sort(), [['a.md', 'upToDate'], ['b.md', 'upToDate'], ['c.txt', 'upToDate']]);
    assert.equal(second.lines.at(-1)!.upToDate, 3);
    assert.equal(second.lines.at(-1)!.done, 0);
    assert.equal(statSync(join(cwd, 'a.mp3')).mtimeMs, mtime, 'not written again');
    const plain = await cli(['narrate', '.', '--format', 'mp3', '--subtitles', 'vtt'], cwd);
    assert.match(plain.stdout, /a\.md → a\.mp3: skipped \(up to date\)/);
    assert.match(plain.stderr, /0 file\(s\) done, 3 up to date, 0 failed/);

    writeFileSync(join(cwd, 'b.md'), `# B\n\n${body(2)} One more sentence.`);
    rmSync(join(cwd, 'c.vtt'));
    d.clearRequests();
    const third = await cli(args, cwd);
    assert.equal(third.code, 0, third.stderr);
    const statuses = Object.fromEntries(third.lines.filter((l) => l.event === 'file').map((f) => [f.file, f.status]));
    assert.deepEqual(statuses, { 'a.md': 'upToDate', 'b.md': 'done', 'c.txt': 'done' }, 'the changed file and the one whose subtitles were deleted');
    assert.equal(ttsRequests(), 1, 'only the new chunk of b.md is sent (the rest from the cache)');

    assert.equal((await cli(args, cwd)).lines.at(-1)!.upToDate, 3, 'all up to date again');
    const forced = await cli([...args, '--force'], cwd);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.lines.at(-1)!.done, 3, '--force renders them all');
    assert.equal(forced.lines.at(-1)!.upToDate, 0);

    const other = await cli([...args, '--mp3-kbps', '128'], cwd);
    assert.equal(other.lines.at(-1)!.done, 3, 'another bitrate renders every file');
  });
});
