import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import lockfile from 'proper-lockfile';
import { abortedError, FuelImageError } from '../errors.js';

export const LOCK_NAME = '.fuel-image.lock';
/** The holder's random token, inside the lock directory. */
export const OWNER_NAME = 'owner';
/** A lock whose holder stopped refreshing it this long ago (SIGKILL, lost host) is taken over. */
const STALE_MS = 20_000;

export interface OutputLock {
  /**
   * Throws OUTPUT unless this build still holds the lock: its token is in the
   * lock directory and proper-lockfile never found the lock taken over.
   * Called right before publishing.
   */
  assertHeld(): Promise<void>;
  /** Releases the lock; a lock another build took over is left to it. */
  release(): Promise<void>;
}

export interface LockOptions {
  waitSeconds: number;
  logger: Logger;
  signal: AbortSignal;
  /** For tests: how long an unrefreshed lock takes to go stale (proper-lockfile's minimum is 2000). */
  staleMs?: number;
}

/**
 * One build at a time per output directory. A second build waits (up to
 * `waitSeconds`, then fails clearly) and, once it holds the lock, sees the
 * first build's result: usually "up to date". proper-lockfile keeps the
 * lock's mtime fresh, so a crashed holder's lock goes stale by itself.
 *
 * A holder that stalls past the stale time (a stopped process, a frozen VM)
 * loses the lock to the next build. It must then publish nothing: the lock
 * directory holds the holder's random token, and `assertHeld` checks it (and
 * proper-lockfile's compromise report) right before the renames.
 */
export async function lockOutput(output: string, options: LockOptions): Promise<OutputLock> {
  const staleMs = options.staleMs ?? STALE_MS;
  const lockDir = path.join(output, LOCK_NAME);
  const tokenFile = path.join(lockDir, OWNER_NAME);
  const token = randomBytes(16).toString('hex');
  const state: LockState = { held: false };
  const deadline = Date.now() + options.waitSeconds * 1000;
  let warned = false;
  for (;;) {
    if (options.signal.aborted) throw abortedError(options.signal);
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(output, {
        lockfilePath: lockDir,
        realpath: false,
        stale: staleMs,
        update: staleMs / 4,
        fs: lockFs(tokenFile, token, state),
        onCompromised: (error) => {
          state.compromised = error;
          options.logger.error({ err: error }, 'the output lock was taken over while building: this build will publish nothing');
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (Date.now() > deadline)
        throw new FuelImageError('OUTPUT', `output directory ${output} is locked by another fuel-image build (waited ${options.waitSeconds} s; --lock-wait sets how long)`);
      if (!warned) options.logger.warn({ output }, 'another build is writing to this output directory: waiting for it');
      warned = true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    try {
      await writeToken(lockDir, tokenFile, token);
    } catch (error) {
      await release().catch(() => {});
      throw new FuelImageError('OUTPUT', `output directory ${output}: cannot write the lock's owner file: ${(error as Error).message}`, { cause: error });
    }
    state.held = true;
    const ours = async () => (await readFile(tokenFile, 'utf8').catch(() => undefined)) === token;
    return {
      assertHeld: async () => {
        if (state.compromised || !(await ours()))
          throw new FuelImageError('OUTPUT', `output directory ${output}: lost the output lock to another build (it was not refreshed for ${staleMs / 1000} s); nothing was published`, {
            cause: state.compromised,
          });
      },
      release: async () => {
        try {
          await release();
        } catch (error) {
          // Already released by proper-lockfile: the lock was compromised.
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'ERELEASED' && code !== 'ENOTACQUIRED') throw error;
        }
        // A compromised lock is not removed by proper-lockfile; if it is still ours, remove it.
        if (await ours()) await rm(lockDir, { recursive: true, force: true });
      },
    };
  }
}

/**
 * Runs `work`, the steps that write into the output directory (stream-out,
 * publish). If it fails and the lock turns out lost, the lost lock is thrown
 * (OUTPUT, "lost the output lock"), with the step's own error as its cause.
 *
 * Why: a build stalled past the stale time (a stopped process, a frozen VM)
 * is taken for a dead one by the build that takes its lock over, which
 * removes its staging directory (removeStaleStaging). Once resumed, the
 * stalled build's copy fails on the missing directory (ENOENT), and that
 * read as "lost the connection to the Docker engine": the wrong cause, and
 * a wrong hint. The publish step's own check (`assertHeld`) is never reached.
 */
export async function writeUnderLock<T>(lock: Pick<OutputLock, 'assertHeld'>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    try {
      await lock.assertHeld();
    } catch (lost) {
      if (!(lost instanceof FuelImageError)) throw error;
      throw new FuelImageError(lost.code, lost.message, { cause: error, details: { ...lost.details, lockLost: true } });
    }
    throw error;
  }
}

interface LockState {
  /** Set once our token is in the lock directory. */
  held: boolean;
  compromised?: Error;
}

/**
 * The token is written after proper-lockfile made the directory and took
 * its mtime as the lock's own; a new entry changes a directory's mtime, so
 * the old one is put back (else proper-lockfile's next refresh would think
 * the lock taken over).
 */
async function writeToken(lockDir: string, tokenFile: string, token: string): Promise<void> {
  const { mtime } = await stat(lockDir);
  await writeFile(tokenFile, token, { mode: 0o644 });
  await utimes(lockDir, mtime, mtime);
}

type Callback = (error: NodeJS.ErrnoException | null) => void;

/**
 * The filesystem proper-lockfile works through, with its directory removal
 * changed: the lock directory holds the token, so it is removed with what it
 * holds; and once we hold the lock, only while the token in it is still ours
 * (a build that lost its lock never removes the new holder's, neither when
 * it releases nor in proper-lockfile's exit handler). Taking over a stale
 * lock (before we hold one) removes it whoever made it.
 */
function lockFs(tokenFile: string, token: string, state: LockState) {
  const removeDir = (dir: string, callback: Callback) => fs.rm(dir, { recursive: true }, callback);
  return {
    ...fs,
    rmdir: (dir: string, callback: Callback) => {
      if (!state.held) return removeDir(dir, callback);
      fs.readFile(tokenFile, 'utf8', (error, content) => (error || content !== token ? callback(null) : removeDir(dir, callback)));
    },
    rmdirSync: (dir: string) => {
      if (state.held && fs.readFileSync(tokenFile, 'utf8') !== token) return;
      fs.rmSync(dir, { recursive: true });
    },
  };
}
