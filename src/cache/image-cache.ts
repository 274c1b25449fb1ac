import type { Logger } from 'pino';
import type { HelperSession } from '../helper/helper-session.js';
import { helperScript } from '../plan/helper-paths.js';
import type { ImagePlan } from '../plan/plan-build.js';
import type { PackedImage } from '../stages/make-images.js';
import type { z } from 'zod';
import { CacheEntry } from './schema.js';

/** The engine-side volume holding the cache, and where helpers mount it. */
export const CACHE_VOLUME = 'fuel-image-cache';
export const CACHE_DIR = '/var/cache/fuel-image';

/** An entry's image file inside the helper (cache.sh's layout). */
export function cachedImagePath(key: string): string {
  return `${CACHE_DIR}/images/${key}/image`;
}

/** The complete, well-formed entries among `keys`; each one found is marked as just used. */
export async function lookUpImages(session: HelperSession, keys: readonly string[]): Promise<Map<string, CacheEntry>> {
  const result = await session.run('cache-get', ['bash', helperScript('cache.sh'), 'get', 'images', ...keys], { env: cacheEnv() });
  return parseEntries(result.stdout, CacheEntry, session.logger);
}

/**
 * cache.sh prints "### KEY [fields]" before each entry's JSON. Checked
 * against the kind's schema: anything with access to the engine can write
 * the volume, and an entry that does not parse is a miss.
 */
export function parseEntries<T>(stdout: string, schema: z.ZodType<T>, logger?: Logger): Map<string, T> {
  const entries = new Map<string, T>();
  for (const block of stdout.split(/^### /m).slice(1)) {
    const newline = block.indexOf('\n');
    const key = block.slice(0, newline).split(' ')[0]!;
    let parsed;
    try {
      parsed = schema.safeParse(JSON.parse(block.slice(newline + 1)));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) entries.set(key, parsed.data);
    else logger?.warn({ key }, 'a cache entry that does not parse is ignored (cache prune removes it)');
  }
  return entries;
}

/** A cached image as the stream-out step takes it: the helper path is the cache's. */
export function packedFromCache(image: ImagePlan, key: string, entry: CacheEntry): PackedImage {
  return {
    image: { ...image, containerPath: cachedImagePath(key) },
    rawSize: entry.rawSize,
    rawMd5: entry.rawMd5,
    containerSize: entry.containerSize,
    containerMd5: entry.containerMd5,
  };
}

/** Stores one finished image under its key; true when this build stored it, false when it was there. */
export async function storeImage(session: HelperSession, key: string, packed: PackedImage, entry: CacheEntry): Promise<boolean> {
  const result = await session.run('cache-put', ['bash', helperScript('cache.sh'), 'put', 'images', key, packed.image.containerPath], {
    env: cacheEnv(),
    stdin: JSON.stringify(entry),
  });
  return /^stored$/m.test(result.stdout);
}

/** Removes least recently used entries (images and trees) until the cache holds at most `maxBytes`. */
export async function evictEntries(session: HelperSession, maxBytes: number): Promise<{ evicted: string[]; totalBytes: number }> {
  const result = await session.run('cache-evict', ['bash', helperScript('cache.sh'), 'evict', String(maxBytes)], { env: cacheEnv() });
  const evicted = [...result.stdout.matchAll(/^evicted ([0-9a-f]{64}) /gm)].map((m) => m[1]!);
  const totalBytes = Number(/^total (\d+)$/m.exec(result.stdout)?.[1] ?? 0);
  return { evicted, totalBytes };
}

/** What cache.sh runs with in the helper: its volume's path, nothing of the build's environment. */
export function cacheEnv(): string[] {
  return ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', `CACHE_DIR=${CACHE_DIR}`];
}
