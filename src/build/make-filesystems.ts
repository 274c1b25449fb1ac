import { FuelImageError } from '../errors.js';
import type { BuildContext } from './build-context.js';
import { HELPER, type ImagePlan } from './plan-build.js';
import { runStep } from './run-step.js';

export interface PackedImage {
  image: ImagePlan;
  rawSize: number;
  rawMd5: string;
  containerSize: number;
  containerMd5: string;
}

const BLOCK = 4096;
/** mke2fs's default bytes-per-inode: the image keeps it when the node grows it. */
const BYTES_PER_INODE = 16384;

/** Cuts each nested mount point's subtree out of the rootfs, leaving an empty directory with the same owner and mode. */
export async function splitTree(context: BuildContext): Promise<void> {
  const { plan } = context;
  await runStep(context, 'split-tree', ['mkdir', '-p', HELPER.parts, HELPER.work]);
  for (const image of plan.extraction) {
    const inTarget = `${HELPER.target}${image.mountPoint}`;
    // Resolved inside the chroot, so the target's own symlinks cannot point outside it.
    await runStep(context, 'split-tree', ['chroot', HELPER.target, 'mkdir', '-p', '--', image.mountPoint]);
    const real = await runStep(context, 'split-tree', ['chroot', HELPER.target, 'readlink', '-f', '--', image.mountPoint]);
    if (real.stdout.trim() !== image.mountPoint)
      throw new FuelImageError('STEP_FAILED', `mount point ${image.mountPoint} is a symlink in the image (to ${real.stdout.trim()}): give the real directory in image_data`);
    await runStep(context, 'split-tree', ['mv', '-T', '--', inTarget, image.sourceDir]);
    await runStep(context, 'split-tree', ['mkdir', '--', inTarget]);
    await runStep(context, 'split-tree', ['chmod', `--reference=${image.sourceDir}`, '--', inTarget]);
    await runStep(context, 'split-tree', ['chown', `--reference=${image.sourceDir}`, '--', inTarget]);
  }
}

/** Sizes the image from its content with headroom, makes it with `mke2fs -d` (no loop device, nothing mounted), shrinks and checks it. */
export async function makeFilesystem(context: BuildContext, image: ImagePlan): Promise<void> {
  const step = `mkfs ${image.mountPoint}`;
  const blocks = Number((await runStep(context, step, ['du', '-s', '-x', `-B${BLOCK}`, image.sourceDir])).stdout.split(/\s/)[0]);
  const inodes = Number((await runStep(context, step, ['du', '-s', '-x', '--inodes', image.sourceDir])).stdout.split(/\s/)[0]);
  const size = initialBlocks(blocks, inodes);
  context.logger.debug({ step, blocks, inodes, size }, `${image.mountPoint}: ${blocks} blocks, ${inodes} inodes of content; making ${size} blocks`);
  await runStep(context, step, [
    'mke2fs', '-q', '-F', '-t', image.format, '-b', String(BLOCK), '-I', '256', '-i', String(BYTES_PER_INODE),
    '-O', image.features, '-E', 'root_owner=0:0', '-d', image.sourceDir, image.rawPath, String(size),
  ]);
  await runStep(context, step, ['resize2fs', '-M', image.rawPath]);
  const header = await runStep(context, step, ['dumpe2fs', '-h', image.rawPath]);
  const count = Number(/^Block count:\s+(\d+)/m.exec(header.stdout)?.[1]);
  if (!Number.isFinite(count) || count <= 0) throw new FuelImageError('STEP_FAILED', `${image.mountPoint}: cannot read the block count of the new filesystem`);
  // resize2fs shrinks the filesystem, not the file holding it.
  await runStep(context, step, ['truncate', '-s', String(count * BLOCK), image.rawPath]);
  await runStep(context, `e2fsck ${image.mountPoint}`, ['e2fsck', '-fn', image.rawPath]);
}

/** Content, 25 % headroom and room for the journal; enough inodes at the default ratio. resize2fs -M takes the slack back. */
export function initialBlocks(contentBlocks: number, inodes: number): number {
  const forData = Math.ceil(contentBlocks * 1.25) + (128 * 1024 * 1024) / BLOCK;
  const forInodes = Math.ceil((inodes * 1.3 * BYTES_PER_INODE) / BLOCK);
  return Math.max(forData, forInodes, (16 * 1024 * 1024) / BLOCK);
}

export async function packImage(context: BuildContext, image: ImagePlan): Promise<PackedImage> {
  const result = await runStep(context, `compress ${image.mountPoint}`, ['bash', `${HELPER.control}/scripts/pack-image.sh`, image.rawPath, image.container]);
  const [rawSize, rawMd5, containerSize, containerMd5] = result.stdout.trim().split(/\s+/);
  const packed = { image, rawSize: Number(rawSize), rawMd5: rawMd5 ?? '', containerSize: Number(containerSize), containerMd5: containerMd5 ?? '' };
  if (!/^[0-9a-f]{32}$/.test(packed.rawMd5) || !/^[0-9a-f]{32}$/.test(packed.containerMd5) || !(packed.rawSize > 0))
    throw new FuelImageError('STEP_FAILED', `${image.mountPoint}: unexpected output from pack-image: ${result.stdout.slice(0, 200)}`);
  return packed;
}
