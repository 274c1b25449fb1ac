import type { Logger } from 'pino';
import { ensureHelperImage } from '../docker/build-helper-image.js';
import { connectDocker } from '../docker/connect-docker.js';
import { toEngineError } from '../docker/engine-error.js';
import { removeDeadHelpers } from '../docker/sweep-helpers.js';
import { throwIfAborted } from '../errors.js';
import { checkOutputDirectory } from '../output/check-output.js';
import { checkUpToDate } from '../output/check-up-to-date.js';
import { removeStaleStaging } from '../output/collect-outputs.js';
import { lockOutput } from '../output/lock-output.js';
import type { Spec } from '../spec/schema.js';
import { computeBuildKey } from './build-key.js';
import { planBuild } from './plan-build.js';
import { Progress } from './progress.js';
import type { RetryOptions } from './retry-step.js';
import { runInHelper } from './run-in-helper.js';

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
  /** A keyring file on the builder's side, for archives whose key the helper lacks. */
  keyringFile?: string;
  /** Rebuild even if the output is up to date. */
  force: boolean;
  lockWaitSeconds: number;
}

export interface BuildResult {
  outcome: 'success' | 'up-to-date';
  output: string;
  metadata: string;
  images: Array<{ mount_point: string; file: string; size: number; md5: string; raw_size: number; raw_md5: string }>;
  duration_seconds: number;
  stages?: Record<string, number>;
}

export async function buildImages(options: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const { spec, logger, signal } = options;
  const plan = planBuild(spec);
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  await checkOutputDirectory(spec.output);
  const unlock = await lockOutput(spec.output, { waitSeconds: options.lockWaitSeconds, logger, signal });
  try {
    await removeStaleStaging(spec.output, logger);
    const buildKey = await computeBuildKey(options);
    if (!options.force) {
      const current = await checkUpToDate(plan, buildKey);
      if (current.upToDate) {
        logger.info({ output: spec.output }, `up to date, nothing to do: ${current.reason} (--force rebuilds)`);
        return { outcome: 'up-to-date', output: spec.output, metadata: `${spec.output}/${plan.metadataName}`, images: current.images!, duration_seconds: seconds() };
      }
      logger.info({ reason: current.reason }, `building: ${current.reason}`);
    }
    try {
      const docker = await connectDocker();
      await removeDeadHelpers(docker, logger);
      const progress = new Progress(logger);
      progress.start('helper-image', 'preparing the helper image');
      const helperImage = options.helperImage ?? (await ensureHelperImage(docker, { baseImage: options.baseImage, logger, signal }));
      throwIfAborted(signal);
      const packed = await runInHelper(docker, { ...options, plan, helperImage, buildKey, progress, started });
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
      };
    } catch (error) {
      throw toEngineError(error);
    }
  } finally {
    await unlock().catch((error: unknown) => logger.warn({ err: error }, 'could not release the output lock (it goes stale by itself)'));
  }
}
