import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { planCache, type CacheOptions, type CachePlan } from '../cache/plan-cache.js';
import { fillCache } from '../cache/fill-cache.js';
import { CACHE_DIR, CACHE_VOLUME } from '../cache/image-cache.js';
import { throwIfAborted } from '../errors.js';
import { startHelperSession } from '../helper/helper-session.js';
import type { RetryOptions } from '../helper/retry-policy.js';
import { writeUnderLock, type OutputLock } from '../output/lock-output.js';
import { renderMetadata } from '../output/metadata.js';
import { createStaging, publish, removeStaging, streamImageOut, writeStagedFile } from '../output/staging.js';
import { HELPER } from '../plan/helper-paths.js';
import { planBuild, type BuildPlan } from '../plan/plan-build.js';
import { RELEASES } from '../release/releases.js';
import type { PackedImage } from '../stages/make-images.js';
import { prepareKeyring } from '../stages/prepare-keyring.js';
import { probeRelease } from '../stages/probe-release.js';
import { checkRepoReleases, readReleaseDigests } from '../stages/read-release-digests.js';
import type { TrustOptions } from '../stages/stage-context.js';
import { discardTrees } from '../stages/discard-trees.js';
import { helperEnv, targetEnv } from '../stages/target-env.js';
import { VERSION } from '../version.js';
import { makeOrReuse } from './make-or-reuse.js';
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
    if (!plan.family) plan = planBuild(spec, { family: release.family, featureSet: plan.featureSet, gzipLevel: plan.gzipLevel });
    if (options.keyringFile) {
      const keyrings = await prepareKeyring(session, options.keyringFile, release.family);
      trust.keyringPath = keyrings.combined;
      trust.aptKeyringPath = keyrings.user;
    }
    const { digests: releaseDigests, repos: releases } = await readReleaseDigests(session, spec.repos);
    checkRepoReleases(spec.repos, releases, { trust, aptVersion: RELEASES[spec.codename]?.apt });
    const cachePlan = options.cache ? await planCache(session, plan, options.cache, releaseDigests) : undefined;
    const made = await makeOrReuse({ session, plan, trust }, release, cachePlan, progress, logger);
    const { packed, facts, warnings } = made;
    // The images are files now: the trees go while they stream out, and
    // the tree cache's copy once archived. Whichever goes last frees the
    // blocks they share (seconds on a slow disk), so it must not wait for
    // publishing either.
    const discarded = Promise.all([
      discardTrees(session, [HELPER.target, HELPER.parts, HELPER.keptBootstrap, HELPER.initramfsTree]),
      made.treeStore?.then(() => discardTrees(session, [HELPER.keptTree])),
    ]);

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
        releaseDigests,
        cache: cachePlan && Object.fromEntries(cachePlan.images.map((i) => [i.image.mountPoint, { key: i.key, hit: i.entry !== undefined }])),
        cacheTrees: cachePlan && made.trees,
      });
      await writeStagedFile(staging, plan.metadataName, metadata);
      // From here the build completes even if a signal arrives: renames take milliseconds.
      await publish(staging, spec.output, [...packed.map((p) => p.image.fileName), plan.metadataName], { assertLockHeld: () => options.lock.assertHeld() });
    });
    if (cachePlan && options.cache) await fillCache(session, cachePlan, made, { maxBytes: options.cache.maxBytes, plan });
    await discarded;
    return { packed, warnings, cache: cachePlan };
  } finally {
    if (staging) await removeStaging(staging, logger);
    await session.remove();
  }
}
