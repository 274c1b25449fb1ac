import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { execInContainer, type ExecResult } from '../docker/exec-in-container.js';
import { FuelImageError, type ErrorCode } from '../errors.js';
import { redactSecrets } from '../log/redact.js';

export interface StepContext {
  container: Docker.Container;
  logger: Logger;
  signal: AbortSignal;
}

export interface StepOptions {
  env?: string[];
  stdin?: string;
  /** Exit codes that count as success (default: 0 only). */
  okExitCodes?: number[];
  /** Lets a caller turn a known failure (missing package, 404) into a precise error. */
  classify?: (result: ExecResult) => FuelImageError | undefined;
  /** Log output lines at info rather than debug (long steps, so progress shows). */
  verbose?: boolean;
  /** Sees every output line as it arrives (e.g. to watch a serial console). */
  onLine?: (line: string) => void;
}

/**
 * One build step = one exec with an argument array. Logs its duration;
 * a failure becomes STEP_FAILED carrying the tail of the step's output.
 */
export async function runStep(context: StepContext, name: string, argv: string[], options: StepOptions = {}): Promise<ExecResult> {
  const { logger } = context;
  const started = performance.now();
  logger.debug({ step: name, argv: argv.map(redactSecrets) }, `${name}: start`);
  const result = await execInContainer(context.container, argv, {
    env: options.env,
    stdin: options.stdin,
    signal: context.signal,
    onLine: (stream, line) => {
      options.onLine?.(line);
      if (line.trim() === '') return;
      const level = options.verbose && stream === 'stdout' ? 'info' : 'debug';
      logger[level]({ step: name, stream }, redactSecrets(line));
    },
  });
  const seconds = Math.round(performance.now() - started) / 1000;
  const ok = (options.okExitCodes ?? [0]).includes(result.exitCode);
  logger.debug({ step: name, seconds, exitCode: result.exitCode }, `${name}: ${ok ? 'done' : 'failed'} in ${seconds}s`);
  if (ok) return result;
  const classified = options.classify?.(result);
  if (classified) throw classified;
  throw stepFailed(name, result);
}

export function stepFailed(name: string, result: ExecResult, code: ErrorCode = 'STEP_FAILED'): FuelImageError {
  const tail = redactSecrets(result.outputTail.trim().split('\n').slice(-12).join('\n'));
  return new FuelImageError(code, `step "${name}" failed (exit ${result.exitCode})${tail ? `:\n${tail}` : ''}`, {
    details: { step: name, exitCode: result.exitCode },
  });
}
