import type { HelperSession } from '../helper/helper-session.js';
import type { BuildPlan, ImagePlan } from '../plan/plan-build.js';
import { computeTreeKey, imageCacheKey, type TreeKeyInputs } from './cache-keys.js';
import { lookUpImages, readReleaseDigests } from './image-cache.js';
import type { CacheEntry } from './schema.js';

export interface CacheOptions {
  /** The engine's key secret (helper/key-secret.ts): the tree key covers root_password. */
  secret: Buffer;
  inputs: Omit<TreeKeyInputs, 'releaseDigests' | 'spec'>;
  /** The cache's size bound; least recently used entries go beyond it. */
  maxBytes: number;
}

export interface CachePlan {
  treeKey: string;
  images: Array<{ image: ImagePlan; key: string; entry?: CacheEntry }>;
}

/**
 * The cache keys of this build's images and the entries already there, or
 * undefined when a repo's Release file cannot be read (no key can say which
 * mirror state an image holds: the build runs without the cache).
 */
export async function planCache(session: HelperSession, plan: BuildPlan, options: CacheOptions): Promise<CachePlan | undefined> {
  const digests = await readReleaseDigests(session, plan.spec.repos);
  if (!digests) {
    session.logger.warn({ step: 'release-digests' }, 'a repo serves no Release file at its suite: building without the image cache');
    return undefined;
  }
  const treeKey = await computeTreeKey(options.secret, { ...options.inputs, spec: plan.spec, releaseDigests: digests });
  const mountPoints = plan.images.map((image) => image.mountPoint);
  const keyed = plan.images.map((image) => ({ image, key: imageCacheKey(treeKey, image, mountPoints, plan.featureSet) }));
  const found = await lookUpImages(session, keyed.map((k) => k.key));
  const images = keyed.map((k) => ({ ...k, entry: found.get(k.key) }));
  session.logger.info(
    { step: 'cache', hits: images.filter((i) => i.entry).map((i) => i.image.mountPoint), misses: images.filter((i) => !i.entry).map((i) => i.image.mountPoint) },
    `image cache: ${images.filter((i) => i.entry).length} of ${images.length} image(s) cached`,
  );
  return { treeKey, images };
}

/** Every image cached (from one tree, as equal tree keys say): the build streams them out and makes nothing. Else undefined. */
export function allCached(plan: CachePlan | undefined): Array<{ image: ImagePlan; key: string; entry: CacheEntry }> | undefined {
  if (!plan) return undefined;
  const hits = plan.images.flatMap((i) => (i.entry ? [{ image: i.image, key: i.key, entry: i.entry }] : []));
  return hits.length === plan.images.length ? hits : undefined;
}
