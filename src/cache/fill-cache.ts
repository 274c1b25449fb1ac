import { toError } from '../errors.js';
import type { HelperSession } from '../helper/helper-session.js';
import { HELPER } from '../plan/helper-paths.js';
import type { BuildPlan } from '../plan/plan-build.js';
import type { TargetFacts } from '../stages/inspect-target.js';
import type { PackedImage } from '../stages/make-images.js';
import { evictEntries, storeImage } from './image-cache.js';
import type { CachePlan } from './plan-cache.js';
import type { CacheEntry, TreeEntry } from './schema.js';
import { storeTree } from './tree-cache.js';

/** A build's images with what the metadata needs of their tree. */
export interface MadeImages {
  /** In the plan's order. */
  packed: PackedImage[];
  facts: TargetFacts;
  warnings: string[];
  /**
   * This build's tree going into the cache while its images are made: true
   * when stored, false when it was there, or the error (a failure to store
   * is a warning after publishing, not a failed build).
   */
  treeStore?: Promise<boolean | Error>;
  /** Which cached trees the build looked up and whether it used them (the metadata says so); absent without the cache. */
  trees?: TreesUsed;
}

/** The metadata's account of the cached trees: each one looked up, by key, and whether it was used. */
export interface TreesUsed {
  /** The installed tree: used to make images, or made by this build and stored. */
  installed?: { key: string; hit: boolean };
  /** The cached tree a delta install extended. */
  delta_from?: string;
  /** The bootstrap: restored, or made by this build and stored. */
  bootstrap?: { key: string; hit: boolean };
}

/**
 * Logs how storing a tree ended: a failure is a warning (the build itself
 * goes on), unless the build was interrupted, which stays an interrupt.
 */
export function reportStore(session: HelperSession, what: string, key: string, stored: boolean | Error): void {
  if (stored instanceof Error) {
    if (session.signal.aborted) throw stored;
    session.logger.warn({ err: stored }, `could not store ${what} in the cache: the build itself is not affected`);
  } else {
    session.logger.info({ step: 'cache-put', key }, `${what}: ${stored ? 'stored in the cache' : 'already in the cache'}`);
  }
}

/**
 * Starts storing the finished tree (kept as hard links in HELPER.keptTree,
 * with the bootstrap's dpkg status) while the images are made from the
 * original: the tar runs beside mke2fs and pigz instead of after publishing.
 */
export function startStoringTree(session: HelperSession, cachePlan: CachePlan, plan: BuildPlan, tree: Pick<TreeEntry, 'facts' | 'warnings' | 'io'>): Promise<boolean | Error> {
  const entry: TreeEntry = { codename: plan.spec.codename, baseKey: cachePlan.baseKey, packages: plan.packages, createdAt: new Date().toISOString(), ...tree };
  return storeTree(session, cachePlan.treeKey, HELPER.keptTree, HELPER.bootstrapStatus, entry).catch(toError);
}

/**
 * After publishing: the tree's store awaited, the images this build made
 * stored under their keys, then the cache kept within its bound. The output
 * is already in place, so a failure here (a full engine disk) is a warning,
 * never a failed build.
 */
export async function fillCache(session: HelperSession, cachePlan: CachePlan, made: MadeImages, options: { maxBytes: number; plan: BuildPlan }): Promise<void> {
  const { codename } = options.plan.spec;
  const createdAt = new Date().toISOString();
  try {
    // A tree that could not be stored is a warning: the images can still be stored.
    if (made.treeStore) reportStore(session, 'the installed tree', cachePlan.treeKey, await made.treeStore);
    for (const [index, item] of cachePlan.images.entries()) {
      if (item.entry) continue;
      const packed = made.packed[index]!;
      const entry: CacheEntry = {
        mountPoint: item.image.mountPoint,
        format: item.image.format,
        container: item.image.container,
        containerSize: packed.containerSize,
        containerMd5: packed.containerMd5,
        rawSize: packed.rawSize,
        rawMd5: packed.rawMd5,
        createdAt,
        codename,
        facts: made.facts,
        warnings: made.warnings,
      };
      const stored = await storeImage(session, item.key, packed, entry);
      session.logger.info({ step: 'cache-put', mountPoint: item.image.mountPoint, key: item.key }, stored ? `${item.image.mountPoint}: stored in the image cache` : `${item.image.mountPoint}: already in the image cache`);
    }
    const { evicted, totalBytes } = await evictEntries(session, options.maxBytes);
    if (evicted.length > 0) session.logger.info({ step: 'cache-evict', evicted, totalBytes }, `cache: ${evicted.length} least recently used entr${evicted.length === 1 ? 'y' : 'ies'} evicted to stay within ${options.maxBytes} bytes`);
  } catch (error) {
    if (session.signal.aborted) throw error;
    session.logger.warn({ err: error }, 'could not store the build in the cache: the build itself succeeded');
  }
}
