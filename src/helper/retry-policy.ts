import pRetry, { AbortError } from 'p-retry';
import type { Logger } from 'pino';
import { abortedError, FuelImageError } from '../errors.js';

export interface RetryOptions {
  /** Attempts after the first; network steps only. */
  retries: number;
  /** First backoff in ms; doubles per attempt (capped at 60 s). */
  minTimeout: number;
}

/** Codes that retrying cannot fix: the input names something that is not there, or the engine's disk is full. */
const PERMANENT = new Set(['PACKAGE_NOT_FOUND', 'REPO_NOT_FOUND', 'REPO_EXPIRED', 'ABORTED', 'INVALID_SPEC', 'ENGINE_UNREACHABLE', 'ENGINE_DISK_FULL']);

/**
 * Retries a network step with exponential backoff. Each retry is logged with
 * its reason; permanent errors and interrupts are not retried.
 */
export async function retryStep<T>(
  name: string,
  attempt: (attemptNumber: number) => Promise<T>,
  options: { retry: RetryOptions; logger: Logger; signal: AbortSignal },
): Promise<T> {
  return pRetry(
    async (attemptNumber) => {
      try {
        return await attempt(attemptNumber);
      } catch (error) {
        if (error instanceof FuelImageError && PERMANENT.has(error.code)) throw new AbortError(error);
        throw error;
      }
    },
    {
      retries: options.retry.retries,
      minTimeout: options.retry.minTimeout,
      maxTimeout: 60_000,
      factor: 2,
      randomize: true,
      signal: options.signal,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0)
          options.logger.warn(
            { step: name, attempt: attemptNumber, retriesLeft, reason: firstLine(error.message) },
            `${name}: attempt ${attemptNumber} failed, retrying: ${firstLine(error.message)}`,
          );
      },
    },
  ).catch((error: unknown) => {
    // p-retry rethrows the signal's reason (a signal name); report it as ours.
    if (options.signal.aborted && !(error instanceof FuelImageError)) throw abortedError(options.signal);
    throw error;
  });
}

function firstLine(message: string): string {
  const lines = message.split('\n').filter((l) => l.trim());
  return lines.slice(-1)[0]?.slice(0, 300) ?? message;
}
