import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { putFiles, type ArchiveFile } from '../docker/container-archive.js';
import { removeHelperContainer, startHelperContainer } from '../docker/helper-container.js';
import { throwIfAborted } from '../errors.js';
import { createStaging, publish, removeStaging, streamImageOut, writeStagedFile } from '../output/collect-outputs.js';
import { renderMetadata } from '../output/render-metadata.js';
import { VERSION } from '../version.js';
import { bootstrapRootfs } from './bootstrap-rootfs.js';
import type { BuildContext } from './build-context.js';
import { inspectTarget } from './inspect-target.js';
import { installPackages } from './install-packages.js';
import { makeFilesystem, packImage, splitTree, type PackedImage } from './make-filesystems.js';
import { HELPER, type BuildPlan } from './plan-build.js';
import { prepareKeyring } from './prepare-keyring.js';
import type { Progress } from './progress.js';
import type { BuildOptions } from './build-images.js';
import { runStep } from './run-step.js';

export interface HelperRunOptions
  extends Pick<BuildOptions, 'logger' | 'signal' | 'privileged' | 'network' | 'retry' | 'checkGpg' | 'allowUnsigned' | 'keyringFile'> {
  plan: BuildPlan;
  helperImage: string;
  buildKey: string;
  progress: Progress;
  started: number;
}

const SCRIPTS = new URL('../scripts/', import.meta.url);

/** Everything that happens in (and out of) one helper container; it is removed whatever happens. */
export async function runInHelper(docker: Docker, options: HelperRunOptions): Promise<PackedImage[]> {
  const { plan, progress, signal } = options;
  const buildId = randomBytes(6).toString('hex');
  const logger = options.logger.child({ build: buildId });
  progress.start('helper-start', `starting helper container fuel-image-${buildId}`);
  const container = await startHelperContainer(docker, { image: options.helperImage, buildId, privileged: options.privileged, network: options.network, logger });
  let staging: string | undefined;
  try {
    const context: BuildContext = { container, logger, signal, plan, retry: options.retry, checkGpg: options.checkGpg, allowUnsigned: options.allowUnsigned };
    await putFiles(container, HELPER.control, await controlFiles());
    if (options.keyringFile) context.keyringPath = await prepareKeyring(context, options.keyringFile);

    progress.start('bootstrap', `bootstrapping ${plan.spec.codename} from ${plan.spec.repos[0]!.name}`);
    await bootstrapRootfs(context);
    progress.start('install', `installing ${plan.packages.length} packages`);
    await installPackages(context);
    const facts = await inspectTarget(context);
    progress.start('clean', 'removing build-only files from the tree');
    await runStep(context, 'clean-target', ['bash', `${HELPER.control}/scripts/clean-target.sh`, HELPER.target]);

    progress.start('filesystems', `making ${plan.images.length} filesystem image(s)`);
    await splitTree(context);
    const packed: PackedImage[] = [];
    for (const image of plan.images) {
      await makeFilesystem(context, image);
      packed.push(await packImage(context, image));
    }

    progress.start('stream-out', `writing images to ${plan.spec.output}`);
    staging = await createStaging(plan.spec.output);
    for (const item of packed) await streamImageOut(container, item, staging, { logger, signal });
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
    await publish(staging, plan.spec.output, [...packed.map((p) => p.image.fileName), plan.metadataName]);
    return packed;
  } finally {
    if (staging) await removeStaging(staging, logger);
    await removeHelperContainer(container, logger);
  }
}

async function controlFiles(): Promise<ArchiveFile[]> {
  return Promise.all(
    ['clean-target.sh', 'pack-image.sh', 'wgetrc'].map(async (name) => ({
      name: `scripts/${name}`,
      content: await readFile(new URL(name, SCRIPTS)),
      mode: 0o755,
    })),
  );
}
