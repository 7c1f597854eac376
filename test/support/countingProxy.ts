// A forwarding HTTP proxy on 127.0.0.1 that counts what it forwarded: absolute-form requests (GET/POST
// http://host:port/path) and CONNECT tunnels. It only ever connects to loopback: every target host is reached
// at 127.0.0.1 on the port asked for, so a test can use a host name such as 127.0.0.2 (which clients do not
// exempt from a proxy) while the real server listens on 127.0.0.1.
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ForwardedRequest {
  method: string;
  /** host:port the client asked for. */
  target: string;
  /** Path and query (absolute-form requests); undefined for CONNECT. */
  path?: string;
  /** Whether an Authorization header travelled through the proxy (never its value). */
  hadAuthorization: boolean;
}

export class CountingProxy {
  readonly forwarded: ForwardedRequest[] = [];
  private server: http.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Forwarded requests whose target host (without port) is `host`. */
  to(host: string): ForwardedRequest[] {
    return this.forwarded.filter((f) => f.target.replace(/:\d+$/, '') === host);
  }

  clear(): void {
    this.forwarded.length = 0;
  }

  async start(): Promise<string> {
    const server = http.createServer((req, res) => this.forward(req, res));
    server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => this.tunnel(req, client, head));
    server.on('connection', (s: net.Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('absolute-form request expected');
      return;
    }
    if (url.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('only http: is forwarded without CONNECT');
      return;
    }
    const port = Number(url.port || 80);
    this.forwarded.push({ method: req.method ?? 'GET', target: `${url.hostname}:${port}`, path: url.pathname + url.search, hadAuthorization: req.headers.authorization !== undefined });
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: url.pathname + url.search, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('error', () => res.destroy());
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('upstream unreachable');
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  private tunnel(req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
    const [host, portText] = (req.url ?? '').split(/:(?=\d+$)/);
    const port = Number(portText);
    this.forwarded.push({ method: 'CONNECT', target: `${host}:${port}`, hadAuthorization: false });
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  }
}
