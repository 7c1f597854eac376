// The extension's dist/music-metadata.js is music-metadata without file-type and debug (scripts/music-metadata-bundle.mjs):
// built here as esbuild.mjs builds it, it must read every sample the package reads as the package does, whole or
// its first bytes only, with or without a MIME type, and refuse what the package refuses. The unit tests and the
// CLI load the package itself, so only this test sees the bundle's shim.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'audio');

type MM = typeof import('music-metadata', { with: { 'resolution-mode': 'import' } });

/** What a parse says: the fields the sample probe (src/core/audio/probe.ts) reads, or that it failed (the probe
 *  catches every failure alike, so which one does not matter). */
async function outcome(mm: MM, bytes: Uint8Array, mimeType?: string): Promise<unknown> {
  try {
    const { format: f } = await mm.parseBuffer(bytes, mimeType ? { mimeType, size: bytes.length } : { size: bytes.length }, { duration: true, skipCovers: true, skipPostHeaders: true });
    return { container: f.container, codec: f.codec, codecProfile: f.codecProfile, duration: f.duration, sampleRate: f.sampleRate, channels: f.numberOfChannels, bitrate: f.bitrate };
  } catch {
    return 'unreadable';
  }
}

const ascii = (s: string) => Buffer.from(s, 'latin1');

/** Headers of the containers music-metadata parses but the fixtures lack, and bytes that are no audio at all. */
const OTHERS: Record<string, Buffer> = {
  webm: Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84]), ascii('webm'), Buffer.alloc(64)]),
  aiff: Buffer.concat([ascii('FORM'), Buffer.from([0, 0, 0, 0x40]), ascii('AIFFCOMM'), Buffer.from([0, 0, 0, 18, 0, 1, 0, 0, 0, 100, 0, 16, 0x40, 0x0e, 0xac, 0x44, 0, 0, 0, 0, 0, 0]), Buffer.alloc(32)]),
  asf: Buffer.concat([Buffer.from([0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c]), Buffer.alloc(64)]),
  wavpack: Buffer.concat([ascii('wvpk'), Buffer.alloc(60)]),
  musepack: Buffer.concat([ascii('MPCK'), Buffer.alloc(60)]),
  dsf: Buffer.concat([ascii('DSD '), Buffer.from([28, 0, 0, 0, 0, 0, 0, 0]), Buffer.alloc(60)]),
  dsdiff: Buffer.concat([ascii('FRM8'), Buffer.alloc(60)]),
  ape: Buffer.concat([ascii('MAC '), Buffer.alloc(60)]),
  png: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(60)]),
  html: ascii('<!doctype html><html><body>Not found</body></html>'),
  zip: Buffer.concat([ascii('PK\x03\x04'), Buffer.alloc(60)]),
  text: ascii('hello, this is not audio at all, just some text'),
};

suite('music-metadata bundle (the extension’s dist/music-metadata.js, as esbuild.mjs builds it)', function () {
  this.timeout(60_000);
  let dir: string;
  let bundle: MM;
  let pkg: MM;

  suiteSetup(async () => {
    const { musicMetadataCuts } = await import('../../../scripts/music-metadata-bundle.mjs');
    dir = mkdtempSync(join(tmpdir(), 'gvc-mm-bundle-'));
    const result = await esbuild.build({
      entryPoints: ['music-metadata'],
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      mainFields: ['module', 'main'],
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [musicMetadataCuts],
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.deepEqual(inputs.filter((i) => /node_modules[\\/](file-type|debug|@tokenizer[\\/]inflate)[\\/]/.test(i)), [], 'file-type and debug are left out');
    writeFileSync(join(dir, 'music-metadata.js'), result.outputFiles[0].text);
    bundle = (await import(pathToFileURL(join(dir, 'music-metadata.js')).href)) as MM;
    bundle = ((bundle as unknown as { default?: MM }).default?.parseBuffer ? (bundle as unknown as { default: MM }).default : bundle);
    pkg = await import('music-metadata');
  });
  suiteTeardown(() => rmSync(dir, { recursive: true, force: true }));

  const fixtures = readdirSync(FIXTURES).filter((f) => /\.(wav|mp3|ogg|flac|m4a|aac)$/.test(f));

  test('reads every fixture as the package does, whole and its first 4 KB, without a MIME type', async () => {
    assert.ok(fixtures.length >= 6, fixtures.join(', '));
    for (const name of fixtures) {
      const whole = readFileSync(join(FIXTURES, name));
      for (const bytes of [whole, whole.subarray(0, 4096)]) {
        const mine = await outcome(bundle, bytes);
        assert.deepEqual(mine, await outcome(pkg, bytes), `${name} (${bytes.length} bytes)`);
        if (bytes === whole) assert.equal(typeof (mine as { duration?: unknown }).duration, 'number', `${name}: a duration`);
      }
    }
  });

  test('reads an MP3 behind a few stray bytes (file-type’s offset tolerance) as the package does', async () => {
    const mp3 = readFileSync(join(FIXTURES, 'tone-5s.mp3'));
    const at = mp3[0] === 0x49 ? 10 + ((mp3[6] << 21) | (mp3[7] << 14) | (mp3[8] << 7) | mp3[9]) : 0; // past an ID3 tag
    const shifted = Buffer.concat([Buffer.alloc(3), mp3.subarray(at)]);
    assert.deepEqual(await outcome(bundle, shifted), await outcome(pkg, shifted));
  });

  test('tells the other containers and non-audio apart as the package does', async () => {
    for (const [name, bytes] of Object.entries(OTHERS)) assert.deepEqual(await outcome(bundle, bytes), await outcome(pkg, bytes), name);
  });

  test('with a MIME type given, the same as the package', async () => {
    for (const [name, type] of [['tone-5s.wav', 'audio/wav'], ['tone-5s.mp3', 'audio/mpeg'], ['tone-5s.m4a', 'audio/mp4'], ['tone-5s.ogg', 'audio/ogg']]) {
      const bytes = readFileSync(join(FIXTURES, name));
      assert.deepEqual(await outcome(bundle, bytes, type), await outcome(pkg, bytes, type), name);
    }
  });
});
