// The command-line tool as an npm package (`npx glm-voice-clone …`, `npm install -g glm-voice-clone`): `npm pack`
// (its "prepack" script makes the production build) gives a small tarball holding the CLI and nothing of the
// sources or tests, and installing that tarball into an empty folder installs nothing else — the bundle needs no
// dependency — and gives a `glm-voice-clone` that narrates against the double.
import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseWavHeader } from '../../../src/core/audio/wav';
import { NovitaDouble } from '../../double/novitaDouble';

const ROOT = join(__dirname, '..', '..', '..');
const KEY = 'test-cli-package-LEAKCHECK-7310';
const MAX_TARBALL_BYTES = 1024 * 1024;
const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** What is not copied into the scratch checkout: installed packages, build output, git metadata, caches. */
const NOT_COPIED = new Set(['node_modules', 'dist', 'dist-vsix', 'out', '.git', '.cache', 'test-results']);

suite('cli package: npm pack, install the tarball, run glm-voice-clone', function () {
  this.timeout(120_000);
  let work: string;
  let tarball: string;
  let listing: string[];
  let app: string;
  let d: NovitaDouble;
  let base: string;

  suiteSetup(async function () {
    this.timeout(180_000);
    work = mkdtempSync(join(tmpdir(), 'gvc-cli-package-'));
    // Packed from a scratch copy of the checkout (its node_modules linked), so the prepack build does not rewrite
    // the working tree's dist/ while other tests or an editor use it.
    const stage = join(work, 'stage');
    cpSync(ROOT, stage, { recursive: true, filter: (src) => !(src !== ROOT && src.startsWith(ROOT) && NOT_COPIED.has(src.slice(ROOT.length + 1).split(/[\\/]/)[0])) });
    symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'), 'junction');
    const packed = join(work, 'packed');
    mkdirSync(packed);
    const env = { ...process.env, npm_config_cache: join(work, 'npm-cache'), npm_config_update_notifier: 'false' };
    await run(npm, ['pack', '--pack-destination', packed], { cwd: stage, env, maxBuffer: 16 * 1024 * 1024 });
    const tgz = readdirSync(packed).filter((f) => f.endsWith('.tgz'));
    assert.equal(tgz.length, 1, `npm pack made ${tgz.join(', ')}`);
    tarball = join(packed, tgz[0]);
    listing = (await run('tar', ['-tzf', tarball])).stdout.split('\n').filter(Boolean).map((p) => p.replace(/^package\//, ''));

    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'gvc-cli-package-check', version: '1.0.0', private: true }));
    await run(npm, ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app, env, maxBuffer: 16 * 1024 * 1024 });

    d = new NovitaDouble({ apiKey: KEY });
    base = await d.start();
  });
  suiteTeardown(async () => {
    await d?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the tarball is at most 1 MB and holds the CLI, README and LICENSE only: no sources, tests, scripts or source maps', () => {
    const size = statSync(tarball).size;
    assert.ok(size <= MAX_TARBALL_BYTES, `the tarball is ${size} bytes`);
    assert.deepEqual([...listing].sort(), ['LICENSE', 'README.md', 'dist/cli.js', 'package.json']);
    assert.ok(!listing.some((p) => /^(src|test|scripts)\//.test(p) || p.endsWith('.map')), listing.join('\n'));
  });

  test('the package declares no dependency, and installing it installs nothing else', () => {
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'glm-voice-clone', 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(manifest.private, undefined, 'a private package cannot be published');
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies']) assert.equal(manifest[field], undefined, field);
    const installed = readdirSync(join(app, 'node_modules')).filter((f) => f !== '.bin' && f !== '.package-lock.json');
    assert.deepEqual(installed, ['glm-voice-clone']);
  });

  function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const bin = join(app, 'node_modules', '.bin', process.platform === 'win32' ? 'glm-voice-clone.cmd' : 'glm-voice-clone');
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NOVITA_API_KEY: KEY, XDG_DATA_HOME: join(cwd, '.data'), XDG_CACHE_HOME: join(cwd, '.cache') };
    const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => {
        assert.ok(!stdout.includes(KEY) && !stderr.includes(KEY), 'the key was printed');
        resolve({ code, stdout, stderr });
      });
    });
  }

  test('the installed glm-voice-clone prints its usage and narrates a Markdown file to WAV and MP3 against the double', async () => {
    const help = await cli(['--help'], app);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /narrate/);

    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'page.md'), '# A page\n\nThe installed tool reads this aloud. Then it stops.\n');
    const wav = await cli(['narrate', 'page.md', '--base-url', base], project);
    assert.equal(wav.code, 0, `${wav.stdout}\n${wav.stderr}`);
    const header = parseWavHeader(readFileSync(join(project, 'page.wav')));
    assert.ok(header.dataBytes > 0, 'the WAV holds audio');
    assert.ok(d.requests.some((r) => r.route === 'tts'), 'the double was asked');

    // MP3: encoded by the worker and LAME's WebAssembly that dist/cli.js carries inside it.
    const mp3 = await cli(['narrate', 'page.md', '--format', 'mp3', '--base-url', base], project);
    assert.equal(mp3.code, 0, `${mp3.stdout}\n${mp3.stderr}`);
    const bytes = readFileSync(join(project, 'page.mp3'));
    assert.ok(bytes.length > 100 && (bytes.subarray(0, 3).toString('latin1') === 'ID3' || (bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0)), 'an MP3 file');
    assert.ok(existsSync(join(project, 'page.wav')));
  });
});
