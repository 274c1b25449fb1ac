import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { ensureHelperImage } from '../docker/build-helper-image.js';
import { putFiles, type ArchiveFile } from '../docker/container-archive.js';
import { connectDocker } from '../docker/connect-docker.js';
import { removeHelperContainer, startHelperContainer } from '../docker/helper-container.js';
import { throwIfAborted } from '../errors.js';
import { checkOutputDirectory } from '../output/check-output.js';
import { createStaging, publish, removeStaging, streamImageOut, writeStagedFile } from '../output/collect-outputs.js';
import { renderMetadata } from '../output/render-metadata.js';
import type { Spec } from '../spec/schema.js';
import { VERSION } from '../version.js';
import { bootstrapRootfs } from './bootstrap-rootfs.js';
import type { BuildContext } from './build-context.js';
import { inspectTarget } from './inspect-target.js';
import { installPackages } from './install-packages.js';
import { makeFilesystem, packImage, splitTree, type PackedImage } from './make-filesystems.js';
import { HELPER, planBuild } from './plan-build.js';
import { Progress } from './progress.js';
import type { RetryOptions } from './retry-step.js';
import { runStep } from './run-step.js';
import { prepareKeyring } from './prepare-keyring.js';

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
}

export interface BuildResult {
  output: string;
  metadata: string;
  images: Array<{ mount_point: string; file: string; format: string; container: string; size: number; md5: string; raw_size: number; raw_md5: string }>;
  duration_seconds: number;
  stages: Record<string, number>;
}

const SCRIPTS = new URL('../scripts/', import.meta.url);

export async function buildImages(options: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const { spec, logger, signal } = options;
  const plan = planBuild(spec);
  await checkOutputDirectory(spec.output);
  const docker = await connectDocker();
  const progress = new Progress(logger);
  progress.start('helper-image', 'preparing the helper image');
  const helperImage = options.helperImage ?? (await ensureHelperImage(docker, { baseImage: options.baseImage, logger, signal }));
  throwIfAborted(signal);

  const buildId = randomBytes(6).toString('hex');
  const log = logger.child({ build: buildId });
  progress.start('helper-start', `starting helper container fuel-image-${buildId}`);
  const container = await startHelperContainer(docker, { image: helperImage, buildId, privileged: options.privileged, network: options.network, logger: log });
  let staging: string | undefined;
  try {
    const context: BuildContext = { container, logger: log, signal, plan, retry: options.retry, checkGpg: options.checkGpg, allowUnsigned: options.allowUnsigned };
    await putFiles(container, HELPER.control, await controlFiles());
    if (options.keyringFile) context.keyringPath = await prepareKeyring(context, options.keyringFile);

    progress.start('bootstrap', `bootstrapping ${spec.codename} from ${plan.spec.repos[0]!.name}`);
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

    progress.start('stream-out', `writing images to ${spec.output}`);
    staging = await createStaging(spec.output);
    for (const item of packed) await streamImageOut(container, item, staging, { logger: log, signal });
    throwIfAborted(signal);

    progress.start('publish', 'publishing images and metadata');
    const durationSeconds = Math.round((Date.now() - started) / 100) / 10;
    const metadata = renderMetadata(plan, facts, packed, {
      version: VERSION,
      helperImage,
      specSha256: specHash(spec),
      durationSeconds,
      builtAt: new Date().toISOString(),
    });
    await writeStagedFile(staging, plan.metadataName, metadata);
    // From here on the build completes even if a signal arrives: renames take milliseconds.
    await publish(staging, spec.output, [...packed.map((p) => p.image.fileName), plan.metadataName]);
    progress.finish();
    return {
      output: spec.output,
      metadata: `${spec.output}/${plan.metadataName}`,
      images: packed.map((p) => ({
        mount_point: p.image.mountPoint,
        file: `${spec.output}/${p.image.fileName}`,
        format: p.image.format,
        container: p.image.container,
        size: p.containerSize,
        md5: p.containerMd5,
        raw_size: p.rawSize,
        raw_md5: p.rawMd5,
      })),
      duration_seconds: durationSeconds,
      stages: progress.timings,
    };
  } finally {
    if (staging) await removeStaging(staging, log);
    await removeHelperContainer(container, log);
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

/** Identifies the spec content independent of key order (for metadata and up-to-date checks). */
export function specHash(spec: Spec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

export type { Docker };
