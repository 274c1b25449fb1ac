import { mkdtemp, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { FuelImageError } from '../errors.js';
import type { HelperSession } from '../helper/helper-session.js';
import type { PackedImage } from '../stages/make-images.js';

export const TEMP_PREFIX = '.fuel-image-tmp-';

/** Errors of the output's filesystem (as opposed to the engine's side of a copy). */
const FS_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EIO', 'EFBIG']);

/**
 * A directory in `output` where this build's files are written before they
 * are renamed into place: same filesystem, so the renames are atomic, and an
 * interrupted build leaves only this directory, which the caller removes.
 */
export async function createStaging(output: string): Promise<string> {
  try {
    return await mkdtemp(path.join(output, TEMP_PREFIX));
  } catch (error) {
    throw outputError(output, error);
  }
}

/** Streams an image out of the helper into staging, checking its size and md5 against the helper's. */
export async function streamImageOut(session: HelperSession, packed: PackedImage, staging: string): Promise<void> {
  const name = packed.image.fileName;
  const started = Date.now();
  const copied = await session.copyOut(packed.image.containerPath, staging, name).catch((error: unknown) => {
    // The write error can reach us through the tar stream first: classify by errno.
    throw FS_ERRORS.has((error as NodeJS.ErrnoException).code ?? '') ? outputError(path.dirname(staging), error) : error;
  });
  if (copied.md5 !== packed.containerMd5 || copied.size !== packed.containerSize)
    throw new FuelImageError('OUTPUT', `${name}: transfer corrupted (md5 ${copied.md5}, expected ${packed.containerMd5})`);
  await fsyncPath(path.join(staging, name));
  session.logger.info({ step: 'stream-out', file: name, bytes: copied.size, seconds: (Date.now() - started) / 1000 }, `${name}: ${copied.size} bytes written`);
}

export async function writeStagedFile(staging: string, name: string, content: string): Promise<void> {
  const file = path.join(staging, name);
  await writeFile(file, content, { mode: 0o644 }).catch((error: unknown) => {
    throw outputError(path.dirname(staging), error);
  });
  await fsyncPath(file);
}

/**
 * Renames staged files into `output`: images first, metadata last, so the
 * metadata never describes files not yet there. `assertLockHeld` runs right
 * before the first rename: a build that lost the output lock to another
 * build publishes nothing.
 */
export async function publish(staging: string, output: string, names: string[], options: { assertLockHeld?: () => Promise<void> } = {}): Promise<void> {
  await options.assertLockHeld?.();
  for (const name of names) await rename(path.join(staging, name), path.join(output, name));
  await fsyncPath(output);
}

/** Staging directories left by a build that was killed; called while holding the output lock, so none is live. */
export async function removeStaleStaging(output: string, logger: Logger): Promise<void> {
  for (const name of await readdir(output)) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    logger.warn({ staging: name }, `removing ${name}, left by an interrupted build`);
    await rm(path.join(output, name), { recursive: true, force: true });
  }
}

export async function removeStaging(staging: string, logger: Logger): Promise<void> {
  await rm(staging, { recursive: true, force: true }).catch((error: unknown) => logger.error({ err: error, staging }, 'could not remove the staging directory'));
}

async function fsyncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function outputError(output: string, error: unknown): FuelImageError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOSPC' ? 'no space left on the device' : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'not writable' : code === 'ENOENT' ? 'does not exist' : (error as Error).message;
  return new FuelImageError('OUTPUT', `output directory ${output}: ${reason}`, { cause: error, details: { errno: code } });
}
