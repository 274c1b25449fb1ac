import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ensureCacheVolume } from '../cache/cache-volume.js';
import { CACHE_DIR, CACHE_VOLUME, evictEntries } from '../cache/image-cache.js';
import { listEntries, pruneAll } from '../cache/list-entries.js';
import { connectDocker } from '../helper/connect-docker.js';
import { ensureHelperImage } from '../helper/helper-image.js';
import { startHelperSession } from '../helper/helper-session.js';
import type { CacheArgs } from './parse-args.js';

/**
 * `fuel-image cache ls | prune [--all]`: the caches live in a volume
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
    if (args.action === 'prune') {
      if (args.all) {
        const before = await listEntries(session);
        await pruneAll(session);
        return { outcome: 'success', volume: CACHE_VOLUME, removed: before.map((e) => e.key), total_bytes: 0 };
      }
      const { evicted, totalBytes } = await evictEntries(session, args.maxBytes);
      return { outcome: 'success', volume: CACHE_VOLUME, removed: evicted, total_bytes: totalBytes, max_bytes: args.maxBytes };
    }
    const entries = await listEntries(session);
    return { outcome: 'success', volume: CACHE_VOLUME, entries, total_bytes: entries.reduce((sum, e) => sum + e.bytes, 0), max_bytes: args.maxBytes };
  } finally {
    await session.remove();
  }
}
