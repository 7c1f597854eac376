import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Agent } from 'undici';
import { NovitaDouble } from '../../../double/novitaDouble';
import { probeSampleBytes } from '../../../../src/core/audio/probe';
import { assessSample as assessFacts, preflightSample as preflight, type PreflightOptions, type SampleFacts, type SamplePreflight } from '../../../../src/core/audio/preflight';
import { pcmToWav } from '../../../../src/core/audio/wav';
import { english, sampleRefusalText, sampleSummary, sampleWarningText } from '../../../../src/messages/index';
import { coreError } from '../../../support/said';

/** A check's result as the panel words it (src/messages): the summary line, the refusal and warnings in English. */
interface Shown extends Omit<SamplePreflight, 'refusal' | 'warnings'> {
  refusal?: string;
  summary: string;
  warnings: Array<{ code: SamplePreflight['warnings'][number]['code']; message: string; overridable: true }>;
}

function shown(r: SamplePreflight): Shown {
  return {
    ...r,
    refusal: r.refusal && sampleRefusalText(r.refusal, english),
    summary: sampleSummary(r, english),
    warnings: r.warnings.map((w) => ({ code: w.code, message: sampleWarningText(w, english), overridable: true })),
  };
}

const assessSample = (f: SampleFacts) => shown(assessFacts(f));
const preflightSample = async (url: string, options: PreflightOptions) => shown(await preflight(url, options));

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'audio');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

/** Within 0.1 s or 3 %, whichever is looser. */
function assertNear(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined, `${what}: no duration`);
  assert.ok(Math.abs(actual - expected) <= Math.max(0.1, expected * 0.03), `${what}: ${actual} s, expected about ${expected} s`);
}

/** 24 kHz 16-bit mono silence of `seconds`, as Novita's own previews are. */
const wavOf = (seconds: number) => pcmToWav(Buffer.alloc(Math.round(seconds * 24000) * 2));

const facts = (over: Partial<SampleFacts> = {}): SampleFacts => ({
  url: 'https://cdn.example.com/voice.wav',
  status: 200,
  contentType: 'audio/wav',
  sizeBytes: 594_000,
  format: 'wav',
  durationSec: 12.37,
  sampleRate: 24000,
  channels: 1,
  ...over,
});

const codes = (r: Shown) => r.warnings.map((w) => w.code);

suite('preflight: assessSample (the rules, no HTTP)', () => {
  test('a good WAV passes with a one-line summary and no warnings', () => {
    const r = assessSample(facts());
    assert.equal(r.ok, true);
    assert.equal(r.refusal, undefined);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.playableInWebview, true);
    assert.equal(r.summary, 'WAV · 12.4 s · 24 kHz mono · 580 KB');
    assert.equal(r.url, 'https://cdn.example.com/voice.wav');
  });

  test('over 10 MB is refused, saying the limit', () => {
    const r = assessSample(facts({ sizeBytes: 11 * 1024 * 1024 }));
    assert.equal(r.ok, false);
    assert.match(r.refusal ?? '', /11\.0 MB.*at most 10 MB/);
    assert.deepEqual(r.warnings, [], 'a refused sample carries no overridable warnings');
    assert.equal(assessSample(facts({ sizeBytes: 10 * 1024 * 1024 })).ok, true, 'exactly 10 MB is allowed');
  });

  test('a web page, or bytes that are no audio, are refused', () => {
    const page = assessSample(facts({ format: undefined, contentType: 'text/html; charset=utf-8', html: true, durationSec: undefined }));
    assert.equal(page.ok, false);
    assert.match(page.refusal ?? '', /web page instead of audio/);
    const junk = assessSample(facts({ format: undefined, contentType: 'application/octet-stream', durationSec: undefined }));
    assert.equal(junk.ok, false);
    assert.match(junk.refusal ?? '', /not audio.*application\/octet-stream/);
  });

  test('no answer, error statuses and empty files are refused with their reason', () => {
    const down = assessSample({ url: 'https://x.example/a.wav', status: 0, refusal: { code: 'refused', host: 'x.example' } });
    assert.deepEqual([down.ok, down.refusal, down.summary], [false, 'x.example refused the connection. Check the sample URL and its port, or that the server is running.', 'No answer']);
    assert.match(assessSample(facts({ status: 404, format: undefined })).refusal ?? '', /Nothing was found.*404/);
    assert.match(assessSample(facts({ status: 403, format: undefined })).refusal ?? '', /without logging in/);
    assert.match(assessSample(facts({ status: 503, format: undefined })).refusal ?? '', /503.*Try again later/);
    assert.match(assessSample(facts({ sizeBytes: 0 })).refusal ?? '', /empty file/);
  });

  test('outside 3–30 s is a warning the user can override', () => {
    const long = assessSample(facts({ durationSec: 40.24 }));
    assert.equal(long.ok, true);
    assert.deepEqual(long.warnings, [{ code: 'tooLong', message: 'The sample is 40.2 s long; Novita recommends 3–30 s. Trim it, or clone anyway.', overridable: true }]);
    const short = assessSample(facts({ durationSec: 2 }));
    assert.equal(short.ok, true);
    assert.deepEqual(codes(short), ['tooShort']);
    assert.equal(short.warnings[0].overridable, true);
    assert.match(short.warnings[0].message, /2\.0 s long/);
    assert.deepEqual(codes(assessSample(facts({ durationSec: 3 }))), []);
    assert.deepEqual(codes(assessSample(facts({ durationSec: 30.04 }))), [], 'what reads as 30.0 s is not called too long');
    assert.deepEqual(codes(assessSample(facts({ durationSec: undefined }))), ['unknownDuration']);
  });

  test('AAC, M4A and Ogg Opus clone with a note that the panel cannot play them', () => {
    for (const f of [facts({ format: 'm4a' }), facts({ format: 'aac' }), facts({ format: 'ogg', codec: 'Opus' })]) {
      const r = assessSample(f);
      assert.equal(r.ok, true, f.format);
      assert.equal(r.playableInWebview, false, f.format);
      assert.deepEqual(codes(r), ['unplayable'], f.format);
      assert.equal(r.warnings[0].overridable, true);
    }
    assert.equal(assessSample(facts({ format: 'ogg', codec: 'Vorbis I' })).playableInWebview, true);
    assert.equal(assessSample(facts({ format: 'ogg', codec: 'Opus' })).summary.startsWith('Ogg Opus'), true);
  });

  test('audio labelled as text, or of unknown size, passes with a warning', () => {
    const r = assessSample(facts({ contentType: 'text/plain', sizeBytes: undefined, durationEstimated: true }));
    assert.equal(r.ok, true);
    assert.deepEqual(codes(r), ['contentType', 'unknownSize']);
    assert.equal(r.summary, 'WAV · ≈12.4 s · 24 kHz mono');
  });
});

suite('preflight: probeSampleBytes measures a sample from its first bytes', () => {
  const cases: [string, number][] = [
    ['tone-5s.wav', 5],
    ['tone-2s.wav', 2],
    ['tone-5s.mp3', 5.064],
    ['tone-5s-vbr.mp3', 5.064],
    ['tone-5s.ogg', 5],
    ['tone-5s.flac', 5],
    ['tone-5s.m4a', 5],
    ['tone-5s.aac', 5.049],
  ];
  for (const [name, seconds] of cases) {
    test(`${name}: whole, and its first 4 KB with the size (and the last 8 KB)`, async () => {
      const all = fixture(name);
      assertNear((await probeSampleBytes(all, { size: all.length })).durationSec, seconds, `${name} whole`);
      const prefix = await probeSampleBytes(all.subarray(0, 4096), { size: all.length, tail: all.subarray(all.length - 8192) });
      assertNear(prefix.durationSec, seconds, `${name} prefix`);
    });
  }

  test('without the tail an Ogg prefix has no length (never the prefix’s own)', async () => {
    const all = fixture('tone-5s.ogg');
    const p = await probeSampleBytes(all.subarray(0, 4096), { size: all.length });
    assert.equal(p.durationSec, undefined);
    assert.deepEqual([p.format, p.sampleRate, p.channels], ['ogg', 24000, 1]);
  });

  test('a prefix of unknown size: WAV from its header, CBR MP3 not at all', async () => {
    const wav = await probeSampleBytes(fixture('tone-5s.wav').subarray(0, 4096), { partial: true });
    assert.equal(wav.durationSec, 5);
    const mp3 = await probeSampleBytes(fixture('tone-5s.mp3').subarray(0, 4096), { partial: true });
    assert.equal(mp3.durationSec, undefined);
  });

  test('a WAV with chunks after its data: the length the data chunk declares, not the file size', async () => {
    const trailer = Buffer.alloc(8 + 48000);
    trailer.write('LIST', 0, 'ascii');
    trailer.writeUInt32LE(48000, 4);
    const all = Buffer.concat([wavOf(4), trailer]);
    assert.equal((await probeSampleBytes(all.subarray(0, 4096), { size: all.length })).durationSec, 4);
  });

  test('CBR MP3 from a prefix is marked as an estimate', async () => {
    const all = fixture('tone-5s.mp3');
    assert.equal((await probeSampleBytes(all.subarray(0, 4096), { size: all.length })).durationEstimated, true);
    assert.equal((await probeSampleBytes(all, { size: all.length })).durationEstimated, undefined);
  });
});

suite('preflight against the double', function () {
  this.timeout(15000);
  let d: NovitaDouble;
  let base: string;
  const run = (url: string, over: Partial<PreflightOptions> = {}) => preflightSample(url, { probe: probeSampleBytes, timeoutMs: 3000, ...over });
  const ranges = () => d.requests.filter((r) => r.method === 'GET').map((r) => r.headers.range);

  suiteSetup(async () => {
    d = new NovitaDouble({ apiKey: 'sk_preflight_never_sent' });
    base = await d.start();
    for (const [name, type] of [
      ['tone-5s.wav', 'audio/wav'],
      ['tone-2s.wav', 'audio/wav'],
      ['tone-5s.mp3', 'audio/mpeg'],
      ['tone-5s-vbr.mp3', 'audio/mpeg'],
      ['tone-5s.ogg', 'audio/ogg'],
      ['tone-5s.flac', 'audio/flac'],
      ['tone-5s.m4a', 'audio/mp4'],
    ]) {
      d.addFile(`/${name}`, fixture(name), type);
    }
    d.addFile('/long-40s.wav', wavOf(40), 'audio/wav');
    d.addFile('/page.html', Buffer.from('<!doctype html><html><body>Sign in to download</body></html>'), 'text/html; charset=utf-8');
    d.addFile('/empty.wav', Buffer.alloc(0), 'audio/wav');
  });
  suiteTeardown(() => d.stop());
  setup(() => {
    d.clearFaults();
    d.clearRequests();
  });
  teardown(() => {
    // Whatever the test did, nothing that looks like a credential went to the sample host.
    for (const r of d.requests) {
      assert.equal(r.headers.authorization, undefined, `${r.method} ${r.path} carried Authorization`);
      assert.equal(r.headers.cookie, undefined);
      assert.ok(!JSON.stringify(r.headers).includes('sk_preflight_never_sent'));
    }
  });

  const measured: [string, string, number, number][] = [
    ['tone-5s.wav', 'wav', 5, 8000],
    ['tone-5s.mp3', 'mp3', 5.064, 24000],
    ['tone-5s-vbr.mp3', 'mp3', 5.064, 24000],
    ['tone-5s.ogg', 'ogg', 5, 24000],
    ['tone-5s.flac', 'flac', 5, 24000],
  ];
  for (const [name, format, seconds, rate] of measured) {
    test(`${name}: measured right, whole and from its first 2 KB`, async () => {
      for (const probeBytes of [undefined, 2048]) {
        d.clearRequests();
        const r = await run(`${base}/${name}`, { probeBytes });
        assert.equal(r.ok, true, r.refusal);
        assert.deepEqual([r.format, r.sampleRate, r.channels, r.sizeBytes], [format, rate, 1, fixture(name).length]);
        assertNear(r.durationSec, seconds, `${name} probeBytes=${probeBytes}`);
        assert.deepEqual(r.warnings, []);
        assert.equal(r.playableInWebview, true);
        assert.equal(d.requests[0].method, 'HEAD');
        assert.equal(ranges()[0], `bytes=0-${(probeBytes ?? 256 * 1024) - 1}`);
      }
    });
  }

  test('Ogg from its first 2 KB fetches the last bytes for its length', async () => {
    const size = fixture('tone-5s.ogg').length;
    const r = await run(`${base}/tone-5s.ogg`, { probeBytes: 2048 });
    assertNear(r.durationSec, 5, 'ogg');
    assert.deepEqual(ranges(), ['bytes=0-2047', `bytes=0-${size - 1}`]);
  });

  test('a 40 s WAV: only its first 256 KB are read; a tooLong warning the user can override', async () => {
    const r = await run(`${base}/long-40s.wav`);
    assert.equal(r.ok, true);
    assert.equal(r.durationSec, 40);
    assert.equal(r.sizeBytes, 40 * 48000 + 44);
    assert.deepEqual(codes(r), ['tooLong']);
    assert.equal(r.warnings[0].overridable, true);
    assert.equal(r.summary, 'WAV · 40.0 s · 24 kHz mono · 1.8 MB');
    assert.deepEqual(ranges(), ['bytes=0-262143']);
  });

  test('a 2 s sample: tooShort, overridable, not refused', async () => {
    const r = await run(`${base}/tone-2s.wav`);
    assert.equal(r.ok, true);
    assert.equal(r.durationSec, 2);
    assert.deepEqual(r.warnings.map((w) => [w.code, w.overridable]), [['tooShort', true]]);
  });

  test('11 MB is refused, though only its first bytes are fetched', async () => {
    d.addFile('/huge.wav', pcmToWav(Buffer.alloc(11 * 1024 * 1024)), 'audio/wav');
    try {
      const r = await run(`${base}/huge.wav`);
      assert.equal(r.ok, false);
      assert.match(r.refusal ?? '', /at most 10 MB/);
      assert.deepEqual(ranges(), ['bytes=0-262143']);
    } finally {
      d.removeFile('/huge.wav');
    }
  });

  test('a web page is refused', async () => {
    const r = await run(`${base}/page.html`);
    assert.equal(r.ok, false);
    assert.equal(r.status, 206);
    assert.match(r.refusal ?? '', /web page instead of audio/);
    assert.equal(r.summary, 'web page · 60 B');
  });

  test('HTML served as audio/wav is refused by its bytes', async () => {
    d.addFile('/fake.wav', Buffer.from('<html><body>Expired link</body></html>'), 'audio/wav');
    try {
      const r = await run(`${base}/fake.wav`);
      assert.equal(r.ok, false);
      assert.match(r.refusal ?? '', /web page/);
    } finally {
      d.removeFile('/fake.wav');
    }
  });

  test('404 and 500 are refused with their status', async () => {
    const missing = await run(`${base}/nothing-here.wav`);
    assert.deepEqual([missing.ok, missing.status], [false, 404]);
    assert.match(missing.refusal ?? '', /Nothing was found.*404/);
    d.setFault('file', { status: 500, path: '/tone-5s.wav' });
    const broken = await run(`${base}/tone-5s.wav`);
    assert.deepEqual([broken.ok, broken.status], [false, 500]);
  });

  test('an empty file is refused', async () => {
    const r = await run(`${base}/empty.wav`);
    assert.equal(r.ok, false);
    assert.match(r.refusal ?? '', /empty file/);
  });

  test('a 2-hop redirect chain is followed and the final URL reported', async () => {
    d.addRedirect('/share/abc', '/dl/abc');
    d.addRedirect('/dl/abc', `${base}/tone-5s.mp3`, 307);
    const r = await run(`${base}/share/abc`);
    assert.equal(r.ok, true, r.refusal);
    assert.equal(r.url, `${base}/tone-5s.mp3`);
    assert.equal(r.format, 'mp3');
    assert.deepEqual(
      d.requests.map((q) => `${q.method} ${q.path}`),
      ['HEAD /share/abc', 'HEAD /dl/abc', 'HEAD /tone-5s.mp3', 'GET /tone-5s.mp3'],
    );
  });

  test('a redirect loop, and too many redirects, are refused', async () => {
    d.addRedirect('/loop-a', '/loop-b');
    d.addRedirect('/loop-b', '/loop-a');
    const loop = await run(`${base}/loop-a`);
    assert.equal(loop.ok, false);
    assert.match(loop.refusal ?? '', /redirects in a loop/);
    assert.ok(d.requests.length <= 3, `stopped at the loop (${d.requests.length} requests)`);
    d.addRedirect('/hop-1', '/hop-2');
    d.addRedirect('/hop-2', '/tone-5s.wav');
    const far = await run(`${base}/hop-1`, { maxRedirects: 1 });
    assert.equal(far.ok, false);
    assert.match(far.refusal ?? '', /more than 1 time\b/);
  });

  test('a redirect to another host sends it nothing but the plain request', async () => {
    const other = new NovitaDouble();
    const otherBase = await other.start();
    try {
      other.addFile('/elsewhere.wav', fixture('tone-5s.wav'), 'audio/wav');
      d.addRedirect('/moved.wav', `${otherBase}/elsewhere.wav`);
      const r = await run(`${base}/moved.wav`);
      assert.equal(r.url, `${otherBase}/elsewhere.wav`);
      assert.equal(r.ok, true);
      assert.deepEqual(other.requests.map((q) => q.method), ['HEAD', 'GET']);
      for (const q of other.requests) assert.deepEqual(Object.keys(q.headers).sort(), ['accept', 'accept-encoding', 'connection', 'host', 'user-agent', ...(q.method === 'GET' ? ['range'] : [])].sort());
    } finally {
      await other.stop();
    }
  });

  test('a server that never answers is refused after the short timeout', async () => {
    d.setFault('file', { hang: true, path: '/tone-5s.wav' });
    const started = Date.now();
    const r = await run(`${base}/tone-5s.wav`, { timeoutMs: 500 });
    const ms = Date.now() - started;
    assert.equal(r.ok, false);
    assert.match(r.refusal ?? '', /did not answer within 0\.5 s/);
    assert.ok(ms >= 450 && ms < 2000, `gave up after ${ms} ms`);
  });

  test('the timeout covers the whole check, not each request', async () => {
    d.setFault('file', [{ delayMs: 350, path: '/tone-5s.wav', times: Infinity }]);
    const r = await run(`${base}/tone-5s.wav`, { timeoutMs: 500 });
    assert.equal(r.ok, false, 'HEAD and GET took 700 ms together');
    assert.match(r.refusal ?? '', /did not answer within 0\.5 s/);
  });

  test('cancelling throws NovitaError cancelled at once', async () => {
    d.setFault('file', { hang: true, path: '/tone-5s.wav' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const started = Date.now();
    await assert.rejects(run(`${base}/tone-5s.wav`, { signal: ac.signal, timeoutMs: 5000 }), coreError('cancelled'));
    assert.ok(Date.now() - started < 1000);
    await assert.rejects(run(`${base}/tone-5s.wav`, { signal: AbortSignal.abort() }), coreError('cancelled'));
  });

  test('HEAD refused with 405: the ranged GET alone measures the sample', async () => {
    d.setFault('file', { method: 'HEAD', status: 405, path: '/tone-5s.ogg' });
    const r = await run(`${base}/tone-5s.ogg`, { probeBytes: 2048 });
    assert.equal(r.ok, true, r.refusal);
    assert.equal(r.sizeBytes, fixture('tone-5s.ogg').length, 'size from Content-Range');
    assertNear(r.durationSec, 5, 'ogg after 405');
    assert.deepEqual(d.requests.map((q) => q.method), ['HEAD', 'GET', 'GET']);
  });

  test('a server that ignores Range: only probeBytes are read, the size comes from Content-Length', async () => {
    d.setFault('file', { ignoreRange: true, method: 'GET', path: '/long-40s.wav' });
    const seen: number[] = [];
    const r = await run(`${base}/long-40s.wav`, { probeBytes: 4096, probe: (bytes, info) => (seen.push(bytes.length), probeSampleBytes(bytes, info)) });
    assert.deepEqual(seen, [4096]);
    assert.equal(r.ok, true);
    assert.equal(r.durationSec, 40);
    assert.equal(r.sizeBytes, 40 * 48000 + 44);
  });

  test('M4A: not refused, with a note that the panel cannot play it', async () => {
    const r = await run(`${base}/tone-5s.m4a`);
    assert.equal(r.ok, true);
    assert.equal(r.format, 'm4a');
    assert.equal(r.playableInWebview, false);
    assertNear(r.durationSec, 5, 'm4a');
    assert.deepEqual(r.warnings.map((w) => [w.code, w.overridable]), [['unplayable', true]]);
  });

  test('a refused connection, and URLs that are not http(s), are refused without a request', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const refused = await run(`http://127.0.0.1:${port}/a.wav`);
    assert.equal(refused.ok, false);
    assert.match(refused.refusal ?? '', /refused the connection/);
    assert.match((await run('ftp://example.com/a.wav')).refusal ?? '', /https:\/\/ or http:\/\//);
    assert.match((await run('not a url')).refusal ?? '', /is not a URL/);
  });

  test('a caller’s dispatcher is used and left open', async () => {
    const agent = new Agent();
    try {
      const r = await run(`${base}/tone-5s.wav`, { dispatcher: agent });
      assert.equal(r.ok, true);
      assert.equal(agent.closed, false);
      assert.equal(agent.destroyed, false);
    } finally {
      await agent.close();
    }
  });
});
