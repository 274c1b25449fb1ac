/**
 * One error class for everything fuel-image reports to its caller. `code` is
 * stable (callers and tests match on it); the message is short and human,
 * the first line a user reads; `cause` keeps the underlying error for logs.
 */
export type ErrorCode =
  | 'INVALID_SPEC'
  | 'USAGE'
  | 'ENGINE_UNREACHABLE'
  | 'BASE_IMAGE_MISSING'
  | 'HELPER_IMAGE_BUILD'
  | 'STEP_FAILED'
  | 'ENGINE_DISK_FULL'
  | 'NETWORK'
  | 'PACKAGE_NOT_FOUND'
  | 'REPO_NOT_FOUND'
  | 'REPO_EXPIRED'
  | 'OUTPUT'
  | 'VERIFY_FAILED'
  | 'ABORTED';

/** Exit codes are part of the documented CLI contract (README, --help). */
export const EXIT = {
  failed: 1,
  invalidInput: 2,
  sigint: 130,
  sigterm: 143,
} as const;

export interface FuelImageErrorOptions {
  cause?: unknown;
  /** Extra structured facts for the log and the JSON result line. */
  details?: Record<string, unknown>;
}

export class FuelImageError extends Error {
  override readonly name = 'FuelImageError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: FuelImageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** Any thrown value as an Error (a store's outcome is kept as a value, to be reported later). */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export function isFuelImageError(error: unknown): error is FuelImageError {
  return error instanceof FuelImageError;
}

/** Maps any thrown value to the process exit code (set in one place: cli.ts). */
export function exitCodeFor(error: unknown): number {
  if (!isFuelImageError(error)) return EXIT.failed;
  if (error.code === 'INVALID_SPEC' || error.code === 'USAGE') return EXIT.invalidInput;
  if (error.code === 'ABORTED') {
    return error.details.signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
  }
  return EXIT.failed;
}

/** The reason the CLI aborts with on SIGINT/SIGTERM: an error every step can rethrow as it is. */
export function interruptedBy(signal: 'SIGINT' | 'SIGTERM'): FuelImageError {
  return new FuelImageError('ABORTED', `interrupted by ${signal}`, { details: { signal } });
}

/** Throws ABORTED if the build's signal has fired; called between steps. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

/** The signal's reason when it is ours; any other abort (a test's, a library's) reads as SIGTERM. */
export function abortedError(signal: AbortSignal): FuelImageError {
  const reason: unknown = signal.reason;
  return reason instanceof FuelImageError && reason.code === 'ABORTED' ? reason : interruptedBy('SIGTERM');
}
