// `narrate --master`: dist/cli.js against the Novita double, whose tone is spoken at three levels (the double's
// `tone` setting), each output measured again from the file written with the core's meter: podcast brings every
// level to -19 LUFS (mono) ±0.5 LU with true peak ≤ -1 dBTP at 44.1 kHz; acx passes (RMS, peaks, noise floor, room
// tone) and writes a 192 kbit/s 44.1 kHz MP3 whose chapters moved by the room tone; a noisy narration fails acx and
// the run exits 1; the preset is one of the manifest's inputs (--master changed renders again).
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { tryParseWavHeader } from '../../../src/core/audio/wav';
import { measure } from '../../../src/core/master';
import { NovitaDouble } from '../../double/novitaDouble';

const KEY = 'test-master-LEAKCHECK-5521';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: Array<Record<string, unknown>>;
}

function measureWav(path: string) {
  const buf = readFileSync(path);
  const info = tryParseWavHeader(buf)!;
  const samples = new Int16Array(info.dataBytes / 2);
  new Uint8Array(samples.buffer).set(buf.subarray(info.dataOffset, info.dataOffset + info.dataBytes));
  return measure({ samples, sampleRate: info.sampleRate, channels: info.channels });
}

async function metadata(path: string) {
  const mm = await import('music-metadata');
  return mm.parseFile(path, { includeChapters: true, duration: true });
}

suite('cli: narrate --master against the double (three levels)', function () {
  this.timeout(120_000);
  let d: NovitaDouble;
  let base: string;
  let work: string;
  let cliPath: string;
  let n = 0;

  suiteSetup(async function () {
    this.timeout(120_000);
    work = mkdtempSync(join(tmpdir(), 'gvc-master-'));
    cliPath = join(work, 'cli.js');
    const { cliBuildOptions } = await import('../../../scripts/cli-bundle.mjs');
    await esbuild.build(cliBuildOptions({ outfile: cliPath }));
    d = new NovitaDouble({ apiKey: KEY });
    base = await d.start();
  });
  suiteTeardown(async () => {
    await d?.stop();
    rmSync(work, { recursive: true, force: true });
  });
  setup(() => {
    d.clearRequests();
    d.tone = {};
  });

  function project(files: Record<string, string>): string {
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

  const text = (k: number) =>
    `# Part ${k}\n\nThis is the first part of the story, told slowly. It has a few sentences of its own, long enough to speak.\n\n## Next\n\nThe second part follows here. And then the end of part ${k}.\n`;
  type Report = { pass: boolean; preset: string; figures: Record<string, number>; rules: Array<{ rule: string; pass: boolean }> };
  const reportOf = (r: CliResult) => r.lines.find((l) => l.event === 'file')?.report as Report | undefined;

  test('--master podcast: quiet, middling and loud inputs all come out at -19 LUFS ±0.5 LU, true peak ≤ -1 dBTP, 44.1 kHz (measured from the WAV written)', async () => {
    for (const levelDb of [-40, -25, -6]) {
      d.tone = { levelDb, pause: 0.2 };
      const cwd = project({ 'a.md': text(1) });
      const r = await cli(['narrate', 'a.md', '--master', 'podcast', '--json'], cwd);
      assert.equal(r.code, 0, r.stderr);
      const m = measureWav(join(cwd, 'a.wav'));
      assert.equal(m.sampleRate, 44_100);
      assert.ok(Math.abs(m.integratedLufs - -19) <= 0.5, `${levelDb} dB in: ${m.integratedLufs.toFixed(2)} LUFS out`);
      assert.ok(m.truePeakDbtp <= -1, `${levelDb} dB in: true peak ${m.truePeakDbtp.toFixed(2)} dBTP`);
      const report = reportOf(r)!;
      assert.equal(report.preset, 'podcast');
      assert.equal(report.pass, true);
      assert.ok(Math.abs(report.figures.integratedLufs - m.integratedLufs) <= 0.1, 'the report measured what was written');
    }
    // As MP3: the preset's rate and bitrate.
    d.tone = { levelDb: -30, pause: 0.2 };
    const cwd = project({ 'a.md': text(2) });
    const r = await cli(['narrate', 'a.md', '--master', 'podcast', '--format', 'mp3'], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /a\.md: meets Podcast/);
    const meta = await metadata(join(cwd, 'a.mp3'));
    assert.equal(meta.format.sampleRate, 44_100);
    assert.equal(meta.format.bitrate, 128_000);
  });

  test('--master acx: passes, a 192 kbit/s 44.1 kHz MP3, chapters and subtitles moved by the room tone at the head', async () => {
    d.tone = { levelDb: -30, pause: 0.2 };
    const cwd = project({ 'book.md': text(3) });
    const plain = await cli(['narrate', 'book.md', '--format', 'mp3', '--subtitles', 'vtt', '--json'], cwd);
    assert.equal(plain.code, 0, plain.stderr);
    const before = (await metadata(join(cwd, 'book.mp3'))).format.chapters!.map((c) => c.start);
    const r = await cli(['narrate', 'book.md', '--format', 'mp3', '--subtitles', 'vtt', '--master', 'acx', '--json'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const report = reportOf(r)!;
    assert.equal(report.pass, true, JSON.stringify(report.rules));
    assert.deepEqual(report.rules.map((x) => x.rule).sort(), ['noiseFloor', 'rms', 'roomToneHead', 'roomToneTail', 'samplePeak', 'sampleRate']);
    assert.ok(report.figures.rmsDb >= -23 && report.figures.rmsDb <= -18);
    assert.ok(report.figures.samplePeakDbfs <= -3);
    assert.equal(report.figures.kbps, 192);
    const meta = await metadata(join(cwd, 'book.mp3'));
    assert.equal(meta.format.sampleRate, 44_100);
    assert.equal(meta.format.bitrate, 192_000);
    const after = meta.format.chapters!.map((c) => c.start);
    assert.equal(after.length, before.length);
    // The double's clips start with sound (no silence to cut): everything moves by the 0.75 s of room tone.
    after.forEach((s, i) => assert.ok(Math.abs(s - before[i] - 0.75) <= 0.05, `chapter ${i}: ${before[i]} → ${s}`));
    const firstCue = /\n(\d\d):(\d\d):(\d\d\.\d\d\d) -->/.exec(readFileSync(join(cwd, 'book.vtt'), 'utf8'))!;
    assert.ok(Math.abs(Number(firstCue[3]) - 0.75) <= 0.05, `first cue at ${firstCue[3]}`);
    // Plain output: the verdict on its own line.
    const again = await cli(['narrate', 'book.md', '--format', 'mp3', '--master', 'acx', '--force'], cwd);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /book\.md: meets Audiobook \(ACX\)/);
  });

  test('a narration too noisy for ACX: the file is written, its line lists the problems (the noise floor among them), the run exits 1', async () => {
    d.tone = { levelDb: -20, noiseDb: -45, pause: 0.2 };
    const cwd = project({ 'noisy.md': text(4) });
    const r = await cli(['narrate', 'noisy.md', '--master', 'acx', '--json'], cwd);
    assert.equal(r.code, 1, r.stderr);
    const report = reportOf(r)!;
    assert.equal(report.pass, false);
    const failed = report.rules.filter((x) => !x.pass).map((x) => x.rule);
    // Its noise is over -60 dB, and so is the room tone matched to it (then not quiet enough to count as room tone).
    assert.ok(failed.includes('noiseFloor'), failed.join(', '));
    assert.ok(!failed.includes('rms') && !failed.includes('samplePeak'), failed.join(', '));
    assert.equal(r.lines.at(-1)!.exitCode, 1);
    const plain = await cli(['narrate', 'noisy.md', '--master', 'acx', '--force'], cwd);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, new RegExp(`noisy\\.md: ${failed.length} problems: .*Noise floor -\\d+\\.\\d dB \\(allowed: at most -60\\.0 dB\\)`));
    // The same input without a preset is no failure.
    assert.equal((await cli(['narrate', 'noisy.md', '--force'], cwd)).code, 0);
  });

  test('the preset is an input of the manifest: unchanged → up to date; another --master renders again', async () => {
    d.tone = { levelDb: -30, pause: 0.2 };
    const cwd = project({ 'a.md': text(5) });
    const args = ['narrate', 'a.md', '--format', 'mp3', '--json'];
    assert.equal((await cli([...args, '--master', 'podcast'], cwd)).lines.at(-1)!.done, 1);
    const same = await cli([...args, '--master', 'podcast'], cwd);
    assert.equal(same.lines.at(-1)!.upToDate, 1);
    const other = await cli([...args, '--master', 'web'], cwd);
    assert.equal(other.lines.at(-1)!.done, 1, 'another preset renders again');
    assert.equal(reportOf(other)!.preset, 'web');
    assert.equal((await metadata(join(cwd, 'a.mp3'))).format.bitrate, 64_000);
    const none = await cli(args, cwd);
    assert.equal(none.lines.at(-1)!.done, 1, 'no preset renders again');
    assert.equal(reportOf(none), undefined, 'no preset, no report');
    const plain = readFileSync(join(cwd, 'a.mp3'));
    assert.equal((await cli([...args, '--master', 'none'], cwd)).lines.at(-1)!.upToDate, 1, '--master none is no preset');
    assert.equal((await cli([...args, '--master', 'none', '--force'], cwd)).code, 0);
    assert.deepEqual(readFileSync(join(cwd, 'a.mp3')), plain, '--master none: the same bytes as without it');
  });
});
