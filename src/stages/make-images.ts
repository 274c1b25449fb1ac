import { FuelImageError } from '../errors.js';
import type { ExecResult } from '../helper/helper-session.js';
import { helperScript, HELPER } from '../plan/helper-paths.js';
import type { ImagePlan } from '../plan/plan-build.js';
import { sshKeygenFiles } from '../release/first-boot.js';
import { mkfsFeatures, NODE_AGENT_E2FSPROGS, readerOf, unexpectedFeatures } from '../release/fs-features.js';
import { RELEASES, type InitSystem } from '../release/releases.js';
import type { TargetFacts } from './inspect-target.js';
import type { StageContext } from './stage-context.js';

export interface PackedImage {
  image: ImagePlan;
  rawSize: number;
  rawMd5: string;
  containerSize: number;
  containerMd5: string;
}

/**
 * Removes what the build put into the target and what must not be shared by
 * every node (clean-target.sh), then adds what makes the node's own SSH host
 * keys on first boot, in the init system the release boots with.
 */
export async function cleanTarget({ session }: StageContext, facts: TargetFacts, init: InitSystem): Promise<void> {
  await session.run('clean-target', ['bash', helperScript('clean-target.sh'), HELPER.target]);
  if (facts.tree.sshd) await session.write(HELPER.target, sshKeygenFiles(init));
}

export interface MakeImagesOptions {
  /** Cut the nested mount points out of the tree first (false: the parts are in place, restored from the tree cache, or split already). */
  split: boolean;
  /** Per mount point, what its image waits for (the initrd made beside the root image, for /boot). */
  ready?: ReadonlyMap<string, Promise<unknown>>;
}

/**
 * Cuts the nested mount points out of the tree (splitTree), then makes each
 * image asked for (all of the plan's by default; the image cache may hold the
 * others) in one exec each (size, mke2fs -d, shrink, check, compress, hash),
 * side by side: the images share nothing once the tree is split.
 */
export async function makeImages(
  context: StageContext,
  facts: TargetFacts,
  images: readonly ImagePlan[] = context.plan.images,
  options: MakeImagesOptions = { split: true },
): Promise<PackedImage[]> {
  const { plan } = context;
  if (options.split) await splitTree(context);
  // Whose e2fsprogs will read the images: the node agent's (default) or the target's.
  const reader = readerOf(plan.featureSet, targetE2fsprogs(plan.spec.codename, facts));
  const whose = plan.featureSet === 'target' ? "the target's own" : "the node agent's";
  return Promise.all(
    images.map(async (image) => {
      await options.ready?.get(image.mountPoint);
      return makeImage(context, image, reader, whose);
    }),
  );
}

/** Moves each nested mount point's subtree out of the tree into its part directory (one exec); what is left is the root image's. */
export async function splitTree({ session, plan }: StageContext): Promise<void> {
  if (plan.extraction.length === 0) return;
  await session.run('split-tree', ['bash', helperScript('split-tree.sh'), HELPER.target, HELPER.parts, ...plan.extraction.map((image) => `${image.index}:${image.mountPoint}`)], {
    classify: layoutRefusal,
  });
}

/** A helper script's exit 3: the image layout does not fit the tree (a mount point that is a symlink), told by its last line. */
export function layoutRefusal(result: Pick<ExecResult, 'exitCode' | 'outputTail'>): FuelImageError | undefined {
  return result.exitCode === 3 ? new FuelImageError('STEP_FAILED', result.outputTail.trim().split('\n').at(-1)!.replace(/^fuel-image: /, '')) : undefined;
}

/** The target's own e2fsprogs: installed, else the table's, else the oldest the table knows. */
function targetE2fsprogs(codename: string, facts: TargetFacts): string {
  return facts.installed.e2fsprogs ?? RELEASES[codename]?.e2fsprogs ?? NODE_AGENT_E2FSPROGS;
}

/** Below the initramfs', which runs at the default 0. */
export const IMAGE_NICENESS = 10;

async function makeImage({ session, plan }: StageContext, image: ImagePlan, reader: string, whose: string): Promise<PackedImage> {
  const features = mkfsFeatures(image.format, reader);
  // Niced: an initramfs made beside the root image (make-initramfs-aside.ts) is
  // the stage's critical path, and /boot's image waits for it; pigz takes
  // whatever CPU it leaves (on 2 cores it would otherwise take both).
  const argv = ['nice', '-n', String(IMAGE_NICENESS), 'bash', helperScript('make-image.sh'), image.sourceDir, image.rawPath, image.format, features, image.container, String(plan.gzipLevel)];
  const result = await session.run(`mkfs ${image.mountPoint}`, argv);
  const made = /^features (.*)$/m.exec(result.stdout)?.[1]?.trim().split(/\s+/) ?? [];
  const extra = unexpectedFeatures(image.format, reader, made);
  if (extra.length > 0)
    throw new FuelImageError('STEP_FAILED', `${image.mountPoint}: mke2fs turned on ${extra.join(', ')}, which e2fsprogs ${reader} (${whose}) cannot be relied on to read`);
  return parseImageFigures(image, result.stdout);
}

/** make-image.sh's last line: "raw_size raw_md5 container_size container_md5". */
export function parseImageFigures(image: ImagePlan, stdout: string): PackedImage {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const [rawSize, rawMd5 = '', containerSize, containerMd5 = ''] = line.split(/\s+/);
  const packed = { image, rawSize: Number(rawSize), rawMd5, containerSize: Number(containerSize), containerMd5 };
  if (!/^[0-9a-f]{32}$/.test(rawMd5) || !/^[0-9a-f]{32}$/.test(containerMd5) || !(packed.rawSize > 0) || !(packed.containerSize > 0))
    throw new FuelImageError('STEP_FAILED', `${image.mountPoint}: unexpected output from make-image: ${line.slice(0, 200)}`);
  return packed;
}
