import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import tar from 'tar-fs';
import { FuelImageError } from '../errors.js';
import type { Spec } from '../input/schema.js';
import { redactSecrets } from '../log/redact.js';
import { hashDirectory } from '../plan/content-hash.js';
import { LABEL } from './labels.js';
import { namesRegistry, pullImage } from './pull-image.js';
import { loadShippedImages } from './shipped-images.js';

export type HelperImageName = 'helper' | 'boot';

export interface HelperImageOptions {
  baseImage: string;
  logger: Logger;
  signal?: AbortSignal;
  /** Which image under images/: "helper" (builds) or "boot" (QEMU boot test). */
  name?: HelperImageName;
  /** The spec's proxies, for the image's own apt-get (build arguments, never kept in the image). */
  proxies?: Spec['proxies'];
}

function contextDir(name: HelperImageName): string {
  return fileURLToPath(new URL(`../../images/${name}/`, import.meta.url));
}

/**
 * The identity of one of our images: a hash of its build context (Dockerfile
 * and baked scripts) and the base image's name. The same function feeds the
 * image's label and the build key, so both change together.
 */
export async function helperContextHash(name: HelperImageName, baseImage: string): Promise<string> {
  return hashDirectory(contextDir(name), `${name}\0${baseImage}\0`);
}

/**
 * Docker's predefined proxy build arguments (both cases, as curl, wget and
 * apt read either) for the spec's proxies. Docker passes these to RUN
 * without recording them in `docker history` unless the Dockerfile declares
 * them with ARG, which ours never does; nothing goes into ENV either.
 */
export function proxyBuildArgs(proxies: Spec['proxies'] | undefined): Record<string, string> {
  const args: Record<string, string> = {};
  if (!proxies) return args;
  const set = (name: string, value: string | undefined) => {
    if (!value) return;
    args[name.toUpperCase()] = value;
    args[name] = value;
  };
  set('http_proxy', proxies.protocols.http);
  set('https_proxy', proxies.protocols.https);
  set('ftp_proxy', proxies.protocols.ftp);
  set('no_proxy', proxies.direct_repo_addr_list.join(','));
  return args;
}

/**
 * Returns one of our images (the helper, or the boot-test image), building it
 * first when no image on the engine carries its context hash. It is found by
 * that label, not by tag or base: an image loaded from a saved archive is used
 * even where its base image was never made.
 */
export async function ensureHelperImage(docker: Docker, options: HelperImageOptions): Promise<string> {
  const { baseImage, logger } = options;
  const name = options.name ?? 'helper';
  const hash = await helperContextHash(name, baseImage);
  const tag = `fuel-image-${name}:${hash.slice(0, 16)}`;
  // Both labels: an image made FROM the helper (bench/peers) inherits its hash, not its role.
  const labelled = () => docker.listImages({ filters: { label: [`${LABEL.contextHash}=${hash}`, `${LABEL.role}=${name}-image`] } });
  const existing = (await labelled())[0];
  if (existing) {
    const ref = existing.RepoTags?.find((t) => t !== '<none>:<none>') ?? existing.Id;
    logger.debug({ image: ref }, `${name} image up to date`);
    return ref;
  }
  // An installation that ships the images (the RPM) loads them instead of building.
  if (name === 'helper' && (await loadShippedImages(docker, logger, options.signal))) {
    const shipped = (await labelled())[0];
    if (shipped) return shipped.RepoTags?.find((t) => t !== '<none>:<none>') ?? shipped.Id;
    logger.warn({ baseImage }, 'the shipped images hold no helper for this version and base image: building one');
  }
  await ensureBaseImage(docker, baseImage, logger, options.signal);
  logger.info({ tag, baseImage }, `building the ${name} image (once per version)`);
  const started = Date.now();
  try {
    // tar-fs packs with tar-stream, which pipes like a Node stream.
    const packed = tar.pack(contextDir(name)) as unknown as NodeJS.ReadableStream;
    const stream = await docker.buildImage(packed, {
      t: tag,
      buildargs: { ...proxyBuildArgs(options.proxies), BASE_IMAGE: baseImage },
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
          // The engine watch's ENGINE_UNREACHABLE (or an interrupt) stays as it is.
          if (error instanceof FuelImageError) return reject(error);
          const failure = error?.message ?? output.find((line) => line.error)?.error;
          if (failure) reject(new Error(failure));
          else resolve();
        },
        (event: { stream?: string }) => {
          const line = event.stream?.trimEnd();
          // The build's output: apt-get behind the proxy may quote it.
          if (line) logger.debug({ step: `${name}-image` }, redactSecrets(line));
        },
      );
    });
  } catch (error) {
    if (error instanceof FuelImageError) throw error;
    throw new FuelImageError('HELPER_IMAGE_BUILD', `building the ${name} image ${tag} failed: ${(error as Error).message}`, { cause: error });
  }
  logger.info({ tag, seconds: (Date.now() - started) / 1000 }, `${name} image built`);
  return tag;
}

/**
 * The base must be on the engine: made locally (images/base/make-base.sh), or
 * pulled when its name names a registry.
 */
async function ensureBaseImage(docker: Docker, baseImage: string, logger: Logger, signal?: AbortSignal): Promise<void> {
  const missing = await docker
    .getImage(baseImage)
    .inspect()
    .then(
      () => false,
      (error: unknown) => {
        // Only the engine's "no such image" means missing; a lost engine stays what it is.
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
        return true;
      },
    );
  if (!missing) return;
  if (namesRegistry(baseImage)) return pullImage(docker, baseImage, logger, signal);
  throw new FuelImageError(
    'BASE_IMAGE_MISSING',
    `base image "${baseImage}" not found on the engine: create it with "npm run base" (images/base/make-base.sh), load a saved helper with "fuel-image helper load FILE", or pass --base-image REGISTRY/NAME:TAG to pull one`,
  );
}
