import type { HelperSession } from '../helper/helper-session.js';
import type { BuildPlan, ImagePlan } from '../plan/plan-build.js';
import { lookUpBootstrap } from './bootstrap-cache.js';
import { computeBaseKey, computeBootstrapKey, computeTreeKey, imageCacheKey, type TreeKeyInputs } from './cache-keys.js';
import { lookUpImages } from './image-cache.js';
import type { BootstrapEntry, CacheEntry, TreeEntry } from './schema.js';
import { findTrees, lookUpTree, pickBaseTree } from './tree-cache.js';

export interface CacheOptions {
  /** The engine's key secret (helper/key-secret.ts): the tree key covers root_password. */
  secret: Buffer;
  inputs: Omit<TreeKeyInputs, 'releaseDigests' | 'spec'>;
  /** The cache's size bound; least recently used entries go beyond it. */
  maxBytes: number;
}

export interface CachePlan {
  treeKey: string;
  /** The tree's key without its package list (the key of the trees a delta install may start from). */
  baseKey: string;
  /** The cached tree, looked up only when an image is missing: the images are made from it. */
  tree?: TreeEntry;
  /** Without that: a cached tree with some of the packages, which a delta install may extend by `extra`. */
  baseTree?: { key: string; entry: TreeEntry; extra: string[] };
  /** The bootstrapped tree's key (codename, first repo, its Release file, trust options). */
  bootstrapKey: string;
  /** The cached bootstrap, looked up when no installed tree is: the cold path starts from it. */
  bootstrap?: BootstrapEntry;
  images: Array<{ image: ImagePlan; key: string; entry?: CacheEntry }>;
}

/**
 * The cache keys of this build's images and the entries already there, or
 * undefined when a repo's Release file could not be read (no key can say
 * which mirror state an image holds: the build runs without the cache).
 */
export async function planCache(session: HelperSession, plan: BuildPlan, options: CacheOptions, digests: string[] | undefined): Promise<CachePlan | undefined> {
  if (!digests) {
    session.logger.warn({ step: 'release-digests' }, 'a repo serves no Release file at its suite: building without the image cache');
    return undefined;
  }
  const keyInputs = { ...options.inputs, spec: plan.spec, releaseDigests: digests };
  const [treeKey, baseKey, bootstrapKey] = await Promise.all([
    computeTreeKey(options.secret, keyInputs),
    computeBaseKey(options.secret, keyInputs),
    computeBootstrapKey(options.secret, keyInputs),
  ]);
  const mountPoints = plan.images.map((image) => image.mountPoint);
  const keyed = plan.images.map((image) => ({ image, key: imageCacheKey(treeKey, image, mountPoints, plan.featureSet, plan.gzipLevel) }));
  const found = await lookUpImages(session, keyed.map((k) => k.key));
  const images = keyed.map((k) => ({ ...k, entry: found.get(k.key) }));
  const misses = images.filter((i) => !i.entry).map((i) => i.image.mountPoint);
  const tree = misses.length > 0 ? await lookUpTree(session, treeKey) : undefined;
  const baseTree = misses.length > 0 && !tree ? pickBaseTree(await findTrees(session, baseKey), plan.packages) : undefined;
  // Also behind a delta install: apt may refuse it, and the build then starts from the bootstrap.
  const bootstrap = misses.length > 0 && !tree ? await lookUpBootstrap(session, bootstrapKey) : undefined;
  const treeNote =
    misses.length === 0
      ? ''
      : tree
        ? '; the installed tree is cached'
        : `${baseTree ? `; a cached tree lacks only ${baseTree.extra.join(' ')}` : '; no cached tree'}; ${bootstrap ? 'the bootstrap is cached' : 'no cached bootstrap'}`;
  session.logger.info(
    { step: 'cache', hits: images.filter((i) => i.entry).map((i) => i.image.mountPoint), misses, tree: tree !== undefined, deltaFrom: baseTree?.key, extra: baseTree?.extra, bootstrap: bootstrap !== undefined },
    `image cache: ${images.length - misses.length} of ${images.length} image(s) cached${treeNote}`,
  );
  return { treeKey, baseKey, tree, baseTree, bootstrapKey, bootstrap, images };
}

/** Every image cached (from one tree, as equal tree keys say): the build streams them out and makes nothing. Else undefined. */
export function allCached(plan: CachePlan | undefined): Array<{ image: ImagePlan; key: string; entry: CacheEntry }> | undefined {
  if (!plan) return undefined;
  const hits = plan.images.flatMap((i) => (i.entry ? [{ image: i.image, key: i.key, entry: i.entry }] : []));
  return hits.length === plan.images.length ? hits : undefined;
}
