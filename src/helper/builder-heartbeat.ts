import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { Logger } from 'pino';

/**
 * A helper must not outlive its builder: SIGKILL, a lost engine connection
 * or a removed builder container leave no code that could remove it. So the
 * helper's first process watches its builder (in the spirit of
 * testcontainers' reaper, without a second container): the builder keeps its
 * stdin attached and writes a line every `intervalMs`; the process ends on
 * EOF (the connection closed: the engine closes a StdinOnce stdin when its
 * client goes) or when no line came for `timeoutSeconds` (a half-open TCP
 * connection, a frozen builder). The container then stops and the engine's
 * AutoRemove deletes it. No host name or PID is involved, so this holds
 * across PID namespaces and remote engines.
 *
 * timeoutSeconds is longer than the output lock's stale time (20 s): a
 * builder that stalls loses its lock before it loses its helper, and the
 * helper is gone well within a minute.
 */
export const HEARTBEAT = { intervalMs: 5_000, timeoutSeconds: 40 } as const;

/** The helper container's command (bash: dash's `read` has no time limit). */
export function watchBuilderCommand(timeoutSeconds: number = HEARTBEAT.timeoutSeconds): string[] {
  return ['bash', '-c', `while IFS= read -r -t ${timeoutSeconds} _; do :; done`];
}

/** What the container needs for the watch: a stdin that closes when the builder's attach ends. */
export const WATCHED_STDIN = { AttachStdin: true, OpenStdin: true, StdinOnce: true } as const;

export interface BuilderHeartbeat {
  /** The helper is being removed: its connection closing is no news. */
  expectClose(): void;
  /** Ends the heartbeat and the connection; the helper stops itself. */
  stop(): void;
}

/**
 * Attaches to the helper's stdin (before it starts, so no builder death goes
 * unseen) and starts the heartbeat. Neither the socket nor the timer keeps
 * the builder process alive.
 */
export async function attachHeartbeat(container: Docker.Container, logger: Logger): Promise<BuilderHeartbeat> {
  const stream = (await container.attach({ stream: true, stdin: true, hijack: true })) as Duplex & { unref?: () => void };
  let stopped = false;
  let closing = false;
  stream.on('error', (error: Error) => {
    if (!closing) logger.debug({ err: error }, 'helper attach connection failed');
  });
  stream.on('close', () => {
    if (!closing) logger.warn('the attach connection to the helper closed: the helper stops itself, and the next engine call fails');
  });
  stream.unref?.();
  const timer = setInterval(() => {
    if (!stream.destroyed) stream.write('\n');
  }, HEARTBEAT.intervalMs);
  timer.unref();
  return {
    expectClose() {
      closing = true;
    },
    stop() {
      if (stopped) return;
      stopped = closing = true;
      clearInterval(timer);
      stream.destroy();
    },
  };
}
