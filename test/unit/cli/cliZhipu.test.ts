// The command-line tool with --provider zhipu, as a process against the Zhipu double: clone from a file (the sample
// checked first, uploaded, cloned by its file_id, then deleted), voices --remote beside the registry, voices delete,
// narrate and speak with a Zhipu voice, a refused key, and a file with Novita.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { parseWavHeader, pcmToWav } from '../../../src/core/audio/wav';
import { ZhipuClient } from '../../../src/core/zhipu/client';
import { synthesizePcm, ZhipuDouble } from '../../double/zhipuDouble';

const KEY = 'zk.CLI-LEAKCHECK-7731';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: Array<Record<string, unknown>>;
}

suite('cli: --provider zhipu, as a process against the Zhipu double', function () {
  this.timeout(60_000);
  let d: ZhipuDouble;
  let work: string;
  let cliPath: string;
  let n = 0;

  suiteSetup(async function () {
    this.timeout(120_000);
    work = mkdtempSync(join(tmpdir(), 'gvc-cli-zhipu-'));
    cliPath = join(work, 'cli.js');
    const { cliBuildOptions } = await import('../../../scripts/cli-bundle.mjs');
    await esbuild.build(cliBuildOptions({ outfile: cliPath }));
    d = new ZhipuDouble({ apiKey: KEY });
    await d.start();
  });
  suiteTeardown(async () => {
    await d?.stop();
    rmSync(work, { recursive: true, force: true });
  });
  setup(() => {
    d.clearRequests();
    d.clearFaults();
  });

  function project(files: Record<string, string | Buffer>): string {
    const dir = join(work, `p${++n}`);
    mkdirSync(dir, { recursive: true });
    for (const [rel, body] of Object.entries(files)) writeFileSync(join(dir, rel), body);
    return dir;
  }

  /** Runs the CLI with the Zhipu key in ZHIPU_API_KEY and --base-url at the double (unless `baseUrl: false`). */
  function cli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; baseUrl?: boolean; input?: string }): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ZHIPU_API_KEY: KEY, XDG_DATA_HOME: join(opts.cwd, '.data'), XDG_CACHE_HOME: join(opts.cwd, '.cache'), ...opts.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const full = opts.baseUrl === false ? args : [...args, '--base-url', d.baseUrl];
    const child = spawn(process.execPath, [cliPath, ...full], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdin.end(opts.input ?? '');
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => {
        assert.ok(!stdout.includes(KEY) && !stderr.includes(KEY), `the key leaked:\n${stdout}\n${stderr}`);
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

  /** Six seconds of a WAV: a sample the check passes. */
  const sampleWav = () => pcmToWav(Buffer.concat([synthesizePcm('my own voice'), Buffer.alloc(6 * 24000 * 2)]));
  const clone = (cwd: string, name: string, extra: string[] = []) => cli(['clone', '--file', 'me.wav', '--provider', 'zhipu', '--name', name, '--i-have-the-right', '--json', ...extra], { cwd });

  test('clone --file: checked, the file’s bytes uploaded, cloned by its file_id, the sample deleted; recorded as Zhipu’s', async () => {
    const bytes = sampleWav();
    const cwd = project({ 'me.wav': bytes });
    const r = await clone(cwd, 'me', ['--out', 'preview.wav']);
    assert.equal(r.code, 0, r.stderr);
    const done = r.lines.find((l) => l.event === 'cloned');
    assert.equal(done?.provider, 'zhipu');
    // The sample goes as soon as the voice exists, while the preview is fetched.
    const routes = d.requests.map((q) => q.route);
    assert.deepEqual(routes.slice(0, 2), ['upload', 'clone']);
    assert.deepEqual([...routes.slice(2)].sort(), ['deleteFile', 'list', 'preview']);
    const [upload] = d.requestsTo('upload');
    const file = [...d.uploads.values()].find((u) => u.bytes.equals(bytes));
    assert.ok(file, 'the double holds the file’s very bytes');
    assert.equal(file.filename, 'me.wav');
    assert.match(upload.headers['content-type'], /^multipart\/form-data; boundary=/);
    assert.equal((d.requestsTo('clone')[0].json as { file_id?: string }).file_id, file.id);
    assert.equal(d.requestsTo('deleteFile')[0].path, `/api/paas/v4/files/${file.id}`);
    assert.ok(file.deleted);
    assert.ok(parseWavHeader(readFileSync(join(cwd, 'preview.wav'))));
    const registry = JSON.parse(readFileSync(join(cwd, '.data', 'glm-voice-clone', 'registry.json'), 'utf8')) as { voices: Array<{ voiceId: string; provider?: string; sampleUrl: string }> };
    assert.deepEqual(registry.voices.map((v) => [v.voiceId, v.provider]), [[done?.voiceId, 'zhipu']]);
    assert.match(registry.voices[0].sampleUrl, /^file:\/\/.*me\.wav$/);
  });

  test('clone --file: a file Zhipu cannot take, or one over 10 MB, is refused before anything is sent; with Novita, a clear message', async () => {
    const cwd = project({ 'me.ogg': Buffer.concat([Buffer.from('OggS'), Buffer.alloc(2000)]), 'big.wav': Buffer.alloc(10 * 1024 * 1024 + 10), 'me.wav': sampleWav() });
    const ogg = await cli(['clone', '--file', 'me.ogg', '--provider', 'zhipu', '--name', 'ogg', '--i-have-the-right'], { cwd });
    assert.equal(ogg.code, 1);
    assert.match(ogg.stderr, /me\.ogg .*(only MP3, WAV|not audio that can be cloned)/);
    const big = await cli(['clone', '--file', 'big.wav', '--provider', 'zhipu', '--name', 'big', '--i-have-the-right'], { cwd });
    assert.equal(big.code, 1);
    assert.match(big.stderr, /big\.wav is 10\.0 MB|big\.wav is .*at most/);
    const novita = await cli(['clone', '--file', 'me.wav', '--name', 'nov', '--i-have-the-right'], { cwd, baseUrl: false });
    assert.equal(novita.code, 1);
    assert.match(novita.stderr, /Novita clones only from a public URL/);
    assert.equal(d.requests.length, 0, 'nothing reached Zhipu');
  });

  test('narrate and speak with a Zhipu voice go to Zhipu (GVC_PROVIDER=zhipu works as --provider)', async () => {
    const cwd = project({ 'me.wav': sampleWav(), 'a.md': '# Hello\n\nThis is read by my cloned voice at Zhipu. It has two sentences.' });
    const cloned = await clone(cwd, 'reader');
    assert.equal(cloned.code, 0, cloned.stderr);
    const voiceId = cloned.lines.find((l) => l.event === 'cloned')?.voiceId as string;
    d.clearRequests();
    const r = await cli(['narrate', 'a.md', '--voice', 'reader', '--json'], { cwd, env: { GVC_PROVIDER: 'zhipu' } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(cwd, 'a.wav')));
    const speech = d.requestsTo('speech');
    assert.ok(speech.length >= 1);
    assert.ok(speech.every((q) => (q.json as { voice?: string }).voice === voiceId));
    const spoken = await cli(['speak', 'Spoken at Zhipu.', '--voice', 'reader', '--out', 'said.wav', '--provider', 'zhipu'], { cwd });
    assert.equal(spoken.code, 0, spoken.stderr);
    assert.ok(parseWavHeader(readFileSync(join(cwd, 'said.wav'))));
  });

  test('voices --remote: Zhipu’s voices beside the registry, each marked here and there, only there, or only here', async () => {
    const cwd = project({ 'me.wav': sampleWav() });
    const both = await clone(cwd, 'both-places');
    const gone = await clone(cwd, 'gone-there');
    const bothId = both.lines.find((l) => l.event === 'cloned')?.voiceId as string;
    const goneId = gone.lines.find((l) => l.event === 'cloned')?.voiceId as string;
    // One voice cloned elsewhere (another machine), one deleted at Zhipu behind the registry's back.
    const other = new ZhipuClient({ baseUrl: d.baseUrl, apiKey: KEY });
    try {
      const f = await other.upload(sampleWav(), 'x.wav');
      const elsewhere = await other.clone({ fileId: f.id, voiceName: 'elsewhere', input: 'Hi.' });
      await other.deleteVoice(goneId);
      const r = await cli(['voices', '--remote', '--provider', 'zhipu', '--json'], { cwd });
      assert.equal(r.code, 0, r.stderr);
      const remote = r.lines.filter((l) => l.kind === 'remote').map((l) => [l.id, l.where]);
      assert.deepEqual(new Map(remote as Array<[string, string]>).get(bothId), 'both');
      assert.deepEqual(new Map(remote as Array<[string, string]>).get(goneId), 'localOnly');
      assert.deepEqual(new Map(remote as Array<[string, string]>).get(elsewhere.voiceId), 'remoteOnly');
      const text = await cli(['voices', '--remote', '--provider', 'zhipu'], { cwd });
      assert.match(text.stdout, /Voices cloned at Zhipu, beside this data folder:/);
      assert.match(text.stdout, new RegExp(`elsewhere  ${elsewhere.voiceId}  only at Zhipu`));
      assert.match(text.stdout, new RegExp(`gone-there  ${goneId}  only here`));
    } finally {
      await other.close();
    }
  });

  test('voices delete NAME: deleted at Zhipu, the deletion recorded; the voice is no longer offered', async () => {
    const cwd = project({ 'me.wav': sampleWav() });
    const cloned = await clone(cwd, 'to-delete');
    const voiceId = cloned.lines.find((l) => l.event === 'cloned')?.voiceId as string;
    const r = await cli(['voices', 'delete', 'to-delete', '--provider', 'zhipu'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Deleted “to-delete” \(voice id .*\) at Zhipu/);
    assert.equal(d.requestsTo('deleteVoice').length, 1);
    assert.equal(d.clonedVoices.get(voiceId)?.deleted, true);
    const listed = await cli(['voices', '--json'], { cwd, baseUrl: false });
    const rec = listed.lines.find((l) => l.id === voiceId);
    assert.equal(rec?.provider, 'zhipu');
    assert.ok(typeof rec?.deletedAt === 'string', 'recorded as deleted');
    const speak = await cli(['speak', 'Hello.', '--voice', 'to-delete', '--out', 'x.wav', '--provider', 'zhipu'], { cwd });
    assert.equal(speak.code, 2, 'an unknown voice now');
    const again = await cli(['voices', 'delete', 'to-delete', '--provider', 'zhipu'], { cwd });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Unknown voice “to-delete”/);
  });

  test('a Zhipu key Zhipu refuses: one clear line naming ZHIPU_API_KEY, exit 1; no key at all: said so', async () => {
    const cwd = project({ 'a.md': 'One sentence. Another sentence. A third one.', 'b.md': 'More text here.' });
    const refused = await cli(['narrate', 'a.md', 'b.md', '--provider', 'zhipu'], { cwd, env: { ZHIPU_API_KEY: 'zk.wrong-key-123' } });
    assert.equal(refused.code, 1);
    const lines = refused.stderr.trim().split('\n').filter((l) => /ZHIPU_API_KEY/.test(l));
    assert.equal(lines.length, 1, refused.stderr);
    assert.match(lines[0], /Zhipu refused the API key \(401\): check ZHIPU_API_KEY or the key file/);
    const none = await cli(['narrate', 'a.md', '--provider', 'zhipu'], { cwd, env: { ZHIPU_API_KEY: undefined } });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /No Zhipu API key: set ZHIPU_API_KEY or pass --key-file/);
    const keyFile = join(cwd, 'zhipu.key');
    writeFileSync(keyFile, `${KEY}\n`);
    const withFile = await cli(['narrate', 'a.md', '--provider', 'zhipu', '--key-file', keyFile], { cwd, env: { ZHIPU_API_KEY: undefined } });
    assert.equal(withFile.code, 0, withFile.stderr);
  });
});
