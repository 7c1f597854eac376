// When each request reached the double and when its answer was sent, on the machine's wall clock (sub-ms), so
// the extension host's and the webview's own timestamps can be lined up with what crossed the wire.
import type * as http from 'node:http';
import type { NovitaDouble } from '../../test/double/novitaDouble';

export interface Served {
  method: string;
  /** /audio/<id>.wav becomes /audio/*: one label for every preview. */
  path: string;
  start: number;
  end: number;
}

export const epochNow = () => performance.timeOrigin + performance.now();

/** Listens beside the double's own handler on its server (observation only; the double is not changed). */
export function tapDouble(double: NovitaDouble): Served[] {
  const server = (double as unknown as { server?: http.Server }).server;
  if (!server) throw new Error('start the double before tapping it');
  const log: Served[] = [];
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const start = epochNow();
    const path = new URL(req.url ?? '/', 'http://double').pathname.replace(/^\/audio\/.*/, '/audio/*');
    res.once('close', () => log.push({ method: req.method ?? '?', path, start, end: epochNow() }));
  });
  return log;
}

export function between(log: Served[], from: number, to: number): Served[] {
  return log.filter((s) => s.start >= from && s.start <= to).sort((a, b) => a.start - b.start);
}
