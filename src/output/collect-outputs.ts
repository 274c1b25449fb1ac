import { createHash } from 'node:crypto';
import { mkdtemp, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { getFile } from '../docker/container-archive.js';
import { FuelImageError } from '../errors.js';
import type { PackedImage } from '../build/make-filesystems.js';

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

/** Streams a container file into staging, checking its md5 against the helper's. */
export async function streamImageOut(
  container: Docker.Container,
  packed: PackedImage,
  staging: string,
  options: { logger: Logger; signal: AbortSignal },
): Promise<void> {
  const target = path.join(staging, packed.image.fileName);
  const md5 = createHash('md5');
  let size = 0;
  const started = Date.now();
  await getFile(
    container,
    packed.image.containerPath,
    async (entry) => {
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          md5.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      await pipeline(entry.stream, meter, createWriteStream(target, { mode: 0o644 }), { signal: options.signal });
    },
    options.signal,
  ).catch((error: unknown) => {
    // The write error can reach us through the tar stream first: classify by errno.
    throw FS_ERRORS.has((error as NodeJS.ErrnoException).code ?? '') ? outputError(path.dirname(staging), error) : error;
  });
  const digest = md5.digest('hex');
  if (digest !== packed.containerMd5 || size !== packed.containerSize)
    throw new FuelImageError('OUTPUT', `${packed.image.fileName}: transfer corrupted (md5 ${digest}, expected ${packed.containerMd5})`);
  await fsyncPath(target);
  options.logger.info({ step: 'stream-out', file: packed.image.fileName, bytes: size, seconds: (Date.now() - started) / 1000 }, `${packed.image.fileName}: ${size} bytes written`);
}

export async function writeStagedFile(staging: string, name: string, content: string): Promise<void> {
  const file = path.join(staging, name);
  await writeFile(file, content, { mode: 0o644 }).catch((error: unknown) => {
    throw outputError(path.dirname(staging), error);
  });
  await fsyncPath(file);
}

/** Renames staged files into `output`: images first, metadata last, so the metadata never describes files not yet there. */
export async function publish(staging: string, output: string, names: string[]): Promise<void> {
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
