import { z } from 'zod';
import type { TargetFacts } from '../stages/inspect-target.js';

/** What the metadata needs of the tree an image came from. */
const Facts = z.object({
  os: z.object({ name: z.string(), major: z.number(), minor: z.number() }),
  installed: z.record(z.string(), z.string()),
  tree: z.object({ grubInstall: z.boolean(), grubMkconfig: z.boolean(), ifupdown: z.boolean(), sshd: z.boolean() }),
}) satisfies z.ZodType<TargetFacts>;

/**
 * entry.json of a cached image, as cache.sh stores it on the engine's volume
 * and `get` prints it back: checked before use, since anything with access
 * to the engine can write that volume. An entry that does not parse is a miss.
 */
export const CacheEntry = z.object({
  mountPoint: z.string(),
  format: z.enum(['ext2', 'ext3', 'ext4']),
  container: z.enum(['gzip', 'raw']),
  containerSize: z.number().int().nonnegative(),
  containerMd5: z.string().regex(/^[0-9a-f]{32}$/),
  rawSize: z.number().int().nonnegative(),
  rawMd5: z.string().regex(/^[0-9a-f]{32}$/),
  createdAt: z.string(),
  codename: z.string(),
  facts: Facts,
  warnings: z.array(z.string()),
});
export type CacheEntry = z.infer<typeof CacheEntry>;

/**
 * entry.json of a cached tree: the installed tree after clean-up (no build
 * apt setting, proxy or credential in it), from which any image layout and
 * format can be made without bootstrapping or installing again.
 */
export const TreeEntry = z.object({
  codename: z.string(),
  /** Every key part but the package list (cache-keys.ts computeBaseKey): what a delta install may start from. */
  baseKey: z.string(),
  /** The packages the build asked for (the release's defaults included). */
  packages: z.array(z.string()),
  /** How dpkg skipped its fsyncs in this tree (eatmydata, else dpkg's unsafe-io). */
  io: z.enum(['eatmydata', 'unsafe-io']),
  createdAt: z.string(),
  facts: Facts,
  warnings: z.array(z.string()),
});
export type TreeEntry = z.infer<typeof TreeEntry>;

/**
 * entry.json of a cached bootstrap: the tree debootstrap made, before any of
 * the spec's packages, without debootstrap's sources, indexes and log
 * (keep-bootstrap.sh). Every build from the same first repo starts from it.
 */
export const BootstrapEntry = z.object({
  codename: z.string(),
  io: z.enum(['eatmydata', 'unsafe-io']),
  createdAt: z.string(),
});
export type BootstrapEntry = z.infer<typeof BootstrapEntry>;
