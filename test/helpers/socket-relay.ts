import net from 'node:net';
import tls from 'node:tls';

export interface Relay {
  /** Connections accepted (for TLS: those whose handshake and client certificate passed). */
  connections: number;
  /** For TLS: handshakes refused (no or untrusted client certificate), with the reason. */
  refused: string[];
  /** For tcp and TLS: the port on 127.0.0.1. */
  port: number;
  /** Closes every connection and stops listening. */
  cut(): Promise<void>;
}

/** Pipes `client` to a new connection to the engine's unix socket, both ways; either end closing closes both. */
function relayTo(enginePath: string, client: net.Socket, sockets: Set<net.Socket>): void {
  const engine = net.connect(enginePath);
  sockets.add(client).add(engine);
  client.pipe(engine).pipe(client);
  const close = () => {
    client.destroy();
    engine.destroy();
    sockets.delete(client);
    sockets.delete(engine);
  };
  client.on('error', close).on('close', close);
  engine.on('error', close).on('close', close);
}

async function serve(server: net.Server, sockets: Set<net.Socket>, listen: (done: () => void) => void, stats: Omit<Relay, 'cut' | 'port'>): Promise<Relay> {
  await new Promise<void>((resolve) => listen(resolve));
  const address = server.address();
  const relay: Relay = {
    get connections() {
      return stats.connections;
    },
    refused: stats.refused,
    port: typeof address === 'object' && address ? address.port : 0,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return relay;
}

/**
 * A unix socket relaying to the real engine's socket, which a test can cut
 * to simulate an engine that goes away in the middle of a build.
 */
export async function startSocketRelay(listenPath: string, enginePath = '/var/run/docker.sock'): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const stats = { connections: 0, refused: [] as string[] };
  const server = net.createServer((client) => {
    stats.connections++;
    relayTo(enginePath, client, sockets);
  });
  return serve(server, sockets, (done) => server.listen(listenPath, done), stats);
}

/** The engine on a TCP port of 127.0.0.1 (a second listener, as `dockerd -H tcp://...` would be), for DOCKER_HOST=tcp://127.0.0.1:PORT. */
export async function startTcpRelay(enginePath = '/var/run/docker.sock'): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const stats = { connections: 0, refused: [] as string[] };
  const server = net.createServer((client) => {
    stats.connections++;
    relayTo(enginePath, client, sockets);
  });
  return serve(server, sockets, (done) => server.listen(0, '127.0.0.1', done), stats);
}

export interface TlsRelayOptions {
  /** The server's certificate and key (PEM). */
  cert: Buffer;
  key: Buffer;
  /** The CA client certificates must be signed by (PEM). */
  ca: Buffer;
}

/**
 * The engine over TLS on 127.0.0.1, as `dockerd --tlsverify` serves it: a
 * client certificate signed by `ca` is required, anything else is refused in
 * the handshake.
 */
export async function startTlsRelay(options: TlsRelayOptions, enginePath = '/var/run/docker.sock'): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const stats = { connections: 0, refused: [] as string[] };
  const server = tls.createServer({ ...options, requestCert: true, rejectUnauthorized: true }, (client) => {
    stats.connections++;
    relayTo(enginePath, client, sockets);
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException) => stats.refused.push(error.code ?? error.message));
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return serve(server, sockets, (done) => server.listen(0, '127.0.0.1', done), stats);
}
