import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { throwIfAborted } from '../errors.js';
import { startHelperSession } from '../helper/helper-session.js';
import type { RetryOptions } from '../helper/retry-policy.js';
import { writeUnderLock, type OutputLock } from '../output/lock-output.js';
import { renderMetadata } from '../output/metadata.js';
import { createStaging, publish, removeStaging, streamImageOut, writeStagedFile } from '../output/staging.js';
import { planBuild, type BuildPlan } from '../plan/plan-build.js';
import { nodeAgentWarnings } from '../release/node-agent-needs.js';
import { initSystemOf } from '../release/releases.js';
import { bootstrapRootfs } from '../stages/bootstrap-rootfs.js';
import { inspectTarget } from '../stages/inspect-target.js';
import { installPackages } from '../stages/install-packages.js';
import { cleanTarget, makeImages, type PackedImage } from '../stages/make-images.js';
import { prepareKeyring } from '../stages/prepare-keyring.js';
import { probeRelease } from '../stages/probe-release.js';
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
}

export interface StagesResult {
  packed: PackedImage[];
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
    const context: StageContext = { session, plan, trust };
    const init = initSystemOf(spec.codename);
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
      });
      await writeStagedFile(staging, plan.metadataName, metadata);
      // From here the build completes even if a signal arrives: renames take milliseconds.
      await publish(staging, spec.output, [...packed.map((p) => p.image.fileName), plan.metadataName], { assertLockHeld: () => options.lock.assertHeld() });
    });
    return { packed, warnings };
  } finally {
    if (staging) await removeStaging(staging, logger);
    await session.remove();
  }
}
