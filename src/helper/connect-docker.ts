import Docker from 'dockerode';
import { FuelImageError } from '../errors.js';
import { connectionHint, engineOptions } from './engine-options.js';
import { bindEngineLimits, engineAddress, type EngineLimits } from './engine-watch.js';

export interface ConnectOptions {
  /** The build's abort signal: Engine API calls in flight when it fires are abandoned. */
  signal?: AbortSignal;
  limits?: Partial<EngineLimits>;
  /**
   * Where DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and the ssh settings are read (default: the
   * process's environment; with DOCKER_HOST unset, dockerode's default reads the process's).
   */
  env?: NodeJS.ProcessEnv;
}

/**
 * Connects to the engine DOCKER_HOST names, as the docker CLI would: a unix
 * socket, tcp (TLS with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH) or ssh
 * (engine-options.ts), so a builder inside Fuel's MCollective container or
 * against a remote engine needs no extra option. Every call of the client is
 * time-limited (engine-watch.ts); the first is a ping, and its failure
 * (ENGINE_UNREACHABLE) names the engine, without credentials, and the cause.
 */
export async function connectDocker(options: ConnectOptions = {}): Promise<Docker> {
  const env = options.env ?? process.env;
  const where = engineAddress(env);
  let client: Docker;
  try {
    client = new Docker(engineOptions(env));
  } catch (error) {
    if (error instanceof FuelImageError) throw error;
    throw new FuelImageError('ENGINE_UNREACHABLE', `cannot use the Docker engine at ${where}: ${(error as Error).message}`, { cause: error, details: { engine: where } });
  }
  const docker = bindEngineLimits(client, { address: where, signal: options.signal, limits: options.limits });
  try {
    await docker.ping();
  } catch (error) {
    if (error instanceof FuelImageError) throw error;
    throw new FuelImageError('ENGINE_UNREACHABLE', `cannot reach the Docker engine at ${where}: ${describeError(error)}${connectionHint(error, env)}`, {
      cause: error,
      details: { engine: where },
    });
  }
  return docker;
}

/** An error's message on one line; OpenSSL's ("...:SSL routines:ssl3_get_record:wrong version number:...") reduced to its reason. */
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1];
  return ssl ? `TLS error: ${ssl}` : message.replace(/\s*\n\s*/g, ' ').trim();
}
