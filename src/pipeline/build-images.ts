import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { ensureCacheVolume } from '../cache/cache-volume.js';
import type { CacheOptions } from '../cache/plan-cache.js';
import type { Logger } from 'pino';
import { throwIfAborted } from '../errors.js';
import { connectDocker } from '../helper/connect-docker.js';
import { engineDiskFullError } from '../helper/disk-full.js';
import { toEngineError } from '../helper/engine-error.js';
import { ensureHelperImage, helperContextHash } from '../helper/helper-image.js';
import { loadKeySecret } from '../helper/key-secret.js';
import type { RetryOptions } from '../helper/retry-policy.js';
import { removeDeadHelpers } from '../helper/sweep-helpers.js';
import type { Spec } from '../input/schema.js';
import { checkOutputDirectory } from '../output/check-output.js';
import { checkUpToDate, type UpToDate } from '../output/check-up-to-date.js';
import { compareReleaseDigests, fetchReleaseDigests } from '../output/fetch-release-digests.js';
import { lockOutput } from '../output/lock-output.js';
import type { ImageResult } from '../output/metadata.js';
import { removeStaleStaging } from '../output/staging.js';
import { computeBuildKey } from '../plan/build-key.js';
import { planBuild } from '../plan/plan-build.js';
import type { FeatureSet } from '../release/fs-features.js';
import { Progress } from './progress.js';
import { runStages } from './run-stages.js';

export interface BuildOptions {
  spec: Spec;
  logger: Logger;
  signal: AbortSignal;
  baseImage: string;
  /** Use this helper image as is instead of building one from images/helper. */
  helperImage?: string;
  privileged: boolean;
  network: string;
  retry: RetryOptions;
  checkGpg: boolean;
  allowUnsigned: boolean;
  /** Refuse Release files past their Valid-Until (off: --no-check-valid-until). */
  checkValidUntil: boolean;
  /** Filesystem features the node agent's e2fsprogs reads, or the target's own. */
  featureSet: FeatureSet;
  /** pigz's level for gzip containers. */
  gzipLevel: number;
  /** A keyring file on the builder's side, for archives whose key the helper lacks. */
  keyringFile?: string;
  /** Rebuild even if the output is up to date. */
  force: boolean;
  /** The image cache: off (--no-cache: neither read nor written), or its size bound in bytes. */
  cache: { enabled: boolean; maxBytes: number };
  lockWaitSeconds: number;
}

export interface BuildResult {
  outcome: 'success' | 'up-to-date';
  output: string;
  metadata: string;
  images: ImageResult[];
  duration_seconds: number;
  stages?: Record<string, number>;
  /** What Fuel's node agent will miss in the image. */
  warnings?: string[];
}

/** A whole build: output checks and lock, the up-to-date check, the helper, the stages, the files. */
export async function buildImages(options: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const { spec, logger, signal } = options;
  const plan = planBuild(spec, { featureSet: options.featureSet, gzipLevel: options.gzipLevel });
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  await checkOutputDirectory(spec.output);
  const lock = await lockOutput(spec.output, { waitSeconds: options.lockWaitSeconds, logger, signal });
  try {
    await removeStaleStaging(spec.output, logger);
    // The build key is keyed with a secret kept on the engine (it covers
    // root_password and is written into world-readable metadata), so even
    // an up-to-date check connects first.
    const docker = await connectDocker({ signal });
    const secret = await loadKeySecret(docker).catch(async (error: unknown) => {
      throw await engineFailure(docker, 'key-secret', error);
    });
    const helper = options.helperImage ? `image:${options.helperImage}` : `context:${await helperContextHash('helper', options.baseImage)}`;
    const buildKey = await computeBuildKey(secret, { ...options, helper });
    if (!options.force) {
      const byFiles = await checkUpToDate(plan, buildKey);
      const current = byFiles.upToDate ? await checkReleases(byFiles, spec, logger, signal) : byFiles;
      if (current.upToDate) {
        logger.info({ output: spec.output }, `up to date, nothing to do: ${current.reason} (--force rebuilds)`);
        return { outcome: 'up-to-date', output: spec.output, metadata: `${spec.output}/${plan.metadataName}`, images: current.images!, duration_seconds: seconds(), warnings: current.warnings };
      }
      logger.info({ reason: current.reason }, `building: ${current.reason}`);
    }
    try {
      await removeDeadHelpers(docker, logger);
      const progress = new Progress(logger);
      progress.start('helper-image', 'preparing the helper image');
      const helperImage = options.helperImage ?? (await ensureHelperImage(docker, { baseImage: options.baseImage, logger, signal, proxies: spec.proxies }));
      throwIfAborted(signal);
      const { packed, warnings } = await runStages(docker, {
        plan,
        logger,
        signal,
        helperImage,
        privileged: options.privileged,
        network: options.network,
        retry: options.retry,
        trust: { checkGpg: options.checkGpg, allowUnsigned: options.allowUnsigned, checkValidUntil: options.checkValidUntil },
        keyringFile: options.keyringFile,
        cache: options.cache.enabled ? await cacheOptions(docker, secret, helper, options) : undefined,
        buildKey,
        lock,
        progress,
        started,
      });
      progress.finish();
      return {
        outcome: 'success',
        output: spec.output,
        metadata: `${spec.output}/${plan.metadataName}`,
        images: packed.map((p) => ({
          mount_point: p.image.mountPoint,
          file: `${spec.output}/${p.image.fileName}`,
          size: p.containerSize,
          md5: p.containerMd5,
          raw_size: p.rawSize,
          raw_md5: p.rawMd5,
        })),
        duration_seconds: seconds(),
        stages: progress.timings,
        warnings,
      };
    } catch (error) {
      throw await engineFailure(docker, 'helper-start', error);
    }
  } finally {
    await lock.release().catch((error: unknown) => logger.warn({ err: error }, 'could not release the output lock (it goes stale by itself)'));
  }
}

/**
 * An output up to date by its spec is stale once a repo's Release file
 * changed (a mirror update). A mirror that does not answer leaves it up to
 * date, with a warning: an air-gapped master offline keeps its images.
 */
async function checkReleases(current: UpToDate, spec: Spec, logger: Logger, signal: AbortSignal): Promise<UpToDate> {
  if (current.releaseDigests === undefined) return current;
  const now = await fetchReleaseDigests(spec, signal);
  const compared = compareReleaseDigests(current.releaseDigests, now);
  if (compared === 'changed') {
    const changed = spec.repos.filter((_, i) => now[i] !== 'missing' && now[i] !== current.releaseDigests?.[i]).map((r) => r.name);
    return { upToDate: false, reason: `the Release file of ${changed.map((n) => `"${n}"`).join(', ')} changed since the last build (a mirror update)` };
  }
  if (compared === 'unknown') {
    const unread = spec.repos.filter((_, i) => now[i] === 'missing').map((r) => `"${r.name}"`);
    const warning =
      unread.length > 0
        ? `could not read the Release file of ${unread.join(', ')}: the output is kept as up to date without knowing whether the mirror changed`
        : 'the last build could not read every Release file: the output is kept as up to date without knowing whether a mirror changed';
    logger.warn({ step: 'check-releases', repos: unread }, warning);
    return { ...current, warnings: [warning] };
  }
  return current;
}

/** The cache's volume (made once, labelled as ours) and what its keys cover besides the spec. */
async function cacheOptions(docker: Docker, secret: Buffer, helper: string, options: BuildOptions): Promise<CacheOptions> {
  await ensureCacheVolume(docker);
  return {
    secret,
    maxBytes: options.cache.maxBytes,
    inputs: {
      helper,
      baseImage: options.baseImage,
      checkGpg: options.checkGpg,
      allowUnsigned: options.allowUnsigned,
      checkValidUntil: options.checkValidUntil,
      keyring: options.keyringFile ? await readFile(options.keyringFile) : Buffer.alloc(0),
    },
  };
}

/**
 * An Engine API error the helper session did not see (creating or starting
 * the helper, the key secret's volume): a full disk on the engine's side is
 * ENGINE_DISK_FULL, anything else gets toEngineError's code.
 */
async function engineFailure(docker: Docker, call: string, error: unknown): Promise<unknown> {
  const dataRoot = async () => ((await docker.info()) as { DockerRootDir?: string }).DockerRootDir;
  return (await engineDiskFullError(call, error, dataRoot)) ?? toEngineError(error);
}
