import Docker from 'dockerode';
import { FuelImageError } from '../errors.js';
import { bindEngineLimits, engineAddress, type EngineLimits } from './engine-watch.js';

export interface ConnectOptions {
  /** The build's abort signal: Engine API calls in flight when it fires are abandoned. */
  signal?: AbortSignal;
  limits?: Partial<EngineLimits>;
}

/**
 * dockerode reads DOCKER_HOST (unix socket, tcp, ssh) like the docker CLI,
 * so a builder inside Fuel's MCollective container or against a remote
 * engine needs no extra option. Every call of the client is time-limited
 * (engine-watch.ts); the first is a ping.
 */
export async function connectDocker(options: ConnectOptions = {}): Promise<Docker> {
  const where = engineAddress();
  const docker = bindEngineLimits(new Docker(), { address: where, signal: options.signal, limits: options.limits });
  try {
    await docker.ping();
  } catch (error) {
    if (error instanceof FuelImageError) throw error;
    throw new FuelImageError('ENGINE_UNREACHABLE', `cannot reach the Docker engine at ${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return docker;
}
