import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { FuelImageError } from '../errors.js';
import { connectDocker } from '../helper/connect-docker.js';
import { ensureHelperImage, helperContextHash } from '../helper/helper-image.js';
import { LABEL } from '../helper/labels.js';
import { loadImageArchive } from '../helper/load-image.js';
import type { HelperArgs } from './parse-args.js';

/**
 * `fuel-image helper build|save FILE|load FILE`: the helper image for hosts
 * that cannot make it (an air-gapped master with no debootstrap): build it
 * where a mirror is, save it to an archive, load it there. Builds find a
 * loaded helper by its context-hash label, so its base need not exist.
 */
export async function manageHelper(args: HelperArgs, logger: Logger, signal: AbortSignal) {
  const docker = await connectDocker({ signal });
  if (args.action === 'load') return loadHelper(docker, args.file!, args.baseImage, logger, signal);
  const image = await ensureHelperImage(docker, { baseImage: args.baseImage, logger, signal });
  if (args.action === 'build') return { outcome: 'success', image };
  return saveHelper(docker, image, args.file!, signal);
}

/** docker save, gzip-compressed when FILE ends in .gz; written under a temporary name and renamed. */
async function saveHelper(docker: Docker, image: string, file: string, signal: AbortSignal) {
  const target = path.resolve(file);
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${randomBytes(4).toString('hex')}`);
  try {
    const archive = (await docker.getImage(image).get()) as NodeJS.ReadableStream;
    const stages: Array<NodeJS.ReadableStream | NodeJS.ReadWriteStream | NodeJS.WritableStream> = [archive];
    if (target.endsWith('.gz')) stages.push(createGzip({ level: 6 }));
    stages.push(createWriteStream(partial, { mode: 0o644 }));
    await pipeline(stages as [NodeJS.ReadableStream, ...NodeJS.WritableStream[]], { signal });
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof FuelImageError) throw error;
    throw new FuelImageError('OUTPUT', `cannot save the helper image to ${target}: ${(error as Error).message}`, { cause: error });
  }
  return { outcome: 'success', image, file: target, bytes: (await stat(target)).size };
}

/** docker load (plain or compressed tar), then says whether the archive holds this version's helper. */
async function loadHelper(docker: Docker, file: string, baseImage: string, logger: Logger, signal: AbortSignal) {
  const source = path.resolve(file);
  await stat(source).catch((error: unknown) => {
    throw new FuelImageError('USAGE', `helper load ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read'}`, { cause: error });
  });
  const loaded = await loadImageArchive(docker, source, logger, signal);
  // A helper of another version loads fine but is not what this fuel-image uses.
  const hash = await helperContextHash('helper', baseImage);
  const current = await docker.listImages({ filters: { label: [`${LABEL.contextHash}=${hash}`] } });
  return { outcome: 'success', file: source, loaded, current_helper: current[0]?.RepoTags?.[0] ?? current[0]?.Id ?? null };
}
