import { FuelImageError } from '../errors.js';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * Gives errors from dockerode a stable code and a first line a person can
 * act on; FuelImageErrors pass through unchanged.
 */
export function toEngineError(error: unknown): unknown {
  if (error instanceof FuelImageError || !(error instanceof Error)) return error;
  const { code, statusCode } = error as NodeJS.ErrnoException & { statusCode?: number };
  // DOCKER_HOST=ssh://: the ssh process carrying the connection ended (ssh-dial.ts); its message says how.
  if (code === 'ERR_SSH_DIAL') return new FuelImageError('ENGINE_UNREACHABLE', `lost the connection to the Docker engine: ${error.message}`, { cause: error });
  if ((code && CONNECTION_CODES.has(code)) || /socket hang up/i.test(error.message))
    return new FuelImageError('ENGINE_UNREACHABLE', `lost the connection to the Docker engine (${code ?? error.message}): is dockerd running?`, { cause: error });
  if (typeof statusCode === 'number')
    return new FuelImageError('STEP_FAILED', `the Docker engine refused a request (HTTP ${statusCode}): ${error.message.replace(/^\(HTTP code \d+\)\s*/, '')}`, { cause: error });
  return error;
}
