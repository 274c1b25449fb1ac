import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ensureCacheVolume } from '../cache/cache-volume.js';
import { CACHE_DIR, CACHE_VOLUME, cacheEnv, evictImages, parseEntries } from '../cache/image-cache.js';
import { connectDocker } from '../helper/connect-docker.js';
import { ensureHelperImage } from '../helper/helper-image.js';
import { startHelperSession } from '../helper/helper-session.js';
import { helperScript } from '../plan/helper-paths.js';
import type { CacheArgs } from './parse-args.js';

/**
 * `fuel-image cache ls | prune [--all]`: the image cache lives in a volume
 * on the engine, so both run in a helper container with it mounted (the
 * builder may be in a container, or the engine remote).
 */
export async function manageCache(args: CacheArgs, logger: Logger, signal: AbortSignal) {
  const docker = await connectDocker({ signal });
  await ensureCacheVolume(docker);
  const image = args.helperImage ?? (await ensureHelperImage(docker, { baseImage: args.baseImage, logger, signal }));
  const session = await startHelperSession(docker, {
    image,
    buildId: randomBytes(6).toString('hex'),
    privileged: false,
    network: 'none',
    logger,
    signal,
    volumes: { [CACHE_DIR]: CACHE_VOLUME },
  });
  try {
    const env = { env: cacheEnv() };
    if (args.action === 'prune') {
      if (args.all) {
        const before = await listEntries();
        await session.run('cache-prune', ['bash', helperScript('cache.sh'), 'prune-all'], env);
        return { outcome: 'success', volume: CACHE_VOLUME, removed: before.map((e) => e.key), total_bytes: 0 };
      }
      const { evicted, totalBytes } = await evictImages(session, args.maxBytes);
      return { outcome: 'success', volume: CACHE_VOLUME, removed: evicted, total_bytes: totalBytes, max_bytes: args.maxBytes };
    }
    const entries = await listEntries();
    return { outcome: 'success', volume: CACHE_VOLUME, entries, total_bytes: entries.reduce((sum, e) => sum + e.bytes, 0), max_bytes: args.maxBytes };

    async function listEntries() {
      const result = await session.run('cache-ls', ['bash', helperScript('cache.sh'), 'ls'], env);
      const sizes = new Map([...result.stdout.matchAll(/^### ([0-9a-f]{64}) (\d+) (\d+)$/gm)].map((m) => [m[1]!, { bytes: Number(m[2]), used: Number(m[3]) }]));
      return [...parseEntries(result.stdout, logger)]
        .map(([key, entry]) => ({
          key,
          mount_point: entry.mountPoint,
          codename: entry.codename,
          format: entry.format,
          container: entry.container,
          bytes: sizes.get(key)?.bytes ?? 0,
          created_at: entry.createdAt,
          last_used: new Date((sizes.get(key)?.used ?? 0) * 1000).toISOString(),
        }))
        .sort((a, b) => b.last_used.localeCompare(a.last_used));
    }
  } finally {
    await session.remove();
  }
}
