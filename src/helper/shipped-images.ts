import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { loadImageArchive } from './load-image.js';

/** The archive's name in the RPM, beside images/ (rpm/build-rpm.sh writes it). */
export const SHIPPED_ARCHIVE_NAME = 'image-archives/fuel-image-images.tar.gz';

/**
 * Where the saved helper and builder images are, if this installation ships
 * them: FUEL_IMAGE_IMAGE_ARCHIVE (the RPM's wrapper sets it for the builder
 * image, which sees the archive at the host's path), else beside images/.
 */
export function shippedArchivePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.FUEL_IMAGE_IMAGE_ARCHIVE || fileURLToPath(new URL(`../../${SHIPPED_ARCHIVE_NAME}`, import.meta.url));
}

/**
 * Loads the shipped archive into the engine (first use on an air-gapped
 * master: no base image, no debootstrap needed). False when this
 * installation ships none (a checkout, the npm package).
 */
export async function loadShippedImages(docker: Docker, logger: Logger, signal?: AbortSignal): Promise<boolean> {
  const archive = shippedArchivePath();
  if (!(await access(archive).then(() => true, () => false))) return false;
  logger.info({ archive }, 'loading the shipped helper and builder images (first use on this engine)');
  const loaded = await loadImageArchive(docker, archive, logger, signal);
  logger.info({ loaded }, 'shipped images loaded');
  return true;
}
