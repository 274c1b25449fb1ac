import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';

/**
 * A Docker engine on a unix socket that misbehaves as a test tells it to:
 * - `silent`: accepts connections and never answers anything;
 * - `ping-only`: answers /_ping, hangs on every other request;
 * - `hangs-exec`: enough of the Engine API for a helper container to start
 *   (ping, the key secret's volume, list containers, info, create, start,
 *   exec create), then an exec
 *   whose output never comes and a removal that is never answered.
 * `requests` lists "METHOD /path" of every request it got, in order.
 */
export type FakeEngineMode = 'silent' | 'ping-only' | 'hangs-exec';

export interface FakeEngine {
  /** For DOCKER_HOST. */
  url: string;
  requests: string[];
  close(): Promise<void>;
}

const CONTAINER_ID = 'f'.repeat(64);
const EXEC_ID = 'e'.repeat(64);

export async function startFakeEngine(socketPath: string, mode: FakeEngineMode): Promise<FakeEngine> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const url = (req.url ?? '').replace(/^\/v[\d.]+/, '').split('?')[0]!;
    requests.push(`${req.method} ${url}`);
    if (url === '/_ping') return void res.end('OK');
    if (mode === 'ping-only') return;
    if (req.method === 'GET' && url === '/containers/json') return json(res, 200, []);
    // The build key's secret, kept on the engine (src/helper/key-secret.ts).
    if (req.method === 'GET' && url === '/volumes/fuel-image-state')
      return json(res, 200, { Name: 'fuel-image-state', Labels: { 'org.openstack.fuel-image.key-secret': 'a'.repeat(64) } });
    if (req.method === 'GET' && url === '/info') return json(res, 200, { SecurityOptions: ['name=seccomp,profile=builtin'] });
    if (req.method === 'POST' && url === '/containers/create') return json(res, 201, { Id: CONTAINER_ID, Warnings: [] });
    if (req.method === 'POST' && url.endsWith('/start') && url.startsWith('/containers/')) return void res.writeHead(204).end();
    if (req.method === 'POST' && url.endsWith('/exec')) return json(res, 201, { Id: EXEC_ID });
    // Everything else (the removal above all) is never answered.
  };
  const server =
    mode === 'silent'
      ? net.createServer((socket) => {
          requests.push('(connection)');
          socket.on('data', () => {});
        })
      : createHttpServer(answer);
  // The exec's output stream: switched to a raw stream, then nothing.
  server.on('upgrade', (req: IncomingMessage, socket: net.Socket) => {
    requests.push(`${req.method} ${(req.url ?? '').replace(/^\/v[\d.]+/, '').split('?')[0]}`);
    socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    url: `unix://${socketPath}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
