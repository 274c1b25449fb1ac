import type { Logger } from 'pino';
import { startStoringBootstrap } from '../cache/bootstrap-cache.js';
import { reportStore, startStoringTree, type MadeImages } from '../cache/fill-cache.js';
import { packedFromCache } from '../cache/image-cache.js';
import { allCached, type CachePlan } from '../cache/plan-cache.js';
import { partsSuffice, restoreParts, restoreTree } from '../cache/tree-cache.js';
import { helperScript, HELPER } from '../plan/helper-paths.js';
import { initSystemOf, type InitSystem } from '../release/releases.js';
import { bootstrapRootfs, type FastIo } from '../stages/bootstrap-rootfs.js';
import { installDelta, installPackages } from '../stages/install-packages.js';
import { makeImages } from '../stages/make-images.js';
import { prefetchInstallDebs } from '../stages/prefetch-debs.js';
import type { ReleaseProbe } from '../stages/probe-release.js';
import type { StageContext } from '../stages/stage-context.js';
import { targetEnv } from '../stages/target-env.js';
import { finishTree, type KeptTree, type TreeOptions } from './finish-tree.js';
import type { Progress } from './progress.js';

/**
 * The images, from wherever they are cheapest: all from the image cache;
 * the missing ones made from the cached tree (another /boot format, say);
 * a cached tree with some of the packages extended by a delta install, when
 * apt agrees; else the cold path. Every path that makes a tree keeps a copy
 * of it for the cache (when the build uses one).
 */
export async function makeOrReuse(context: StageContext, release: ReleaseProbe, cachePlan: CachePlan | undefined, progress: Progress, logger: Logger): Promise<MadeImages> {
  const cached = allCached(cachePlan);
  if (cached) {
    progress.start('cache', `using ${cached.length} cached image(s)`);
    const { facts, warnings } = cached[0]!.entry;
    for (const warning of warnings) logger.warn({ step: 'inspect' }, warning);
    return { packed: cached.map((i) => packedFromCache(i.image, i.key, i.entry)), facts, warnings, trees: {} };
  }
  const missing = cachePlan ? cachePlan.images.filter((i) => !i.entry).map((i) => i.image) : context.plan.images;
  const init = initSystemOf(context.plan.spec.codename);
  let made: MadeImages | undefined;
  if (cachePlan?.tree) {
    // Another /boot format needs /boot's subtree alone; "/" needs the whole tree, split.
    const parts = partsSuffice(missing, context.plan.images);
    progress.start('cache', `restoring ${parts ? missing.map((i) => i.mountPoint).join(', ') : 'the tree'} from the cache`);
    if (parts) await restoreParts(context.session, cachePlan.treeKey, HELPER.parts, missing);
    else await restoreTree(context.session, 'trees', cachePlan.treeKey, HELPER.target);
    const { facts, warnings } = cachePlan.tree;
    for (const warning of warnings) logger.warn({ step: 'inspect' }, warning);
    progress.start('filesystems', `making ${missing.length} filesystem image(s)`);
    made = { packed: await makeImages(context, facts, missing, { split: !parts }), facts, warnings, trees: { installed: { key: cachePlan.treeKey, hit: true } } };
  }
  // A tree this build makes goes into the cache (when it uses one).
  const keep = cachePlan && ((tree: KeptTree) => startStoringTree(context.session, cachePlan, context.plan, tree));
  if (!made && cachePlan?.baseTree && keep) made = await extendCachedTree(context, init, { ...cachePlan, baseTree: cachePlan.baseTree }, progress, logger, { missing, keep });
  if (!made) made = await makeTree(context, init, release, progress, logger, { missing, keep, cachePlan });
  // In the plan's order: cached images where there are, made ones elsewhere.
  const byMount = new Map(made.packed.map((p) => [p.image.mountPoint, p]));
  const packed = (cachePlan?.images ?? context.plan.images.map((image) => ({ image, key: '', entry: undefined }))).map(
    (i) => byMount.get(i.image.mountPoint) ?? packedFromCache(i.image, i.key, i.entry!),
  );
  return { ...made, packed };
}

/**
 * The cold path: the bootstrap (restored from the cache when it is there,
 * else made and stored while the packages download), packages, then the
 * tree finished and imaged.
 */
async function makeTree(
  context: StageContext,
  init: InitSystem,
  release: ReleaseProbe,
  progress: Progress,
  logger: Logger,
  options: TreeOptions & { cachePlan?: CachePlan },
): Promise<MadeImages> {
  const { plan, session } = context;
  const { cachePlan } = options;
  let io: FastIo;
  let bootstrapStore: { stored: Promise<boolean | Error> } | undefined;
  const ahead: { installDebs?: Promise<boolean> } = {};
  if (cachePlan?.bootstrap) {
    progress.start('cache', 'restoring the bootstrapped tree from the cache');
    io = cachePlan.bootstrap.io;
    await restoreTree(session, 'bootstraps', cachePlan.bootstrapKey, HELPER.target);
    await reopenTree(context, io);
  } else {
    // The packages' .debs are fetched while the second stage configures the base system.
    io = await bootstrapRootfs(context, release, { whileConfiguring: () => (ahead.installDebs = prefetchInstallDebs(context, release)) });
    if (cachePlan) bootstrapStore = await startStoringBootstrap(session, cachePlan.bootstrapKey, { codename: plan.spec.codename, io, createdAt: new Date().toISOString() });
  }
  // What a later delta install simulates "from scratch" against.
  if (options.keep) await session.run('keep-status', ['install', '-D', '-m', '0644', `${HELPER.target}/var/lib/dpkg/status`, HELPER.bootstrapStatus]);
  progress.start('install', `installing ${plan.packages.length} packages`);
  // The bootstrap's copy shares the tree's inodes: archived before dpkg changes any.
  const { initramfsAside } = await installPackages(context, init, {
    beforeDpkg: async () => bootstrapStore && reportStore(session, 'the bootstrapped tree', cachePlan!.bootstrapKey, await bootstrapStore.stored),
    initramfsAside: true,
    prefetched: ahead.installDebs,
  });
  const made = await finishTree(context, init, io, progress, logger, { ...options, initramfsAside });
  return cachePlan ? { ...made, trees: { installed: { key: cachePlan.treeKey, hit: false }, bootstrap: { key: cachePlan.bootstrapKey, hit: cachePlan.bootstrap !== undefined } } } : made;
}

/** A tree unpacked from the cache, readied for installing as a fresh bootstrap is (reopen-tree.sh). */
async function reopenTree({ session, plan }: StageContext, io: FastIo): Promise<void> {
  await session.run('reopen-tree', ['bash', helperScript('reopen-tree.sh'), HELPER.target, io]);
  session.setTargetEnv(targetEnv(plan.spec, io === 'eatmydata'));
}

/**
 * A cached tree holding some of the packages, extended by the rest; or
 * undefined (the target discarded) when apt's simulations disagree, and the
 * build starts from the bootstrap.
 */
async function extendCachedTree(
  context: StageContext,
  init: InitSystem,
  cachePlan: CachePlan & Required<Pick<CachePlan, 'baseTree'>>,
  progress: Progress,
  logger: Logger,
  options: Required<TreeOptions>,
): Promise<MadeImages | undefined> {
  const { session } = context;
  const base = cachePlan.baseTree;
  const status = `${HELPER.target}${HELPER.bootstrapAdmin}/status`;
  progress.start('cache', `restoring a cached tree that lacks ${base.extra.join(' ')}`);
  await restoreTree(session, 'trees', base.key, HELPER.target, status);
  await reopenTree(context, base.entry.io);
  progress.start('install', `installing ${base.extra.length} more package(s) on the cached tree`);
  const delta = await installDelta(context, init);
  if (!delta.applied) {
    logger.info({ step: 'delta-install', reason: delta.reason }, `no delta install (${delta.reason}): building from the bootstrap`);
    await session.run('discard-target', ['bash', helperScript('discard-target.sh'), HELPER.target]);
    return undefined;
  }
  await session.run('keep-status', ['install', '-D', '-m', '0644', status, HELPER.bootstrapStatus]);
  const made = await finishTree(context, init, base.entry.io, progress, logger, options);
  return { ...made, trees: { installed: { key: cachePlan.treeKey, hit: false }, delta_from: base.key } };
}
