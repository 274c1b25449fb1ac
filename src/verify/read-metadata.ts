import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FuelImageError } from '../errors.js';
import { formatPath } from '../input/read-spec.js';
import { readMetadataFile, type Metadata, type MetadataImage } from '../output/metadata.js';

export interface VerifyTarget {
  dir: string;
  metadataFile: string;
  metadata: Metadata;
  /** Mount point of each image by container name ("/" found as Fuel's agent does: by the metadata file's name). */
  mountPoints: Map<string, string>;
}

/** Accepts an output directory (with one metadata file) or the metadata file itself. */
export async function readMetadata(target: string): Promise<VerifyTarget> {
  const info = await stat(target).catch((error: unknown) => {
    throw new FuelImageError('USAGE', `verify: ${target}: ${(error as Error).message}`, { cause: error });
  });
  let file = target;
  if (info.isDirectory()) {
    const yamls = (await readdir(target)).filter((name) => name.endsWith('.yaml'));
    if (yamls.length !== 1) throw new FuelImageError('USAGE', `verify: ${target} holds ${yamls.length} metadata (.yaml) files; name the one to check`);
    file = path.join(target, yamls[0]!);
  }
  const read = await readMetadataFile(file);
  if (!read.ok) {
    const fields = read.issues?.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
    throw new FuelImageError('USAGE', `verify: ${file}: ${fields ?? read.problem}`);
  }
  return { dir: path.dirname(file), metadataFile: file, metadata: read.metadata, mountPoints: mountPointsOf(file, read.metadata.images, read.metadata) };
}

function mountPointsOf(file: string, images: MetadataImage[], metadata: Metadata): Map<string, string> {
  const known = metadata.fuel_image?.mount_points ?? {};
  const rootBase = path.basename(file, '.yaml');
  return new Map(
    images.map((image) => {
      const isRoot = image.container_name.split('.', 1)[0] === rootBase;
      return [image.container_name, known[image.container_name] ?? (isRoot ? '/' : '')];
    }),
  );
}
