import Docker from 'dockerode';
import { FuelImageError } from '../errors.js';

/**
 * dockerode reads DOCKER_HOST (unix socket, tcp, ssh) like the docker CLI,
 * so a builder inside Fuel's MCollective container or against a remote
 * engine needs no extra option.
 */
export async function connectDocker(): Promise<Docker> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    const where = process.env.DOCKER_HOST ?? '/var/run/docker.sock';
    throw new FuelImageError('ENGINE_UNREACHABLE', `cannot reach the Docker engine at ${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return docker;
}
