import { FuelImageError } from '../errors.js';
import type { ExecResult } from './exec-command.js';

/**
 * Network steps run under coreutils `timeout`, which signals the whole
 * process group (apt's download methods included): a stalled mirror then
 * fails the attempt, and the retry starts a fresh one instead of hanging
 * until Astute's 3600 s timeout.
 */
export const ATTEMPT_TIMEOUT_SECONDS = {
  bootstrap: 1800,
  update: 600,
  download: 1800,
} as const;

export function withTimeout(seconds: number, argv: string[]): string[] {
  return ['timeout', '--kill-after=30', String(seconds), ...argv];
}

/** `timeout` exits 124 when the time ran out (137 if the kill was needed). */
export function classifyTimeout(result: ExecResult, what: string, seconds: number): FuelImageError | undefined {
  if (result.exitCode !== 124 && result.exitCode !== 137) return undefined;
  return new FuelImageError('NETWORK', `${what}: no result after ${seconds} s (stalled mirror or proxy?)`, { details: { timeout: seconds } });
}
