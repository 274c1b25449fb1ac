import { metadataFileName, uriBasename, type Spec } from '../input/schema.js';
import { defaultPackages, mkfsFeatures } from '../release/distro.js';
import { HELPER } from './helper-paths.js';
import { extractionOrder, sortMounts } from './mount-order.js';

export interface ImagePlan {
  index: number;
  mountPoint: string;
  /** Output file name: basename(uri). Only ever used on the builder's side. */
  fileName: string;
  rawName: string;
  format: 'ext2' | 'ext3' | 'ext4';
  container: 'gzip' | 'raw';
  features: string;
  /** Directory in the helper whose content becomes this image. */
  sourceDir: string;
  rawPath: string;
  containerPath: string;
}

export interface BuildPlan {
  spec: Spec;
  images: ImagePlan[];
  /** Mount points to cut out of the rootfs, deepest first. */
  extraction: ImagePlan[];
  packages: string[];
  metadataName: string;
}

export function planBuild(spec: Spec): BuildPlan {
  const images = sortMounts(Object.keys(spec.image_data)).map((mountPoint, index): ImagePlan => {
    const data = spec.image_data[mountPoint]!;
    const fileName = uriBasename(data.uri);
    const format = data.format ?? (mountPoint === '/boot' ? 'ext2' : 'ext4');
    const rawPath = `${HELPER.work}/${index}.img`;
    return {
      index,
      mountPoint,
      fileName,
      rawName: data.container === 'gzip' ? fileName.replace(/\.gz$/, '') : fileName,
      format,
      container: data.container,
      features: mkfsFeatures(format, spec.codename),
      sourceDir: mountPoint === '/' ? HELPER.target : `${HELPER.parts}/${index}`,
      rawPath,
      containerPath: data.container === 'gzip' ? `${rawPath}.gz` : rawPath,
    };
  });
  const byMount = new Map(images.map((image) => [image.mountPoint, image]));
  return {
    spec,
    images,
    extraction: extractionOrder(images.map((i) => i.mountPoint)).map((m) => byMount.get(m)!),
    packages: spec.packages ?? defaultPackages(spec.codename),
    metadataName: metadataFileName(spec.image_data['/']!.uri),
  };
}
