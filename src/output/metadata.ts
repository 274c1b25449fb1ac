import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { z } from 'zod';
import type { TreesUsed } from '../cache/fill-cache.js';
import { redactSecrets } from '../log/redact.js';
import type { BuildPlan } from '../plan/plan-build.js';
import type { TargetFacts } from '../stages/inspect-target.js';
import type { PackedImage } from '../stages/make-images.js';

/*
 * The metadata file: written after a build, read by the up-to-date check and
 * by `verify`, and (its contract keys) by Fuel's node agent. One schema for
 * all three.
 */

const MD5 = z.string().regex(/^[0-9a-f]{32}$/, 'must be an md5 (32 hex digits)');

export const MetadataImage = z.object({
  raw_md5: MD5,
  raw_size: z.number().int().positive(),
  raw_name: z.string().nullable().optional(),
  container_name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'must be a plain file name'),
  container_md5: MD5,
  container_size: z.number().int().positive(),
  container: z.enum(['gzip', 'raw']),
  format: z.enum(['ext2', 'ext3', 'ext4']),
});
export type MetadataImage = z.infer<typeof MetadataImage>;

export const Metadata = z.object({
  os: z.object({ name: z.string(), major: z.union([z.number(), z.string()]), minor: z.union([z.number(), z.string()]) }).optional(),
  packages: z.array(z.string()).default([]),
  images: z.array(MetadataImage).min(1),
  /** Ours: what the node agent ignores. Absent from metadata other tools wrote. */
  fuel_image: z
    .object({
      build_key: z.string().optional(),
      /** sha256 of each repo's Release file when the build began: the up-to-date check compares them. */
      release_digests: z.array(z.string()).nullable().optional(),
      mount_points: z.record(z.string(), z.string()).optional(),
    })
    .passthrough()
    .optional(),
});
export type Metadata = z.infer<typeof Metadata>;

/** One row of the result line: the same for a fresh build and an up-to-date one. */
export interface ImageResult {
  mount_point: string;
  file: string;
  size: number;
  md5: string;
  raw_size: number;
  raw_md5: string;
}

export interface BuildInfo {
  /** What Fuel's node agent will miss in the image. */
  warnings: string[];
  version: string;
  helperImage: string;
  buildKey: string;
  durationSeconds: number;
  builtAt: string;
  /** The image cache's entries this build used or stored, by mount point; absent with --no-cache. */
  cache?: Record<string, { key: string; hit: boolean }>;
  /** The cached trees this build looked up (installed tree, delta base, bootstrap) and whether it used them; absent with --no-cache. */
  cacheTrees?: TreesUsed;
  /** Each repo's Release file digest at the build's start; absent when one could not be read. */
  releaseDigests?: string[];
}

/**
 * The metadata Fuel's node agent reads: exactly the contract's keys for os,
 * packages, repos and images. What fuel-image adds lives under its own key
 * so no consumer of the contract's keys sees a difference.
 */
export function renderMetadata(plan: BuildPlan, facts: TargetFacts, images: PackedImage[], build: BuildInfo): string {
  const document = {
    os: facts.os,
    packages: plan.packages,
    repos: plan.spec.repos.map((repo) => ({
      type: repo.type,
      name: repo.name,
      // The file is world-readable: a repo's credentials stay in the spec.
      uri: redactSecrets(repo.uri, { singleValue: true }),
      suite: repo.suite,
      section: repo.section,
      priority: repo.priority,
      meta: redactStrings(repo.meta ?? null),
    })),
    images: images.map((packed) => ({
      raw_md5: packed.rawMd5,
      raw_size: packed.rawSize,
      raw_name: packed.image.rawName,
      container_name: packed.image.fileName,
      container_md5: packed.containerMd5,
      container_size: packed.containerSize,
      container: packed.image.container,
      format: packed.image.format,
    })),
    fuel_image: {
      version: build.version,
      helper_image: build.helperImage,
      build_key: build.buildKey,
      release_digests: build.releaseDigests ?? null,
      built_at: build.builtAt,
      duration_seconds: build.durationSeconds,
      mount_points: Object.fromEntries(images.map((p) => [p.image.fileName, p.image.mountPoint])),
      feature_set: plan.featureSet,
      gzip_level: plan.images.some((image) => image.container === 'gzip') ? plan.gzipLevel : null,
      warnings: build.warnings,
      installed_packages: facts.installed,
      cache: build.cache ?? null,
      cache_trees: build.cacheTrees ?? null,
    },
  };
  return YAML.stringify(document, { lineWidth: 0 });
}

/** Credentials in any URL inside a repo's free-form `meta`, at any depth. */
function redactStrings(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (Array.isArray(value)) return value.map(redactStrings);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v)]));
  return value;
}

export type MetadataRead = { ok: true; metadata: Metadata } | { ok: false; problem: string; issues?: z.core.$ZodIssue[] };

/** Reads and checks a metadata file; says what is wrong instead of throwing. */
export async function readMetadataFile(file: string): Promise<MetadataRead> {
  let parsed: unknown;
  try {
    parsed = YAML.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return { ok: false, problem: `not readable YAML: ${(error as Error).message}` };
  }
  const result = Metadata.safeParse(parsed);
  if (!result.success) return { ok: false, problem: 'not fuel-image metadata', issues: result.error.issues };
  return { ok: true, metadata: result.data };
}
