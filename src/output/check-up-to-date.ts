import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { BuildPlan } from '../plan/plan-build.js';
import { readMetadataFile, type ImageResult } from './metadata.js';

export interface UpToDate {
  upToDate: boolean;
  reason: string;
  images?: ImageResult[];
  /** The Release file digests the metadata recorded (null: none could be read then; undefined: an older tool's metadata). */
  releaseDigests?: string[] | null;
  /** Why "up to date" may be wrong (a mirror that did not answer). */
  warnings?: string[];
}

/**
 * The files in `output` are current when the metadata was written for this
 * exact build key (spec, tool and helper version, trust options) and every
 * image still matches the size and md5 the metadata records.
 */
export async function checkUpToDate(plan: BuildPlan, buildKey: string): Promise<UpToDate> {
  const output = plan.spec.output;
  const read = await readMetadataFile(path.join(output, plan.metadataName));
  if (!read.ok) return { upToDate: false, reason: 'no metadata from an earlier build' };
  const meta = read.metadata;
  if (meta.fuel_image?.build_key !== buildKey) return { upToDate: false, reason: 'the spec, options or fuel-image version changed' };
  const images: ImageResult[] = [];
  for (const image of plan.images) {
    const entry = meta.images.find((e) => e.container_name === image.fileName);
    if (!entry) return { upToDate: false, reason: `${image.fileName} is not in the metadata` };
    const file = path.join(output, image.fileName);
    const size = await stat(file).then((s) => s.size, () => -1);
    if (size !== entry.container_size) return { upToDate: false, reason: `${image.fileName} is missing or its size differs from the metadata` };
    const md5 = await md5Of(file);
    if (md5 !== entry.container_md5) return { upToDate: false, reason: `${image.fileName} differs from the metadata (md5)` };
    images.push({ mount_point: image.mountPoint, file, size, md5, raw_size: entry.raw_size, raw_md5: entry.raw_md5 });
  }
  return { upToDate: true, reason: 'images match the metadata of a build with the same spec', images, releaseDigests: meta.fuel_image?.release_digests };
}

async function md5Of(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
