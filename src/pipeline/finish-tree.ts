import type { Logger } from 'pino';
import type { MadeImages } from '../cache/fill-cache.js';
import type { TreeEntry } from '../cache/schema.js';
import { toError } from '../errors.js';
import { HELPER } from '../plan/helper-paths.js';
import type { ImagePlan } from '../plan/plan-build.js';
import { nodeAgentWarnings } from '../release/node-agent-needs.js';
import type { InitSystem } from '../release/releases.js';
import type { FastIo } from '../stages/bootstrap-rootfs.js';
import { inspectTarget } from '../stages/inspect-target.js';
import { cleanTarget, makeImages, splitTree } from '../stages/make-images.js';
import { placeInitramfs, startInitramfsAside } from '../stages/make-initramfs-aside.js';
import type { StageContext } from '../stages/stage-context.js';
import type { Progress } from './progress.js';

export type KeptTree = Pick<TreeEntry, 'facts' | 'warnings' | 'io'>;

export interface TreeOptions {
  missing: readonly ImagePlan[];
  /** Stores the finished tree in the cache; absent without the cache. */
  keep?: (tree: KeptTree) => Promise<boolean | Error>;
}

/**
 * Inspection, clean-up, a copy for the tree cache, and the filesystem
 * images. With `initramfsAside` (the install left it), the initramfs is made
 * on a copy of the tree meanwhile, and only /boot's image (and the tree's
 * store) waits for it.
 */
export async function finishTree(context: StageContext, init: InitSystem, io: FastIo, progress: Progress, logger: Logger, options: TreeOptions & { initramfsAside?: boolean }): Promise<MadeImages> {
  const { session, plan } = context;
  const aside = options.initramfsAside ? await startInitramfsAside(session) : undefined;
  const facts = await inspectTarget(context);
  const warnings = nodeAgentWarnings(facts.tree);
  for (const warning of warnings) logger.warn({ step: 'inspect' }, warning);
  progress.start('clean', 'removing build-only files from the tree');
  await cleanTarget(context, facts, init);
  // Hard links (a second): the copy is archived into the cache while split-tree and mke2fs work on the original.
  if (options.keep) await session.run('keep-tree', ['cp', '-a', '-l', '--', HELPER.target, HELPER.keptTree]);
  progress.start('filesystems', `making ${options.missing.length} filesystem image(s)${aside ? ', the initramfs beside them' : ''}`);
  await splitTree(context);
  const boot = plan.images.find((image) => image.mountPoint === '/boot');
  const placed = aside && boot ? aside.made.then((versions) => placeInitramfs(session, versions, boot.sourceDir, options.keep && `${HELPER.keptTree}/boot`)) : undefined;
  const keep = options.keep;
  const treeStore = keep && (placed ? placed.then(() => keep({ facts, warnings, io }), toError) : keep({ facts, warnings, io }));
  // Awaited here too: an initramfs that fails fails the build even when /boot's image is cached.
  const [packed] = await Promise.all([makeImages(context, facts, options.missing, { split: false, ready: placed && new Map([['/boot', placed]]) }), placed]);
  return { packed, facts, warnings, treeStore };
}
