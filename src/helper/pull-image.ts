import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { FuelImageError } from '../errors.js';

/**
 * True when an image reference names its registry, as Docker reads one: the
 * part before the first "/" has a "." or a ":" (a host or host:port), or is
 * "localhost". Only such a base is pulled when missing: a bare name would go
 * to Docker Hub, which an air-gapped master cannot reach (and waiting for it
 * to fail only delays the message about making the base locally).
 */
export function namesRegistry(reference: string): boolean {
  const slash = reference.indexOf('/');
  if (slash < 0) return false;
  const first = reference.slice(0, slash);
  return first === 'localhost' || first.includes('.') || first.includes(':');
}

/** Pulls an image; a failure says which registry and why (no credentials are ever in a reference). */
export async function pullImage(docker: Docker, reference: string, logger: Logger, signal?: AbortSignal): Promise<void> {
  logger.info({ image: reference }, `pulling ${reference}`);
  try {
    const stream = (await docker.pull(reference, { abortSignal: signal })) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
        if (error) return reject(error);
        const failure = output.find((line) => line.error)?.error;
        if (failure) reject(new Error(failure));
        else resolve();
      });
    });
  } catch (error) {
    if (error instanceof FuelImageError) throw error;
    throw new FuelImageError('BASE_IMAGE_MISSING', `base image "${reference}" is not on the engine and pulling it failed: ${(error as Error).message}`, { cause: error });
  }
  logger.info({ image: reference }, `pulled ${reference}`);
}
