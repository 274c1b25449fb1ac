import path from 'node:path';
import type { Logger } from 'pino';
import lockfile from 'proper-lockfile';
import { abortedError, FuelImageError } from '../errors.js';

export const LOCK_NAME = '.fuel-image.lock';
/** A lock whose holder stopped refreshing it this long ago (SIGKILL, lost host) is taken over. */
const STALE_MS = 20_000;

/**
 * One build at a time per output directory. A second build waits (up to
 * `waitSeconds`, then fails clearly) and, once it holds the lock, sees the
 * first build's result: usually "up to date". proper-lockfile keeps the
 * lock's mtime fresh, so a crashed holder's lock goes stale by itself.
 */
export async function lockOutput(output: string, options: { waitSeconds: number; logger: Logger; signal: AbortSignal }): Promise<() => Promise<void>> {
  const deadline = Date.now() + options.waitSeconds * 1000;
  let warned = false;
  for (;;) {
    if (options.signal.aborted) throw abortedError(options.signal);
    try {
      return await lockfile.lock(output, {
        lockfilePath: path.join(output, LOCK_NAME),
        realpath: false,
        stale: STALE_MS,
        update: STALE_MS / 4,
        onCompromised: (error) => options.logger.error({ err: error }, 'the output lock was taken over while building'),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (Date.now() > deadline)
        throw new FuelImageError('OUTPUT', `output directory ${output} is locked by another fuel-image build (waited ${options.waitSeconds} s; --lock-wait sets how long)`);
      if (!warned) options.logger.warn({ output }, 'another build is writing to this output directory: waiting for it');
      warned = true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
