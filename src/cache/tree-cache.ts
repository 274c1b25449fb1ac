import type { HelperSession } from '../helper/helper-session.js';
import type { ImagePlan } from '../plan/plan-build.js';
import { helperScript } from '../plan/helper-paths.js';
import { layoutRefusal } from '../stages/make-images.js';
import { cacheEnv, parseEntries } from './image-cache.js';
import { TreeEntry } from './schema.js';

/** The cached tree under `key`, or undefined; a found one is marked as just used. */
export async function lookUpTree(session: HelperSession, key: string): Promise<TreeEntry | undefined> {
  const result = await session.run('cache-get', ['bash', helperScript('cache.sh'), 'get', 'trees', key], { env: cacheEnv() });
  return parseEntries(result.stdout, TreeEntry, session.logger).get(key);
}

/** Every cached tree that differs from this build's in its package list alone. */
export async function findTrees(session: HelperSession, baseKey: string): Promise<Map<string, TreeEntry>> {
  const result = await session.run('cache-find', ['bash', helperScript('cache.sh'), 'find-trees', baseKey], { env: cacheEnv() });
  const found = parseEntries(result.stdout, TreeEntry, session.logger);
  // grep found the text; the parsed field decides.
  for (const [key, entry] of found) if (entry.baseKey !== baseKey) found.delete(key);
  return found;
}

/**
 * The tree a delta install would start from: the one holding the most of
 * the requested packages and nothing else (a tree with a package the build
 * does not ask for is never a start: removing is not the inverse of
 * installing). Undefined when none qualifies.
 */
export function pickBaseTree(trees: ReadonlyMap<string, TreeEntry>, packages: readonly string[]): { key: string; entry: TreeEntry; extra: string[] } | undefined {
  const wanted = new Set(packages);
  let best: { key: string; entry: TreeEntry; extra: string[] } | undefined;
  for (const [key, entry] of [...trees].sort(([a], [b]) => a.localeCompare(b))) {
    if (!entry.packages.every((name) => wanted.has(name))) continue;
    const extra = packages.filter((name) => !entry.packages.includes(name));
    if (extra.length === 0) continue;
    if (!best || extra.length < best.extra.length) best = { key, entry, extra };
  }
  return best;
}

/**
 * Unpacks a cached tree (an installed one, or a bootstrap) into `target`, an
 * empty directory in the helper, and an installed tree's bootstrap status to
 * `statusCopy`.
 */
export async function restoreTree(session: HelperSession, kind: 'trees' | 'bootstraps', key: string, target: string, statusCopy?: string): Promise<void> {
  await session.run('cache-restore', ['bash', helperScript('cache.sh'), 'restore', kind, key, target, ...(statusCopy ? [statusCopy] : [])], { env: cacheEnv() });
}

/**
 * Unpacks only the subtrees of `images` (each into its part directory, as
 * split-tree.sh leaves it): another format for /boot needs none of the rest.
 * Only for mount points with no other mount point below them.
 */
export async function restoreParts(session: HelperSession, key: string, parts: string, images: ReadonlyArray<Pick<ImagePlan, 'index' | 'mountPoint'>>): Promise<void> {
  await session.run('cache-restore', ['bash', helperScript('cache.sh'), 'restore-parts', key, parts, ...images.map((i) => `${i.index}:${i.mountPoint}`)], {
    env: cacheEnv(),
    classify: layoutRefusal,
  });
}

/** Whether every image to make can come from restoreParts: not "/", and no mount point of the plan nested below one. */
export function partsSuffice(missing: ReadonlyArray<Pick<ImagePlan, 'mountPoint'>>, all: ReadonlyArray<Pick<ImagePlan, 'mountPoint'>>): boolean {
  return missing.every((m) => m.mountPoint !== '/' && !all.some((other) => other.mountPoint.startsWith(`${m.mountPoint}/`)));
}

/** Stores the tree in `dir` (and the bootstrap's dpkg status) under `key`; true when this build stored it, false when it was there. */
export async function storeTree(session: HelperSession, key: string, dir: string, bootstrapStatus: string, entry: TreeEntry): Promise<boolean> {
  const result = await session.run('cache-put', ['bash', helperScript('cache.sh'), 'put', 'trees', key, dir, bootstrapStatus], { env: cacheEnv(), stdin: JSON.stringify(entry) });
  return /^stored$/m.test(result.stdout);
}
