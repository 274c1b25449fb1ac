import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import tar from 'tar-fs';
import { hashDirectory } from '../build/build-key.js';
import { FuelImageError } from '../errors.js';
import { LABEL } from './labels.js';

export const DEFAULT_BASE_IMAGE = 'fuel-image-base:bookworm';

export interface HelperImageOptions {
  baseImage: string;
  logger: Logger;
  signal?: AbortSignal;
  /** Which image under images/: "helper" (builds) or "boot" (QEMU boot test). */
  name?: 'helper' | 'boot';
}

/**
 * Returns the tag of one of our images (the helper, or the boot-test image),
 * building it first when missing. The tag is a
 * hash of the build context and the base image's id, so any change to either
 * makes a new helper, and an unchanged one is reused by every build.
 */
export async function ensureHelperImage(docker: Docker, options: HelperImageOptions): Promise<string> {
  const { baseImage, logger } = options;
  const name = options.name ?? 'helper';
  const context = fileURLToPath(new URL(`../../images/${name}/`, import.meta.url));
  const base = await docker
    .getImage(baseImage)
    .inspect()
    .catch((error: unknown) => {
      throw new FuelImageError(
        'BASE_IMAGE_MISSING',
        `base image "${baseImage}" not found on the engine: create it with "npm run base" (images/base/make-base.sh), or pass --base-image`,
        { cause: error },
      );
    });
  const hash = await hashDirectory(context, base.Id);
  const tag = `fuel-image-${name}:${hash.slice(0, 16)}`;
  const exists = await docker.getImage(tag).inspect().then(() => true, () => false);
  if (exists) {
    logger.debug({ tag }, `${name} image up to date`);
    return tag;
  }
  logger.info({ tag, baseImage }, `building the ${name} image (once per version)`);
  const started = Date.now();
  try {
    // tar-fs packs with streamx, which pipes like a Node stream.
    const packed = tar.pack(context) as unknown as NodeJS.ReadableStream;
    const stream = await docker.buildImage(packed, {
      t: tag,
      buildargs: { BASE_IMAGE: baseImage },
      networkmode: 'host',
      labels: { [LABEL.managed]: 'true', [LABEL.role]: `${name}-image`, [LABEL.contextHash]: hash },
      rm: true,
      forcerm: true,
      abortSignal: options.signal,
    });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (error, output: Array<{ error?: string }>) => {
          const failure = error?.message ?? output.find((line) => line.error)?.error;
          if (failure) reject(new Error(failure));
          else resolve();
        },
        (event: { stream?: string }) => {
          const line = event.stream?.trimEnd();
          if (line) logger.debug({ step: 'helper-image' }, line);
        },
      );
    });
  } catch (error) {
    throw new FuelImageError('HELPER_IMAGE_BUILD', `building the ${name} image ${tag} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  logger.info({ tag, seconds: (Date.now() - started) / 1000 }, `${name} image built`);
  return tag;
}
