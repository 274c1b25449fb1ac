import { compareVersions } from './versions.js';

export type Format = 'ext2' | 'ext3' | 'ext4';

/**
 * Fuel's node agent runs `e2fsck -yf` and `resize2fs` from its bootstrap
 * ramdisk, whose e2fsprogs may be older than the target's: Fuel 9's was
 * Ubuntu xenial, e2fsprogs 1.42.13. Images are made for that by default.
 */
export const NODE_AGENT_E2FSPROGS = '1.42.13';

const EXT2 = ['ext_attr', 'resize_inode', 'dir_index', 'filetype', 'sparse_super', 'large_file'];
const EXT3 = [...EXT2, 'has_journal'];
const EXT4 = [...EXT3, 'extent', 'flex_bg', 'huge_file', 'dir_nlink', 'extra_isize'];

/**
 * The ext4 features each e2fsprogs release reads and grows safely, newest
 * first: 1.43 brought metadata_csum (replacing uninit_bg's group checksums)
 * and made 64bit usable by resize2fs. metadata_csum_seed and orphan_file are
 * never used: grub before 2.12 refuses them, and grub is installed from the
 * image onto the node.
 */
const EXT4_BY_E2FSPROGS: Array<[string, string[]]> = [
  ['1.43', [...EXT4, '64bit', 'metadata_csum']],
  ['1.42', [...EXT4, 'uninit_bg']],
];

/** Features every e2fsprogs in the table accepts for the format, for an e2fsprogs version. */
export function featuresFor(format: Format, e2fsprogsVersion: string): string[] {
  if (format === 'ext2') return EXT2;
  if (format === 'ext3') return EXT3;
  const row = EXT4_BY_E2FSPROGS.find(([since]) => compareVersions(e2fsprogsVersion, since) >= 0) ?? EXT4_BY_E2FSPROGS.at(-1)!;
  return row[1];
}

export type FeatureSet = 'compatible' | 'target';

/**
 * mke2fs's -O list for images an e2fsprogs version must read, from "none" so
 * the helper's mke2fs.conf (newer than most targets) cannot slip a feature in.
 */
export function mkfsFeatures(format: Format, readerE2fsprogs: string): string {
  return ['none', ...featuresFor(format, readerE2fsprogs)].join(',');
}

/** Whose e2fsprogs must read the images: the node agent's ("compatible", the default) or the target's own. */
export function readerOf(set: FeatureSet, targetE2fsprogs: string): string {
  return set === 'target' ? targetE2fsprogs : NODE_AGENT_E2FSPROGS;
}

/** The features dumpe2fs lists that the table does not allow for that version (empty when the image is readable). */
export function unexpectedFeatures(format: Format, e2fsprogsVersion: string, listed: readonly string[]): string[] {
  const allowed = new Set(featuresFor(format, e2fsprogsVersion));
  // dumpe2fs names what mke2fs turns on by itself for these.
  for (const implied of ['needs_recovery', 'sparse_super', 'large_file']) allowed.add(implied);
  return listed.filter((feature) => !allowed.has(feature));
}
