import type { Logger } from 'pino';
import type { HelperSession } from '../helper/helper-session.js';
import { helperScript } from '../plan/helper-paths.js';
import { cacheEnv, parseEntries } from './image-cache.js';
import { BootstrapEntry, CacheEntry, TreeEntry } from './schema.js';

/** One line of `fuel-image cache ls`. */
export interface ListedEntry {
  kind: 'image' | 'tree' | 'bootstrap';
  key: string;
  codename: string;
  /** An image's mount point, format and container. */
  mount_point?: string;
  format?: string;
  container?: string;
  /** A tree's requested packages. */
  packages?: string[];
  bytes: number;
  created_at: string;
  last_used: string;
}

/** Every complete entry of every kind, most recently used first. */
export async function listEntries(session: HelperSession): Promise<ListedEntry[]> {
  const result = await session.run('cache-ls', ['bash', helperScript('cache.sh'), 'ls'], { env: cacheEnv() });
  return parseListing(result.stdout, session.logger);
}

/** cache.sh ls: "### KEY BYTES USED_EPOCH KIND" and the entry's JSON, per entry; one that does not parse is left out. */
export function parseListing(stdout: string, logger?: Logger): ListedEntry[] {
  return stdout.split(/^(?=### )/m).flatMap((block): ListedEntry[] => {
    const head = /^### ([0-9a-f]{64}) (\d+) (\d+) (images|trees|bootstraps)$/m.exec(block);
    if (!head) return [];
    const key = head[1]!;
    const common = { key, bytes: Number(head[2]), last_used: new Date(Number(head[3]) * 1000).toISOString() };
    if (head[4] === 'images') {
      const image = parseEntries(block, CacheEntry, logger).get(key);
      return image ? [{ kind: 'image', ...common, codename: image.codename, mount_point: image.mountPoint, format: image.format, container: image.container, created_at: image.createdAt }] : [];
    }
    if (head[4] === 'bootstraps') {
      const bootstrap = parseEntries(block, BootstrapEntry, logger).get(key);
      return bootstrap ? [{ kind: 'bootstrap', ...common, codename: bootstrap.codename, created_at: bootstrap.createdAt }] : [];
    }
    const tree = parseEntries(block, TreeEntry, logger).get(key);
    return tree ? [{ kind: 'tree', ...common, codename: tree.codename, packages: tree.packages, created_at: tree.createdAt }] : [];
  });
}

/** Removes every entry. */
export async function pruneAll(session: HelperSession): Promise<void> {
  await session.run('cache-prune', ['bash', helperScript('cache.sh'), 'prune-all'], { env: cacheEnv() });
}
