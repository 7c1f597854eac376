// The command-line tool: its pieces in-process (shards, the pool, inputs, outputs), then the built dist/cli.js as a
// process against the double — narrate, MP3 + subtitles, the cache's second run, resume after SIGINT, shards covering
// every file exactly once, --json lines, bad input, exit codes — and never the key in what it prints.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { parseWavHeader, pcmToWav } from '../../../src/core/audio/wav';
import { planNarration } from '../../../src/core/narration/plan';
import { outputsFor, type FilePlanner } from '../../../src/cli/batch';
import { run } from '../../../src/cli/main';
import { languageOf, parseShard, resolveInputs, shardOf, TEXT_EXTENSIONS } from '../../../src/cli/files';
import { Semaphore } from '../../../src/cli/pool';
import { NovitaDouble, samplesFor } from '../../double/novitaDouble';
import { boundedMp3Encoder, defaultJobs } from '../../../src/cli/mp3Jobs';
import { availableParallelism } from 'node:os';

const KEY = 'test-cli-LEAKCHECK-5521';

suite('cli: pieces (in-process)', () => {
  test('--shard i/n: every file in exactly one shard, sizes within one, whatever order the files were listed in', () => {
    for (const total of [0, 1, 2, 7, 10, 101]) {
      const files = Array.from({ length: total }, (_, i) => ({ rel: `docs/${String.fromCharCode(97 + (i % 26))}/${(i * 7919) % 1000}-${i}.md` }));
      const shuffled = [...files].sort(() => Math.random() - 0.5);
      for (const n of [1, 2, 3, 4, 8]) {
        const shards = Array.from({ length: n }, (_, i) => shardOf(i % 2 ? shuffled : files, { index: i + 1, count: n }).map((f) => f.rel));
        const all = shards.flat();
        assert.equal(all.length, total, `${total} files over ${n} shards`);
        assert.deepEqual([...all].sort(), files.map((f) => f.rel).sort(), 'each file exactly once');
        const sizes = shards.map((s) => s.length);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `balanced: ${sizes.join(',')}`);
      }
    }
  });

  test('parseShard takes 1-based I/N only', () => {
    assert.deepEqual(parseShard('1/4'), { index: 1, count: 4 });
    assert.deepEqual(parseShard(' 4 / 4 '), { index: 4, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', '1', 'a/b', '-1/2', '1.5/2', '']) assert.equal(parseShard(bad), undefined, bad);
  });

  test('the pool: at most N at once, first come first served, a waiter that is aborted leaves the queue', async () => {
    const pool = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (i: number) =>
      pool.run(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      });
    await Promise.all([0, 1, 2, 3, 4, 5].map(job));
    assert.equal(peak, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
    const release = await pool.acquire();
    const release2 = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire(controller.signal);
    controller.abort();
    await assert.rejects(waiting, (e: { kind?: string }) => e.kind === 'cancelled');
    release();
    release2();
    assert.equal(pool.busy, 0, 'the aborted waiter took no slot');
  });

  test('--jobs: at most N MP3 encodes at once, the rest wait their turn; an aborted wait starts nothing; default: processors less one', async () => {
    let running = 0;
    let peak = 0;
    let started = 0;
    const encode = boundedMp3Encoder(2, async (_wav, mp3) => {
      started++;
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return { path: mp3, bytes: 1, durationSec: 1 };
    });
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => encode(`${i}.wav`, `${i}.mp3`, {})));
    assert.deepEqual(results.map((r) => r.path), ['1.mp3', '2.mp3', '3.mp3', '4.mp3', '5.mp3']);
    assert.equal(peak, 2);
    const controller = new AbortController();
    const busy = [encode('a.wav', 'a.mp3', {}), encode('b.wav', 'b.mp3', {})];
    const waiting = encode('c.wav', 'c.mp3', {}, controller.signal);
    controller.abort();
    await assert.rejects(waiting, (e: { kind?: string }) => e.kind === 'cancelled');
    await Promise.all(busy);
    assert.equal(started, 7, 'the aborted encode never started');
    assert.equal(defaultJobs(), Math.max(1, availableParallelism() - 1));
  });

  test('inputs: files, folders and globs, deduplicated and sorted; a missing file and an empty glob are reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gvc-cli-in-'));
    try {
      mkdirSync(join(dir, 'docs', 'sub'), { recursive: true });
      for (const f of ['docs/b.md', 'docs/a.md', 'docs/sub/c.txt', 'docs/sub/skip.png', 'docs/a.wav']) writeFileSync(join(dir, f), 'Hello.');
      const r = await resolveInputs(['docs/*', 'docs/sub', 'docs/a.md', 'missing.md', 'nothing/**/*.md'], dir);
      assert.deepEqual(r.files.map((f) => f.rel), ['docs/a.md', 'docs/b.md', 'docs/sub/c.txt'], 'a glob skips audio; a folder takes its text files');
      assert.deepEqual(r.missing.map((m) => [m.rel, m.code]), [['missing.md', 'ENOENT']]);
      assert.deepEqual(r.problems, [{ kind: 'noMatch', pattern: 'nothing/**/*.md' }]);
      const beside = outputsFor(r.files[0], { cwd: dir, format: 'mp3', subtitles: 'both' });
      assert.equal(beside.audio, join(dir, 'docs', 'a.mp3'));
      assert.equal(beside.vtt, join(dir, 'docs', 'a.vtt'));
      assert.equal(outputsFor(r.files[2], { cwd: dir, out: 'audio', format: 'wav', subtitles: 'none' }).audio, join(dir, 'audio', 'docs', 'sub', 'c.wav'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a folder argument takes every file narrate reads as a script or text: screenplays (.fountain) too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gvc-cli-in-'));
    try {
      mkdirSync(join(dir, 'scripts'), { recursive: true });
      for (const f of ['scripts/pilot.fountain', 'scripts/notes.md', 'scripts/cover.png']) writeFileSync(join(dir, f), 'INT. HOUSE - DAY\n\nALICE\nHello.\n');
      const r = await resolveInputs(['scripts'], dir);
      assert.deepEqual(r.files.map((f) => f.rel), ['scripts/notes.md', 'scripts/pilot.fountain']);
      for (const ext of TEXT_EXTENSIONS) assert.ok(['markdown', 'fountain', undefined].includes(languageOf(`x${ext}`)), ext);
      assert.equal(languageOf('pilot.fountain'), 'fountain', 'read as a screenplay');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout as JSON lines (when it is that). */
  lines: Array<Record<string, unknown>>;
}

suite('cli: dist/cli.js as a process, against the double', function () {
  this.timeout(60_000);
  let d: NovitaDouble;
  let base: string;
  let work: string;
  let cliPath: string;
  let sampleUrl: string;
  let n = 0;

  suiteSetup(async function () {
    this.timeout(120_000);
    work = mkdtempSync(join(tmpdir(), 'gvc-cli-'));
    cliPath = join(work, 'cli.js');
    const { cliBuildOptions } = await import('../../../scripts/cli-bundle.mjs');
    // Built once, as `npm run build` builds it (into the scratch folder, so a build in progress elsewhere is not raced).
    await esbuild.build(cliBuildOptions({ outfile: cliPath }));
    d = new NovitaDouble({ apiKey: KEY });
    base = await d.start();
    sampleUrl = d.addFile('/sample.wav', pcmToWav(Buffer.alloc(5 * 24000 * 2)), 'audio/wav', 'what the sample says');
  });
  suiteTeardown(async () => {
    await d?.stop();
    rmSync(work, { recursive: true, force: true });
  });
  setup(() => {
    d.clearRequests();
    d.clearFaults();
    d.latencyMs = 0;
  });

  const ttsRequests = () => d.requests.filter((r) => r.route === 'tts').length;

  /** A fresh project folder with `files` (relative path → text). */
  function project(files: Record<string, string>): string {
    const dir = join(work, `p${++n}`);
    mkdirSync(dir, { recursive: true });
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    return dir;
  }

  function start(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; baseUrl?: boolean }) {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NOVITA_API_KEY: KEY,
      XDG_DATA_HOME: join(opts.cwd, '.data'),
      XDG_CACHE_HOME: join(opts.cwd, '.cache'),
      ...opts.env,
    };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const full = opts.baseUrl === false ? args : [...args, '--base-url', base];
    const child = spawn(process.execPath, [cliPath, ...full], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const done = new Promise<CliResult>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        // The key must never be printed, whatever happened.
        assert.ok(!stdout.includes(KEY) && !stderr.includes(KEY), `the key leaked:\n${stdout}\n${stderr}`);
        let lines: CliResult['lines'] = [];
        try {
          lines = stdout.trim() ? stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
        } catch {
          lines = [];
        }
        resolve({ code, signal, stdout, stderr, lines });
      });
    });
    return { child, done };
  }

  const cli = (args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; baseUrl?: boolean; input?: string }) => {
    const run = start(args, opts);
    run.child.stdin.end(opts.input ?? '');
    return run.done;
  };

  const text = (k: number, sentences = 6) => Array.from({ length: sentences }, (_, i) => `File ${k} says sentence ${i} of its ${sentences}, with a few more words to speak.`).join(' ');

  test('narrate: a folder and a glob → a WAV beside each file, --json lines, exit 0; the second run sends nothing', async () => {
    const cwd = project({ 'docs/a.md': `# A\n\n${text(1)}`, 'docs/b.md': text(2), 'notes/c.txt': text(3) });
    const first = await cli(['narrate', 'docs', 'notes/*.txt', '--json', '-j', '3'], { cwd });
    assert.equal(first.code, 0, first.stderr);
    const events = first.lines.map((l) => l.event);
    assert.equal(events[0], 'start');
    assert.equal(events.at(-1), 'summary');
    const files = first.lines.filter((l) => l.event === 'file');
    assert.deepEqual(files.map((f) => f.file).sort(), ['docs/a.md', 'docs/b.md', 'notes/c.txt']);
    for (const f of files) {
      assert.equal(f.status, 'done');
      const wav = readFileSync(join(cwd, f.output as string));
      const info = parseWavHeader(wav);
      assert.equal(info.sampleRate, 24000);
      assert.ok(info.dataBytes > 0 && info.dataBytes % 2 === 0);
    }
    // The double's clips are samplesFor(text) long: the WAV holds exactly the chunks of the plan.
    const plan = planNarration(text(2), undefined);
    const expected = plan.chunks.reduce((sum, c) => sum + samplesFor(c.text) * 2, 0);
    assert.equal(parseWavHeader(readFileSync(join(cwd, 'docs/b.wav'))).dataBytes, expected);
    const sent = ttsRequests();
    const summary = first.lines.at(-1)!;
    assert.equal(summary.requests, sent);
    assert.equal(summary.done, 3);

    d.clearRequests();
    // --force: rendered again (not skipped as up to date, see publishing.test.ts), every chunk from the cache.
    const second = await cli(['narrate', 'docs', 'notes/*.txt', '--json', '--force'], { cwd });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(ttsRequests(), 0, 'every chunk came from the cache');
    assert.equal(second.lines.at(-1)!.cachedChunks, summary.chunks);
  });

  test('narrate --format mp3 --subtitles both --out: MP3s that decode, SRT and WebVTT beside them, paths mirrored', async () => {
    const cwd = project({ 'course/one.md': text(4), 'course/deep/two.md': text(5) });
    const r = await cli(['narrate', 'course/**/*.md', '--format', 'mp3', '--subtitles', 'both', '--out', 'audio'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /course\/one\.md → audio\/course\/one\.mp3/);
    for (const stem of ['audio/course/one', 'audio/course/deep/two']) {
      const meta = await (await import('music-metadata')).parseFile(join(cwd, `${stem}.mp3`), { duration: true });
      assert.equal(meta.format.container, 'MPEG');
      assert.ok((meta.format.duration ?? 0) > 1, `${stem}.mp3 lasts ${meta.format.duration}`);
      assert.match(readFileSync(join(cwd, `${stem}.srt`), 'utf8'), /^1\n00:00:00,000 --> /);
      assert.match(readFileSync(join(cwd, `${stem}.vtt`), 'utf8'), /^WEBVTT/);
    }
    assert.ok(!readdirSync(join(cwd, 'course')).some((f) => f.endsWith('.mp3')), 'nothing written beside the sources');
  });

  test('narrate --format mp3 --jobs 2 over four files: each MP3 decodes at 24 kHz, 64 kbit/s, as long as its WAV would be (dist/cli.js alone: the worker and LAME are inside it)', async () => {
    assert.deepEqual(readdirSync(work).filter((f) => !f.startsWith('p')).sort(), ['cli.js', 'cli.js.map'], 'nothing beside the CLI bundle');
    const files = Object.fromEntries([1, 2, 3, 4].map((k) => [`t${k}.txt`, text(k, 3 + k)]));
    const cwd = project(files);
    const r = await cli(['narrate', '*.txt', '--format', 'mp3', '--jobs', '2', '--json'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.lines.filter((l) => l.event === 'file' && l.status === 'done').length, 4);
    for (const k of [1, 2, 3, 4]) {
      const meta = await (await import('music-metadata')).parseFile(join(cwd, `t${k}.mp3`), { duration: true });
      assert.equal(meta.format.sampleRate, 24000);
      assert.equal(meta.format.bitrate, 64_000);
      const plan = planNarration(text(k, 3 + k), undefined);
      const seconds = plan.chunks.reduce((sum, c) => sum + samplesFor(c.text), 0) / 24000;
      assert.ok(Math.abs((meta.format.duration ?? 0) - seconds) < 0.1, `t${k}.mp3 lasts ${meta.format.duration} s, its WAV ${seconds} s`);
    }
    assert.ok(!readdirSync(cwd).some((f) => f.endsWith('.partial') || f.endsWith('.wav')), readdirSync(cwd).join(', '));
    const bad = await cli(['narrate', '*.txt', '--format', 'mp3', '--jobs', '0'], { cwd });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--jobs “0” is not valid: expected 1–64/);
    const help = await cli(['narrate', '--help'], { cwd, baseUrl: false });
    assert.match(help.stdout, /--jobs N +MP3 files encoded at once/);
  });

  test('bad input: a missing file and a glob matching nothing get their line on stderr, the other files are still done (exit 1)', async () => {
    const cwd = project({ 'docs/good.md': text(6) });
    const r = await cli(['narrate', 'docs/good.md', 'docs/missing.md', 'nothing/*.md', '--json'], { cwd });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /docs\/missing\.md: No such file\./);
    assert.match(r.stderr, /nothing\/\*\.md: matched no files\./);
    assert.ok(existsSync(join(cwd, 'docs/good.wav')), 'the good file is done');
    const failed = r.lines.filter((l) => l.status === 'failed');
    assert.deepEqual(failed.map((l) => l.event).sort(), ['file', 'input']);
    assert.equal(r.lines.at(-1)!.exitCode, 1);
  });

  test('an unknown --voice is a usage error (exit 2) before any request; a key Novita refuses is one clear line for the batch (exit 1)', async () => {
    const cwd = project({ 'a.md': text(7), 'b.md': text(8) });
    const unknown = await cli(['narrate', 'a.md', '--voice', 'nobody'], { cwd });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown voice “nobody”\. Known voices: tongtong/);
    assert.equal(d.requests.length, 0, 'nothing was sent');

    const refused = await cli(['narrate', 'a.md', 'b.md'], { cwd, env: { NOVITA_API_KEY: 'sk_wrong_key_0000' } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^Novita refused the API key \(401\): check NOVITA_API_KEY or the key file\. Nothing more was sent: 2 of 2 file\(s\) not narrated\.$/m);
    assert.ok(!refused.stderr.includes('sk_wrong_key_0000') && !refused.stdout.includes('sk_wrong_key_0000'), 'not even a wrong key is printed');

    const none = await cli(['narrate', 'a.md'], { cwd, env: { NOVITA_API_KEY: undefined } });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /No Novita API key: set NOVITA_API_KEY or pass --key-file\./);
  });

  test('a refused key stops the whole batch: two files, -j 2, at most 2 requests reach Novita, one line, exit 1', async () => {
    const long = (k: number) => Array.from({ length: 30 }, (_, i) => `File ${k} says sentence ${i} of its thirty, with a few more words to speak.`).join(' ');
    const cwd = project({ 'a.md': long(1), 'b.md': long(2) });
    // Slow answers: both files have queued their chunks in the pool before the first refusal comes back.
    d.latencyMs = 150;
    const r = await cli(['narrate', 'a.md', 'b.md', '-j', '2', '--cache-dir', 'c'], { cwd, env: { NOVITA_API_KEY: 'sk_wrong_key_0000' } });
    assert.equal(r.code, 1, 'exit 1: something failed (docs/ci.md)');
    assert.ok(ttsRequests() <= 2, `${ttsRequests()} requests reached the double; only the 2 in flight may`);
    const refusals = r.stderr.split('\n').filter((l) => l.includes('refused the API key'));
    assert.equal(refusals.length, 1, `one line about the key:\n${r.stderr}`);
    assert.match(refusals[0], /^Novita refused the API key \(401\): check NOVITA_API_KEY or the key file\. Nothing more was sent: 2 of 2 file\(s\) not narrated\.$/);
    assert.match(r.stderr, /0 file\(s\) done, 2 failed/);
    const json = await cli(['narrate', 'a.md', 'b.md', '-j', '2', '--json'], { cwd, env: { NOVITA_API_KEY: 'sk_wrong_key_0000' } });
    assert.equal(json.code, 1);
    const stopped = json.lines.filter((l) => l.event === 'stopped');
    assert.equal(stopped.length, 1);
    assert.equal((stopped[0].error as { kind: string }).kind, 'unauthorized');
    assert.equal(json.lines.filter((l) => l.event === 'file').length, 0, 'no line per file');
    assert.equal(json.lines.at(-1)!.exitCode, 1);
  });

  test('--key-file is read (and the key never taken as an argument, nor echoed)', async () => {
    const cwd = project({ 'a.md': text(9) });
    writeFileSync(join(cwd, 'key.txt'), `${KEY}\n`);
    const ok = await cli(['speak', 'Hello from a key file.', '--out', 'hello.wav', '--key-file', 'key.txt'], { cwd, env: { NOVITA_API_KEY: undefined } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(parseWavHeader(readFileSync(join(cwd, 'hello.wav'))).dataBytes > 0);
    const asArgument = await cli(['narrate', 'a.md', `--key=${KEY}`], { cwd });
    assert.equal(asArgument.code, 2);
    assert.match(asArgument.stderr, /never taken as an argument/);
    const missingFile = await cli(['narrate', 'a.md', '--key-file', 'nope.txt'], { cwd });
    assert.equal(missingFile.code, 2);
    assert.match(missingFile.stderr, /Cannot read the key file nope\.txt \(ENOENT\)/);
  });

  test('--shard i/n over 3 runners: every file voiced exactly once, with one shared cache', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 11; i++) files[`site/page-${i}.md`] = text(100 + i, 2);
    const cwd = project(files);
    const seen: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const r = await cli(['narrate', 'site/*.md', '--shard', `${i}/3`, '--json', '--cache-dir', 'shared-cache'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      const done = r.lines.filter((l) => l.event === 'file').map((l) => l.file as string);
      assert.ok(done.length >= 3 && done.length <= 4, `shard ${i} has ${done.length}`);
      seen.push(...done);
    }
    assert.deepEqual([...seen].sort(), Object.keys(files).sort(), 'each file exactly once over the shards');
    const bad = await cli(['narrate', 'site/*.md', '--shard', '4/3'], { cwd });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--shard “4\/3” is not valid/);
  });

  test('Ctrl+C: exit 130, finished chunks kept; the next run sends only the missing ones', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`book/ch${i}.md`] = text(200 + i, 8);
    const cwd = project(files);
    const total = Object.values(files).reduce((sum, t) => sum + new Set(planNarration(t, 'markdown').chunks.map((c) => c.text)).size, 0);
    d.latencyMs = 150;
    const cacheDir = join(cwd, 'cache');
    const countCached = () => (existsSync(cacheDir) ? readdirSync(cacheDir, { recursive: true }).filter((f) => String(f).endsWith('.chunk')).length : 0);
    const run = start(['narrate', 'book', '-j', '2', '--cache-dir', 'cache', '--json'], { cwd });
    run.child.stdin.end();
    const deadline = Date.now() + 20_000;
    while (countCached() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    run.child.kill('SIGINT');
    const first = await run.done;
    assert.equal(first.code, 130, first.stderr);
    assert.match(first.stderr, /Interrupted\. Finished chunks are in the cache: run the same command again to resume\./);
    assert.equal(first.lines.at(-1)?.interrupted, true);
    const kept = countCached();
    assert.ok(kept >= 3 && kept < total, `${kept} of ${total} chunks kept`);
    assert.ok(!readdirSync(join(cwd, 'book')).some((f) => f.endsWith('.partial')), 'no partial file is left');

    d.latencyMs = 0;
    d.clearRequests();
    const second = await cli(['narrate', 'book', '--cache-dir', 'cache', '--json'], { cwd });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(ttsRequests(), total - kept, 'only the chunks that were not finished are sent');
    assert.equal(second.lines.filter((l) => l.event === 'file' && l.status === 'done').length, 6);
  });

  /** Two narrate runs over `files` started together, sharing one --cache-dir, each writing under its own --out. */
  async function twoRuns(cwd: string, extra: string[], kill?: (a: ReturnType<typeof start>, cacheDir: string) => Promise<void>) {
    const cacheDir = join(cwd, 'shared-cache');
    const args = (out: string) => ['narrate', 'docs', '-j', '2', '--cache-dir', 'shared-cache', '--out', out, '--json', ...extra];
    const started = performance.now();
    const a = start(args('out-a'), { cwd });
    const b = start(args('out-b'), { cwd });
    a.child.stdin.end();
    b.child.stdin.end();
    let killedAt: number | undefined;
    if (kill) {
      await kill(a, cacheDir);
      killedAt = performance.now();
    }
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const ended = performance.now();
    const sent = d.requests.filter((r) => r.route === 'tts').map((r) => (r.json as { input: string }).input);
    return { ra, rb, sent, distinct: new Set(sent), ms: Math.round(ended - started), afterKillMs: killedAt === undefined ? undefined : Math.round(ended - killedAt) };
  }

  const book = (files: number, sentences: number) => {
    const out: Record<string, string> = {};
    for (let i = 0; i < files; i++) out[`docs/ch${i}.md`] = text(500 + i, sentences);
    return out;
  };
  const distinctChunks = (files: Record<string, string>) => new Set(Object.values(files).flatMap((t) => planNarration(t, 'markdown').chunks.map((c) => c.text))).size;

  test('two runs at once over the same files and cache: each chunk is requested once (the other run waits for it)', async () => {
    const files = book(10, 8);
    const cwd = project(files);
    d.latencyMs = 100;
    const r = await twoRuns(cwd, []);
    assert.equal(r.ra.code, 0, r.ra.stderr);
    assert.equal(r.rb.code, 0, r.rb.stderr);
    process.stdout.write(`      two runs at once: ${r.sent.length} requests for ${r.distinct.size} distinct chunks in ${r.ms} ms\n`);
    assert.equal(r.distinct.size, distinctChunks(files), 'every chunk was asked for');
    assert.equal(r.sent.length, r.distinct.size, 'each chunk text requested once over both runs');
    for (const out of ['out-a', 'out-b']) {
      for (const f of Object.keys(files)) assert.ok(parseWavHeader(readFileSync(join(cwd, out, f.replace(/\.md$/, '.wav')))).dataBytes > 0, `${out}/${f}`);
    }
    const summaries = [r.ra, r.rb].map((x) => x.lines.at(-1)!);
    assert.equal((summaries[0].requests as number) + (summaries[1].requests as number), r.sent.length, 'what each run says it sent adds up');
  });

  test('one of two runs killed with SIGKILL mid-run: the other finishes (its locks taken over), each chunk sent once plus those in flight', async () => {
    const files = book(4, 10);
    const cwd = project(files);
    d.latencyMs = 150;
    const countCached = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.chunk')).length : 0);
    const r = await twoRuns(cwd, [], async (a, cacheDir) => {
      const deadline = Date.now() + 20_000;
      while (countCached(cacheDir) < 3 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      a.child.kill('SIGKILL');
    });
    assert.equal(r.ra.signal, 'SIGKILL');
    assert.equal(r.rb.code, 0, r.rb.stderr);
    process.stdout.write(`      one run killed: ${r.sent.length} requests for ${r.distinct.size} distinct chunks; the survivor ended ${r.afterKillMs} ms after the kill\n`);
    assert.equal(r.distinct.size, distinctChunks(files));
    // The killed run's chunks in flight were paid but never cached, and the survivor asks again: its pool holds 2
    // requests, and one more answer may have been between the pool (its slot already free) and the cache's write.
    assert.ok(r.sent.length <= r.distinct.size + 3, `${r.sent.length} requests for ${r.distinct.size} chunks`);
    // Not waited out by age (15 s): the dead holder's locks were taken over at once.
    assert.ok(r.afterKillMs! < 15_000, `the survivor took ${r.afterKillMs} ms after the kill`);
    for (const f of Object.keys(files)) assert.ok(existsSync(join(cwd, 'out-b', f.replace(/\.md$/, '.wav'))));
  });

  test('clone records the voice; voices lists it; narrate and speak use it by name; transcribe prints the text', async () => {
    const cwd = project({ 'a.md': text(300, 2) });
    const refused = await cli(['clone', '--sample-url', sampleUrl, '--name', 'narrator-0', '--json'], { cwd });
    assert.notEqual(refused.code, 0, 'no consent: refused');
    assert.match(refused.stderr + refused.stdout, /right to clone this voice/);
    assert.equal(d.requests.filter((r) => r.route === 'clone').length, 0, 'nothing sent without consent');
    const cloned = await cli(['clone', '--sample-url', sampleUrl, '--name', 'narrator-1', '--transcript', 'what the sample says', '--i-have-the-right', '--json', '--out', 'preview.wav'], { cwd });
    assert.equal(cloned.code, 0, cloned.stderr);
    const voiceId = cloned.lines.find((l) => l.event === 'cloned')?.voiceId as string;
    assert.ok(voiceId);
    assert.ok(existsSync(join(cwd, 'preview.wav')));
    const voices = await cli(['voices', '--json'], { cwd, baseUrl: false });
    assert.equal(voices.code, 0);
    assert.deepEqual(voices.lines.filter((l) => l.kind === 'cloned').map((l) => [l.id, l.name]), [[voiceId, 'narrator-1']]);
    assert.equal(voices.lines.filter((l) => l.kind === 'system').length, 7);

    d.clearRequests();
    const r = await cli(['narrate', 'a.md', '--voice', 'narrator-1'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(d.requests.filter((q) => q.route === 'tts').every((q) => (q.json as { voice?: string }).voice === voiceId));
    const spoken = await cli(['speak', '--file', '-', '--voice', 'narrator-1', '--out', 'out/said.mp3', '--json'], { cwd, input: 'Read from standard input.' });
    assert.equal(spoken.code, 0, spoken.stderr);
    assert.ok(existsSync(join(cwd, 'out/said.mp3')));
    const heard = await cli(['transcribe', sampleUrl], { cwd });
    assert.equal(heard.code, 0, heard.stderr);
    assert.equal(heard.stdout.trim(), 'what the sample says');
  });

  test('narrate a script with a cast: the editor’s .vscode cast and pronunciations apply, a voice per speaker, in order', async () => {
    const cwd = project({
      'scene.md': ['---', 'voices:', '  Alice: jam', '---', '', 'The GLM demo begins.', '', 'Alice: Hello there.', '', 'Bob: Hi, Alice.'].join('\n'),
      '.vscode/glm-voice-cast.json': JSON.stringify({ voices: { Bob: 'kazi', Alice: 'douji' } }),
      '.vscode/glm-voice-pronunciations.json': JSON.stringify({ GLM: 'G L M' }),
    });
    d.clearRequests();
    const run = await cli(['narrate', 'scene.md', '-j', '1', '--voice', 'tongtong'], { cwd });
    assert.equal(run.code, 0, run.stderr);
    const sent = d.requests.filter((r) => r.route === 'tts').map((r) => r.json as { voice: string; input: string });
    assert.deepEqual(
      sent.map((b) => [b.voice, b.input]),
      [
        ['tongtong', 'The G L M demo begins.'],
        ['jam', 'Hello there.'],
        ['kazi', 'Hi, Alice.'],
      ],
      'front matter wins over the cast file (Alice), the file gives Bob his voice, the narrator is --voice',
    );
    const bad = await cli(['narrate', 'scene.md', '--cast', 'missing.json'], { cwd });
    assert.equal(bad.code, 2, 'a named cast file that cannot be read is a usage error');
  });

  test('cache stats and prune report the folder --cache-dir names, as JSON too', async () => {
    const cwd = project({ 'a.md': text(400, 3) });
    assert.equal((await cli(['narrate', 'a.md', '--cache-dir', 'c'], { cwd })).code, 0);
    const stats = await cli(['cache', 'stats', '--cache-dir', 'c', '--json'], { cwd, baseUrl: false });
    assert.equal(stats.code, 0, stats.stderr);
    assert.ok((stats.lines[0].entries as number) > 0);
    const dry = await cli(['narrate', 'a.md', '--cache-dir', 'c', '--dry-run', '--json'], { cwd });
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(dry.lines.filter((l) => l.event === 'plan').map((l) => [l.file, l.toSendChars]), [['a.md', 0]], 'a dry run after a run: nothing left to send');
    const pruned = await cli(['cache', 'prune', '--all', '--cache-dir', 'c', '--json'], { cwd, baseUrl: false });
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.equal(pruned.lines[0].entries, 0);
    assert.equal(pruned.lines[0].removed, stats.lines[0].entries);
  });

  test('usage: --help for each command (exit 0); no command, an unknown one, an unknown option or a bad value: exit 2', async () => {
    const cwd = project({});
    for (const c of ['narrate', 'speak', 'clone', 'transcribe', 'voices', 'cache']) {
      const r = await cli([c, '--help'], { cwd, baseUrl: false });
      assert.equal(r.code, 0, `${c} --help`);
      assert.match(r.stdout, new RegExp(`^glm-voice-clone ${c}`));
    }
    assert.equal((await cli([], { cwd, baseUrl: false })).code, 2);
    assert.equal((await cli(['--help'], { cwd, baseUrl: false })).code, 0);
    const unknown = await cli(['shout'], { cwd, baseUrl: false });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command “shout”/);
    const option = await cli(['narrate', 'x.md', '--colour', 'red'], { cwd });
    assert.equal(option.code, 2);
    assert.match(option.stderr, /Unknown option '--colour'/);
    const value = await cli(['narrate', 'x.md', '--speed', '3'], { cwd });
    assert.equal(value.code, 2);
    assert.match(value.stderr, /--speed “3” is not valid: expected 0\.5–2/);
    const insecure = await cli(['narrate', 'x.md', '--base-url', 'http://example.com'], { cwd, baseUrl: false });
    assert.equal(insecure.code, 2);
    assert.equal((await cli(['narrate'], { cwd })).code, 2);
  });

  test('in-process: a swapped-in planner decides each file\'s text and voice (the hook for front matter and casts)', async () => {
    const cwd = project({ 'one.md': 'voice: jam\n\nHello from the first file.', 'two.md': 'voice: nobody\n\nThis file names a voice nobody knows.' });
    const planner: FilePlanner = ({ text, defaults }) => {
      const m = /^voice: (\S+)\n\n/.exec(text);
      return { text: m ? text.slice(m[0].length) : text, languageId: defaults.languageId, voice: m ? m[1] : defaults.voice };
    };
    let out = '';
    let err = '';
    const streams = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: (s: string) => ((err += s), true) } } as never;
    const code = await run(['narrate', 'one.md', 'two.md', '--json', '--base-url', base, '--cache-dir', join(cwd, 'c')], { cwd, planner, streams, env: { NOVITA_API_KEY: KEY } });
    assert.equal(code, 1, err);
    const tts = d.requests.filter((r) => r.route === 'tts').map((r) => r.json as { voice: string; input: string });
    assert.deepEqual(tts.map((r) => [r.voice, r.input]), [['jam', 'Hello from the first file.']]);
    assert.match(err, /two\.md: Unknown voice “nobody”/);
    assert.ok(!out.includes(KEY) && !err.includes(KEY));
  });

  test('the zh-CN locale speaks Chinese', async () => {
    const cwd = project({});
    const r = await cli(['shout'], { cwd, baseUrl: false, env: { LANG: 'zh_CN.UTF-8' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /[\u4e00-\u9fff]/);
  });
});

