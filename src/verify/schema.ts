import { z } from 'zod';

/** The metadata file as Fuel's node agent reads it: only the keys verify relies on. */
export const MetadataImage = z.object({
  raw_md5: z.string().regex(/^[0-9a-f]{32}$/),
  raw_size: z.number().int().positive(),
  raw_name: z.string().nullable().optional(),
  container_name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'must be a plain file name'),
  container_md5: z.string().regex(/^[0-9a-f]{32}$/),
  container_size: z.number().int().positive(),
  container: z.enum(['gzip', 'raw']),
  format: z.enum(['ext2', 'ext3', 'ext4']),
});
export type MetadataImage = z.infer<typeof MetadataImage>;

export const Metadata = z.object({
  os: z.object({ name: z.string(), major: z.union([z.number(), z.string()]), minor: z.union([z.number(), z.string()]) }).optional(),
  packages: z.array(z.string()).default([]),
  images: z.array(MetadataImage).min(1),
  fuel_image: z.object({ mount_points: z.record(z.string(), z.string()).optional() }).passthrough().optional(),
});
export type Metadata = z.infer<typeof Metadata>;
