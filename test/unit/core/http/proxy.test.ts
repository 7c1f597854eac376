// The client honours an explicit proxy (VS Code's http.proxy), HTTP(S)_PROXY and NO_PROXY, for API calls and
// downloads alike, proven through a loopback proxy that counts what it forwarded. The double is addressed as
// 127.0.0.2 (only localhost, 127.0.0.1 and ::1 bypass a proxy, as in VS Code's own resolver) and listens on 127.0.0.1.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NovitaDouble, synthesizePcm } from '../../../double/novitaDouble';
import { pcmToWav } from '../../../../src/core/audio/wav';
import type { ProxyConfig } from '../../../../src/core/http/dispatcher';
import { NovitaClient, type NovitaClientOptions } from '../../../../src/core/novita/client';
import { coreError, said } from '../../../support/said';
import { CountingProxy } from '../../../support/countingProxy';

const KEY = 'gvc-proxy-key-5d1f0b7e93c2';
const ENV_NAMES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'] as const;

suite('proxy: http.proxy, HTTP(S)_PROXY and NO_PROXY through a counting loopback proxy', function () {
  this.timeout(15_000);
  let double: NovitaDouble;
  let proxy: CountingProxy;
  let dir: string;
  let sampleUrl: string;
  let n = 0;
  const saved: Partial<Record<(typeof ENV_NAMES)[number], string>> = {};
  const clients: NovitaClient[] = [];

  const client = (proxyConfig: ProxyConfig | undefined, over: Partial<NovitaClientOptions> = {}) => {
    const c = new NovitaClient({ baseUrl: double.baseUrl, apiKey: KEY, timeoutMs: 3000, retry: { baseDelayMs: 5 }, proxy: proxyConfig, ...over });
    clients.push(c);
    return c;
  };
  const cloneAndDownload = async (c: NovitaClient) => {
    const result = await c.cloneVoice({ audioUrl: sampleUrl, input: 'Through the proxy.', voiceName: `proxy-voice-${++n}` });
    return c.downloadAudio(result.audioUrl, join(dir, `p${n}.wav`));
  };

  suiteSetup(async () => {
    for (const k of ENV_NAMES) saved[k] = process.env[k];
    double = new NovitaDouble({ apiKey: KEY, publicHost: '127.0.0.2' });
    await double.start();
    sampleUrl = double.addFile('/sample.wav', pcmToWav(synthesizePcm('a sample')), 'audio/wav');
    proxy = new CountingProxy();
    await proxy.start();
    dir = mkdtempSync(join(tmpdir(), 'gvc-proxy-'));
  });
  suiteTeardown(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await proxy.stop();
    await double.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  setup(() => {
    for (const k of ENV_NAMES) delete process.env[k];
    proxy.clear();
    double.clearRequests();
  });
  teardown(() => {
    for (const k of ENV_NAMES) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  test('an explicit proxy (http.proxy) carries the clone and the preview download; the key only on the API call', async () => {
    const c = client({ url: proxy.url, strictSSL: true });
    const saved = await cloneAndDownload(c);
    assert.ok(saved.bytes > 44);
    const viaProxy = proxy.to('127.0.0.2');
    assert.deepEqual(viaProxy.map((f) => `${f.method} ${f.path}`), [
      'POST /v3/glm-tts-voice-clone',
      `GET ${new URL(double.requests.find((r) => r.route === 'audio')!.path, double.baseUrl).pathname}`,
    ]);
    assert.equal(viaProxy[0].hadAuthorization, true);
    assert.equal(viaProxy[1].hadAuthorization, false, 'the download never carries the key');
    assert.equal(double.requests.length, 2, 'the double saw exactly what the proxy forwarded');
  });

  test('a NO_PROXY entry in the configuration (http.noProxy) sends the request direct: the proxy forwards nothing', async () => {
    // Direct, 127.0.0.2 has no listener (the double is on 127.0.0.1): the refusal proves the proxy was bypassed.
    const c = client({ url: proxy.url, noProxy: 'example.com,127.0.0.2' });
    await assert.rejects(c.synthesize({ input: 'direct', voice: 'jam', format: 'pcm' }), coreError('network', /127\.0\.0\.2/));
    assert.equal(proxy.forwarded.length, 0);
    assert.equal(double.requests.length, 0);
  });

  test('loopback by name (127.0.0.1, localhost) never goes through the proxy, as in VS Code', async () => {
    const direct = new NovitaDouble({ apiKey: KEY });
    const base = await direct.start();
    try {
      for (const url of [base, base.replace('127.0.0.1', 'localhost')]) {
        const c = client({ url: proxy.url }, { baseUrl: url });
        await c.synthesize({ input: 'loopback', voice: 'jam', format: 'pcm' });
      }
      assert.equal(proxy.forwarded.length, 0);
      assert.equal(direct.requests.length, 2);
    } finally {
      await direct.stop();
    }
  });

  test('HTTP_PROXY from the environment is used when no proxy is configured', async () => {
    process.env.HTTP_PROXY = proxy.url;
    await cloneAndDownload(client({ useEnv: true }));
    assert.equal(proxy.to('127.0.0.2').length, 2);
  });

  test('HTTPS_PROXY alone is used for http too (as VS Code does), and https goes through a CONNECT tunnel', async () => {
    process.env.HTTPS_PROXY = proxy.url;
    await client({ useEnv: true }).synthesize({ input: 'via https_proxy', voice: 'jam', format: 'pcm' });
    assert.deepEqual(proxy.to('127.0.0.2').map((f) => f.method), ['POST']);
    proxy.clear();
    // https to the plain-http double: the handshake fails, but only after the proxy opened the tunnel.
    const tls = client({ useEnv: true }, { baseUrl: double.baseUrl.replace('http:', 'https:') });
    await assert.rejects(tls.synthesize({ input: 'tunnel', voice: 'jam', format: 'pcm' }), coreError('network'));
    assert.ok(proxy.forwarded.some((f) => f.method === 'CONNECT' && f.target === `127.0.0.2:${new URL(double.baseUrl).port}`), JSON.stringify(proxy.forwarded));
  });

  test('NO_PROXY from the environment (host, host:port, *) bypasses the proxy', async () => {
    process.env.HTTP_PROXY = proxy.url;
    const port = new URL(double.baseUrl).port;
    for (const value of ['127.0.0.2', `127.0.0.2:${port}`, '*']) {
      process.env.NO_PROXY = value;
      const c = client({ useEnv: true });
      await assert.rejects(c.synthesize({ input: 'direct', voice: 'jam', format: 'pcm' }), coreError('network'), value);
      assert.equal(proxy.forwarded.length, 0, `NO_PROXY=${value}`);
    }
    // A NO_PROXY entry for another host or port does not bypass it.
    process.env.NO_PROXY = `example.com,127.0.0.2:${Number(port) + 1}`;
    await client({ useEnv: true }).synthesize({ input: 'proxied', voice: 'jam', format: 'pcm' });
    assert.equal(proxy.forwarded.length, 1);
  });

  test('a configured noProxy replaces NO_PROXY from the environment (VS Code ignores the variable when http.noProxy is set)', async () => {
    process.env.NO_PROXY = '127.0.0.2';
    await client({ url: proxy.url, noProxy: 'example.com' }).synthesize({ input: 'config wins', voice: 'jam', format: 'pcm' });
    assert.equal(proxy.forwarded.length, 1);
  });

  test('without useEnv the environment is ignored; an explicit proxy beats HTTP_PROXY', async () => {
    process.env.HTTP_PROXY = 'http://127.0.0.1:9';
    // useEnv false: direct to 127.0.0.2, refused.
    await assert.rejects(client({}).synthesize({ input: 'x', voice: 'jam', format: 'pcm' }), coreError('network'));
    assert.equal(proxy.forwarded.length, 0);
    await client({ url: proxy.url, useEnv: true }).synthesize({ input: 'explicit', voice: 'jam', format: 'pcm' });
    assert.equal(proxy.forwarded.length, 1);
  });

  test('http.proxyStrictSSL: a self-signed API host behind the proxy is refused when strict, reached when not', async function () {
    // A throwaway self-signed certificate for 127.0.0.2 (openssl is part of the base system; skip where it is not).
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.2', '-addext', 'subjectAltName=IP:127.0.0.2', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
    if (gen.status !== 0) this.skip();
    const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'audio/pcm' }).end(Buffer.alloc(480));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `https://127.0.0.2:${(server.address() as AddressInfo).port}`;
    try {
      await assert.rejects(client({ url: proxy.url, strictSSL: true }, { baseUrl: base }).synthesize({ input: 'strict', voice: 'jam', format: 'pcm' }), (e: unknown) => {
        const { message } = said(e, 'network');
        assert.match(message, /SELF_SIGNED|CERT|certificate/i);
        assert.match(message, /http\.proxyStrictSSL/, 'the message says what to do');
        return true;
      });
      const pcm = await client({ url: proxy.url, strictSSL: false }, { baseUrl: base }).synthesize({ input: 'lenient', voice: 'jam', format: 'pcm' });
      assert.equal(pcm.length, 480);
      assert.equal(proxy.forwarded.filter((f) => f.method === 'CONNECT').length, 2, 'both went through the proxy’s tunnel');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  test('an unreachable proxy is reported as a network failure naming the API host, without the key', async () => {
    const c = client({ url: 'http://127.0.0.1:9' });
    await assert.rejects(c.synthesize({ input: 'x', voice: 'jam', format: 'pcm' }), (e: unknown) => {
      const { message, error, problem } = said(e, 'network');
      assert.equal(`${message} ${error.message} ${JSON.stringify(problem)}`.includes(KEY), false);
      return true;
    });
  });
});
