// The extension's dist/undici.js is not the undici package but the part of it the core uses (scripts/undici-bundle.mjs):
// built here as esbuild.mjs builds it, it must export every undici name src/ reaches for and behave as the package
// does for what the core sends: requests with string and byte bodies, through an Agent or the proxy agent, with
// undici's error codes (src/core/http/network.ts classifies failures by them). The unit tests and the CLI load the
// package itself, and the in-editor suite runs too rarely to be the only check.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';

const ROOT = join(__dirname, '..', '..', '..');

type Bundle = typeof import('undici');

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The names src/ takes from `undici()`: `undici().request`, `const { Agent, EnvHttpProxyAgent } = undici()`. */
function namesUsed(): Set<string> {
  const used = new Set<string>();
  for (const file of sources(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bundici\(\)\)?\.(\w+)/g)) used.add(m[1]);
    for (const m of text.matchAll(/\bconst\s*\{([^{}]+)\}\s*=\s*undici\(\)/g)) for (const n of m[1].split(',')) used.add(n.trim().split(/\s*:/)[0]);
  }
  return used;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

suite('undici bundle (the extension’s dist/undici.js, as esbuild.mjs builds it)', function () {
  this.timeout(30_000);
  let dir: string;
  let bundlePath: string;
  let u: Bundle;
  let noFormData: string;
  let origin: string;
  let proxyUrl: string;
  const proxied: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (s: string) => (body += s));
    req.on('end', () => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, body, type: req.headers['content-type'] ?? null }));
    });
  });
  // A plain HTTP proxy: takes absolute-form requests (proxyTunnel false, as src/core/http/dispatcher.ts asks).
  const proxy = createServer((req, res) => {
    proxied.push(req.url ?? '');
    const target = new URL(req.url ?? '/');
    const out = httpRequest({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers, agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(out);
  });

  suiteSetup(async function () {
    dir = mkdtempSync(join(tmpdir(), 'gvc-undici-bundle-'));
    bundlePath = join(dir, 'undici.js');
    const { UNDICI_ENTRY, undiciCuts, NO_FORM_DATA, writeLlhttpWasm } = await import('../../../scripts/undici-bundle.mjs');
    noFormData = NO_FORM_DATA;
    await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: [UNDICI_ENTRY],
      outfile: bundlePath,
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
      legalComments: 'none',
      plugins: [undiciCuts],
    });
    writeLlhttpWasm(dir);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    u = require(bundlePath) as Bundle;
    origin = await listen(server);
    proxyUrl = await listen(proxy);
  });
  suiteTeardown(async () => {
    for (const s of [server, proxy]) {
      s.closeAllConnections();
      s.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('it exports every undici name src/ uses, and reads one HTTP parser from beside it', () => {
    const used = namesUsed();
    assert.ok(used.has('request') && used.has('Agent') && used.has('EnvHttpProxyAgent'), `found ${[...used].join(', ')}`);
    const bundle = u as unknown as Record<string, unknown>;
    assert.deepEqual([...used].filter((n) => typeof bundle[n] !== 'function'), []);
    // "\0asm" in base64: the package has its WebAssembly parser twice (with SIMD and without), the bundle not at all.
    assert.equal(readFileSync(bundlePath, 'utf8').split('AGFzbQ').length - 1, 0);
    assert.equal(readFileSync(join(dir, 'llhttp.wasm')).subarray(0, 4).toString('latin1'), '\0asm');
  });

  test('requests through an Agent: GET, a JSON string body, a byte body; the body readers work', async () => {
    const agent = new u.Agent();
    try {
      const get = await u.request(`${origin}/a?b=1`, { dispatcher: agent });
      assert.equal(get.statusCode, 200);
      assert.equal(get.headers['content-type'], 'application/json');
      assert.deepEqual(await get.body.json(), { method: 'GET', url: '/a?b=1', body: '', type: null });
      const post = await u.request(`${origin}/json`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'héllo' }) });
      assert.deepEqual(JSON.parse(await post.body.text()), { method: 'POST', url: '/json', body: '{"text":"héllo"}', type: 'application/json' });
      const bytes = await u.request(`${origin}/bytes`, { method: 'PUT', dispatcher: agent, body: Buffer.from('raw bytes') });
      const answer = JSON.parse(Buffer.from(await bytes.body.arrayBuffer()).toString('utf8')) as { body: string };
      assert.equal(answer.body, 'raw bytes');
      const head = await u.request(`${origin}/h`, { method: 'HEAD', dispatcher: agent });
      await head.body.dump();
      assert.equal(head.statusCode, 200);
    } finally {
      await agent.close();
    }
  });

  test('requests through the proxy agent go to the proxy as absolute-form requests', async () => {
    const agent = new u.EnvHttpProxyAgent({ httpProxy: proxyUrl, httpsProxy: proxyUrl, noProxy: '', proxyTunnel: false });
    try {
      proxied.length = 0;
      const res = await u.request(`${origin}/via`, { method: 'POST', body: 'x', dispatcher: agent });
      assert.equal(((await res.body.json()) as { url: string }).url, '/via');
      assert.deepEqual(proxied, [`${origin}/via`]);
    } finally {
      await agent.close();
    }
  });

  test('failures carry undici’s and Node’s codes: refused, headers timeout', async () => {
    const closed = createServer();
    const deadOrigin = await listen(closed);
    await new Promise((r) => closed.close(r));
    const agent = new u.Agent({ headersTimeout: 200 });
    try {
      await assert.rejects(u.request(`${deadOrigin}/`, { dispatcher: agent }), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
      await assert.rejects(u.request(`${origin}/slow`, { dispatcher: agent }), (e: NodeJS.ErrnoException) => e.code === 'UND_ERR_HEADERS_TIMEOUT');
    } finally {
      await agent.destroy();
    }
  });

  test('a FormData body, which the core never sends, fails with an error that says why', async () => {
    const agent = new u.Agent();
    try {
      const form = new FormData();
      form.append('a', 'b');
      await assert.rejects(u.request(`${origin}/form`, { method: 'POST', body: form as never, dispatcher: agent }), (e: Error) => e.message === noFormData);
    } finally {
      await agent.destroy();
    }
  });

  test('packed as in the .vsix (llhttp.wasm.br, the bundle brotli-packed behind its loader), a request goes through', async () => {
    const { brotli, packBundle } = await import('../../../scripts/packed-bundles.mjs');
    const packed = mkdtempSync(join(tmpdir(), 'gvc-undici-packed-'));
    try {
      copyFileSync(bundlePath, join(packed, 'undici.js'));
      packBundle(join(packed, 'undici.js'));
      writeFileSync(join(packed, 'llhttp.wasm.br'), brotli(readFileSync(join(dir, 'llhttp.wasm'))));
      assert.deepEqual(readdirSync(packed).sort(), ['llhttp.wasm.br', 'undici.js', 'undici.js.br']);
      // In a process of its own, as the extension host loads it (asynchronously: this process's server answers).
      const script = `require(${JSON.stringify(join(packed, 'undici.js'))}).request(${JSON.stringify(`${origin}/packed`)}).then((r) => r.body.json()).then((j) => process.stdout.write(j.url))`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script]);
      assert.equal(stdout, '/packed');
    } finally {
      rmSync(packed, { recursive: true, force: true });
    }
  });
});
