import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { allCached, planCache, type CacheOptions, type CachePlan } from '../cache/plan-cache.js';
import { CACHE_DIR, CACHE_VOLUME, evictImages, packedFromCache, storeImage } from '../cache/image-cache.js';
import type { CacheEntry } from '../cache/schema.js';
import { throwIfAborted } from '../errors.js';
import { startHelperSession, type HelperSession } from '../helper/helper-session.js';
import type { RetryOptions } from '../helper/retry-policy.js';
import { writeUnderLock, type OutputLock } from '../output/lock-output.js';
import { renderMetadata } from '../output/metadata.js';
import { createStaging, publish, removeStaging, streamImageOut, writeStagedFile } from '../output/staging.js';
import { planBuild, type BuildPlan } from '../plan/plan-build.js';
import { nodeAgentWarnings } from '../release/node-agent-needs.js';
import { initSystemOf } from '../release/releases.js';
import { bootstrapRootfs } from '../stages/bootstrap-rootfs.js';
import { inspectTarget, type TargetFacts } from '../stages/inspect-target.js';
import { installPackages } from '../stages/install-packages.js';
import { cleanTarget, makeImages, type PackedImage } from '../stages/make-images.js';
import { prepareKeyring } from '../stages/prepare-keyring.js';
import { probeRelease, type ReleaseProbe } from '../stages/probe-release.js';
import type { StageContext, TrustOptions } from '../stages/stage-context.js';
import { helperEnv, targetEnv } from '../stages/target-env.js';
import { VERSION } from '../version.js';
import type { Progress } from './progress.js';

export interface StageRunOptions {
  plan: BuildPlan;
  logger: Logger;
  signal: AbortSignal;
  helperImage: string;
  privileged: boolean;
  network: string;
  retry: RetryOptions;
  trust: Omit<TrustOptions, 'keyringPath'>;
  /** A keyring file on the builder's side, for archives whose key the helper lacks. */
  keyringFile?: string;
  buildKey: string;
  /** The output directory's lock: checked right before publishing. */
  lock: Pick<OutputLock, 'assertHeld'>;
  progress: Progress;
  started: number;
  /** The image cache; undefined with --no-cache. */
  cache?: CacheOptions;
}

export interface StagesResult {
  packed: PackedImage[];
  /** The image cache's keys and what was found; undefined without the cache. */
  cache?: CachePlan;
  /** What Fuel's node agent will miss in the image (the build still succeeds). */
  warnings: string[];
}

/** Every stage in one helper session, then the files out; the helper is removed whatever happens. */
export async function runStages(docker: Docker, options: StageRunOptions): Promise<StagesResult> {
  const { progress, signal } = options;
  let { plan } = options;
  const { spec } = plan;
  const buildId = randomBytes(6).toString('hex');
  const logger = options.logger.child({ build: buildId });
  progress.start('helper-start', `starting helper container fuel-image-${buildId}`);
  const session = await startHelperSession(docker, {
    image: options.helperImage,
    buildId,
    privileged: options.privileged,
    network: options.network,
    logger,
    signal,
    retry: options.retry,
    env: { helper: helperEnv(spec), target: targetEnv(spec) },
    volumes: options.cache ? { [CACHE_DIR]: CACHE_VOLUME } : undefined,
  });
  let staging: string | undefined;
  try {
    const trust: TrustOptions = { ...options.trust };
    progress.start('bootstrap', `bootstrapping ${spec.codename} from ${spec.repos[0]!.name}`);
    const release = await probeRelease({ session, plan, trust });
    // A codename the table does not know gets its family (and default packages) from the probe.
    if (!plan.family) plan = planBuild(spec, { family: release.family, featureSet: plan.featureSet });
    if (options.keyringFile) {
      const keyrings = await prepareKeyring(session, options.keyringFile, release.family);
      trust.keyringPath = keyrings.combined;
      trust.aptKeyringPath = keyrings.user;
    }
    const cachePlan = options.cache ? await planCache(session, plan, options.cache) : undefined;
    let made: MadeImages;
    const cached = allCached(cachePlan);
    if (cached) {
      progress.start('cache', `using ${cached.length} cached image(s)`);
      const { facts, warnings } = cached[0]!.entry;
      made = { packed: cached.map((i) => packedFromCache(i.image, i.key, i.entry)), facts, warnings };
      for (const warning of warnings) logger.warn({ step: 'inspect' }, warning);
    } else {
      made = await makeTree({ session, plan, trust }, release, progress, logger);
    }
    const { packed, facts, warnings } = made;

    // A build that lost its lock while writing (stalled past the stale time)
    // fails as such, whichever step noticed first: see writeUnderLock.
    await writeUnderLock(options.lock, async () => {
      progress.start('stream-out', `writing images to ${spec.output}`);
      staging = await createStaging(spec.output);
      for (const item of packed) await streamImageOut(session, item, staging);
      throwIfAborted(signal);

      progress.start('publish', 'publishing images and metadata');
      const metadata = renderMetadata(plan, facts, packed, {
        warnings,
        version: VERSION,
        helperImage: options.helperImage,
        buildKey: options.buildKey,
        durationSeconds: Math.round((Date.now() - options.started) / 100) / 10,
        builtAt: new Date().toISOString(),
        cache: cachePlan && Object.fromEntries(cachePlan.images.map((i) => [i.image.mountPoint, { key: i.key, hit: i.entry !== undefined }])),
      });
      await writeStagedFile(staging, plan.metadataName, metadata);
      // From here the build completes even if a signal arrives: renames take milliseconds.
      await publish(staging, spec.output, [...packed.map((p) => p.image.fileName), plan.metadataName], { assertLockHeld: () => options.lock.assertHeld() });
    });
    if (cachePlan && options.cache) await fillCache(session, cachePlan, made, options.cache.maxBytes, spec.codename);
    return { packed, warnings, cache: cachePlan };
  } finally {
    if (staging) await removeStaging(staging, logger);
    await session.remove();
  }
}

interface MadeImages {
  packed: PackedImage[];
  facts: TargetFacts;
  warnings: string[];
}

/** The cold path: bootstrap, packages, clean-up, filesystem images. */
async function makeTree(context: StageContext, release: ReleaseProbe, progress: Progress, logger: Logger): Promise<MadeImages> {
  const { plan } = context;
  const init = initSystemOf(plan.spec.codename);
  await bootstrapRootfs(context, release);
  progress.start('install', `installing ${plan.packages.length} packages`);
  await installPackages(context, init);
  const facts = await inspectTarget(context);
  const warnings = nodeAgentWarnings(facts.tree);
  for (const warning of warnings) logger.warn({ step: 'inspect' }, warning);
  progress.start('clean', 'removing build-only files from the tree');
  await cleanTarget(context, facts, init);
  progress.start('filesystems', `making ${plan.images.length} filesystem image(s)`);
  const packed = await makeImages(context, facts);
  return { packed, facts, warnings };
}

/**
 * After publishing: stores the images this build made under their keys, then
 * keeps the cache within its bound. The output is already in place, so a
 * failure here (a full engine disk) is a warning, never a failed build.
 */
async function fillCache(session: HelperSession, cachePlan: CachePlan, made: MadeImages, maxBytes: number, codename: string): Promise<void> {
  try {
    for (const [index, item] of cachePlan.images.entries()) {
      if (item.entry) continue;
      const packed = made.packed[index]!;
      const entry: CacheEntry = {
        mountPoint: item.image.mountPoint,
        format: item.image.format,
        container: item.image.container,
        containerSize: packed.containerSize,
        containerMd5: packed.containerMd5,
        rawSize: packed.rawSize,
        rawMd5: packed.rawMd5,
        createdAt: new Date().toISOString(),
        codename,
        facts: made.facts,
        warnings: made.warnings,
      };
      const stored = await storeImage(session, item.key, packed, entry);
      session.logger.info({ step: 'cache-put', mountPoint: item.image.mountPoint, key: item.key }, stored ? `${item.image.mountPoint}: stored in the image cache` : `${item.image.mountPoint}: already in the image cache`);
    }
    const { evicted, totalBytes } = await evictImages(session, maxBytes);
    if (evicted.length > 0) session.logger.info({ step: 'cache-evict', evicted, totalBytes }, `image cache: ${evicted.length} least recently used entr${evicted.length === 1 ? 'y' : 'ies'} evicted to stay within ${maxBytes} bytes`);
  } catch (error) {
    if (session.signal.aborted) throw error;
    session.logger.warn({ err: error }, 'could not store the images in the image cache: the build itself succeeded');
  }
}
