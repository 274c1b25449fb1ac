import net from 'node:net';

/**
 * A unix socket relaying to the real engine's socket, which a test can cut
 * to simulate an engine that goes away in the middle of a build.
 */
export async function startSocketRelay(listenPath: string, enginePath = '/var/run/docker.sock'): Promise<{ cut(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const engine = net.connect(enginePath);
    sockets.add(client).add(engine);
    client.pipe(engine).pipe(client);
    const close = () => {
      client.destroy();
      engine.destroy();
    };
    client.on('error', close).on('close', close);
    engine.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(listenPath, resolve));
  return {
    cut: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
