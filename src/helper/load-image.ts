import { createReadStream } from 'node:fs';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { FuelImageError } from '../errors.js';

/**
 * docker load of a saved archive (plain or gzip-compressed tar: the engine
 * tells them apart). Returns the names the engine reports as loaded.
 */
export async function loadImageArchive(docker: Docker, file: string, logger: Logger, signal?: AbortSignal): Promise<string[]> {
  const stream = await docker.loadImage(createReadStream(file), { abortSignal: signal } as object);
  const loaded: string[] = [];
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream as NodeJS.ReadableStream,
      (error: Error | null, output: Array<{ error?: string }>) => {
        const failure = error ?? output.find((line) => line.error)?.error;
        // The engine watch's ENGINE_UNREACHABLE (or an interrupt) stays as it is.
        if (failure instanceof FuelImageError) reject(failure);
        else if (failure) reject(new FuelImageError('HELPER_IMAGE_BUILD', `loading ${file} failed: ${failure instanceof Error ? failure.message : failure}`, { cause: failure }));
        else resolve();
      },
      (event: { stream?: string }) => {
        const line = event.stream?.trim();
        const name = line?.match(/^Loaded image(?: ID)?: (.+)$/)?.[1];
        if (name) loaded.push(name);
        if (line) logger.info({ step: 'image-load' }, line);
      },
    );
  });
  return loaded;
}
