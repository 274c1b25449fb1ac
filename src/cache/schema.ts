import { z } from 'zod';
import type { TargetFacts } from '../stages/inspect-target.js';

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
  /** What the metadata needs of the tree the image came from. */
  facts: z.object({
    os: z.object({ name: z.string(), major: z.number(), minor: z.number() }),
    installed: z.record(z.string(), z.string()),
    tree: z.object({ grubInstall: z.boolean(), grubMkconfig: z.boolean(), ifupdown: z.boolean(), sshd: z.boolean() }),
  }) satisfies z.ZodType<TargetFacts>,
  warnings: z.array(z.string()),
});
export type CacheEntry = z.infer<typeof CacheEntry>;
