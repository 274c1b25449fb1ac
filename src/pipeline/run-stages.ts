import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { throwIfAborted } from '../errors.js';
import { startHelperSession } from '../helper/helper-session.js';
import type { RetryOptions } from '../helper/retry-policy.js';
import { renderMetadata } from '../output/metadata.js';
import { createStaging, publish, removeStaging, streamImageOut, writeStagedFile } from '../output/staging.js';
import type { BuildPlan } from '../plan/plan-build.js';
import { bootstrapRootfs } from '../stages/bootstrap-rootfs.js';
import { inspectTarget } from '../stages/inspect-target.js';
import { installPackages } from '../stages/install-packages.js';
import { cleanTarget, makeImages, type PackedImage } from '../stages/make-images.js';
import { prepareKeyring } from '../stages/prepare-keyring.js';
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
  progress: Progress;
  started: number;
}

/** Every stage in one helper session, then the files out; the helper is removed whatever happens. */
export async function runStages(docker: Docker, options: StageRunOptions): Promise<PackedImage[]> {
  const { plan, progress, signal } = options;
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
    if (options.keyringFile) trust.keyringPath = await prepareKeyring(session, options.keyringFile);
    const context: StageContext = { session, plan, trust };

    progress.start('bootstrap', `bootstrapping ${spec.codename} from ${spec.repos[0]!.name}`);
    await bootstrapRootfs(context);
    progress.start('install', `installing ${plan.packages.length} packages`);
    await installPackages(context);
    const facts = await inspectTarget(context);
    progress.start('clean', 'removing build-only files from the tree');
    await cleanTarget(context);

    progress.start('filesystems', `making ${plan.images.length} filesystem image(s)`);
    const packed = await makeImages(context);

    progress.start('stream-out', `writing images to ${spec.output}`);
    staging = await createStaging(spec.output);
    for (const item of packed) await streamImageOut(session, item, staging);
    throwIfAborted(signal);

    progress.start('publish', 'publishing images and metadata');
    const metadata = renderMetadata(plan, facts, packed, {
      version: VERSION,
      helperImage: options.helperImage,
      buildKey: options.buildKey,
      durationSeconds: Math.round((Date.now() - options.started) / 100) / 10,
      builtAt: new Date().toISOString(),
    });
    await writeStagedFile(staging, plan.metadataName, metadata);
    // From here the build completes even if a signal arrives: renames take milliseconds.
    await publish(staging, spec.output, [...packed.map((p) => p.image.fileName), plan.metadataName]);
    return packed;
  } finally {
    if (staging) await removeStaging(staging, logger);
    await session.remove();
  }
}
