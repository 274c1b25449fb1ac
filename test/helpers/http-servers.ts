import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface RunningServer {
  url: string;
  port: number;
  /** Request counts by outcome. */
  stats: Record<string, number>;
  close(): Promise<void>;
}

async function listen(server: http.Server, stats: Record<string, number>): Promise<RunningServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves a directory read-only on 127.0.0.1 (the helper uses host networking, so it sees it). */
export async function serveDirectory(root: string): Promise<RunningServer> {
  const stats: Record<string, number> = { ok: 0, missing: 0 };
  const server = http.createServer(async (req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(root, path.normalize(urlPath));
    const info = file.startsWith(root) ? await stat(file).catch(() => undefined) : undefined;
    if (!info?.isFile()) {
      stats.missing!++;
      res.writeHead(404).end('not found');
      return;
    }
    stats.ok!++;
    res.writeHead(200, { 'content-length': info.size, 'last-modified': info.mtime.toUTCString() });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return listen(server, stats);
}

/** The value of a Basic `Authorization` or `Proxy-Authorization` header for these credentials. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/**
 * A forward HTTP proxy that fails a share of requests: HTTP 503 or a dropped
 * connection, chosen by a seeded generator so runs are repeatable. Only
 * forwards to the hosts it is given (the Debian mirror, local repos). With
 * `credentials`, a request without the matching Basic Proxy-Authorization
 * gets 407 (stats: authorized / status407). The proxy's own headers are
 * never passed upstream.
 */
export async function startFlakyProxy(options: {
  failShare: number;
  seed: number;
  allowHosts: string[];
  /** Requests [from, from + count) all fail: an outage longer than the tools' own retries. */
  outage?: { from: number; count: number };
  /** Required of every request, as clients send them after decoding the proxy URL's userinfo. */
  credentials?: { user: string; password: string };
}): Promise<RunningServer> {
  const stats: Record<string, number> = { forwarded: 0, status503: 0, dropped: 0, refused: 0, requests: 0, authorized: 0, status407: 0 };
  const expected = options.credentials && basicAuth(options.credentials.user, options.credentials.password);
  let state = options.seed >>> 0;
  const random = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const server = http.createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (expected !== undefined) {
      if (req.headers['proxy-authorization'] !== expected) {
        stats.status407!++;
        res.writeHead(407, { 'proxy-authenticate': 'Basic realm="fuel-image-test"' }).end('proxy credentials required');
        return;
      }
      stats.authorized!++;
    }
    const { 'proxy-authorization': _auth, 'proxy-connection': _connection, ...headers } = req.headers;
    if (target.protocol !== 'http:' || !options.allowHosts.includes(target.hostname)) {
      stats.refused!++;
      res.writeHead(403).end('not an allowed host');
      return;
    }
    const n = stats.requests!++;
    const inOutage = options.outage !== undefined && n >= options.outage.from && n < options.outage.from + options.outage.count;
    const roll = inOutage ? 0 : random();
    if (roll < options.failShare / 2) {
      stats.status503!++;
      res.writeHead(503).end('flaky proxy says no');
      return;
    }
    if (roll < options.failShare) {
      stats.dropped!++;
      req.socket.destroy();
      return;
    }
    stats.forwarded!++;
    const upstream = http.request(
      { host: target.hostname, port: target.port || 80, path: target.pathname + target.search, method: req.method, headers: { ...headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.setTimeout(60_000, () => upstream.destroy());
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return listen(server, stats);
}
