/**
 * What differs between the releases we build. Ubuntu and Debian share one
 * code path; only defaults and filesystem features depend on the release.
 */
const UBUNTU = new Set([
  'precise', 'trusty', 'xenial', 'bionic', 'focal', 'jammy', 'noble', 'oracular', 'plucky', 'questing',
]);

/** Releases whose grub/e2fsprogs predate metadata_csum and 64bit support. */
const LEGACY_E2FSPROGS = new Set(['precise', 'trusty', 'xenial', 'wheezy', 'jessie']);

export type Family = 'debian' | 'ubuntu';

export function familyOf(codename: string): Family {
  return UBUNTU.has(codename) ? 'ubuntu' : 'debian';
}

/** Installed when the spec has no `packages`: a kernel and what a node needs to boot and be reached. */
export function defaultPackages(codename: string): string[] {
  return familyOf(codename) === 'ubuntu'
    ? ['ubuntu-minimal', 'linux-image-generic', 'grub-pc', 'openssh-server', 'ifupdown']
    : ['linux-image-amd64', 'grub-pc', 'systemd-sysv', 'openssh-server', 'ifupdown'];
}

/**
 * mke2fs features, listed explicitly from "none" so the helper's mke2fs.conf
 * (newer than most targets) cannot slip in features the target's grub,
 * e2fsck or resize2fs refuse: metadata_csum_seed and orphan_file (e2fsprogs
 * 1.47 defaults) break older grub; metadata_csum and 64bit are unknown to
 * e2fsprogs before 1.43.
 */
export function mkfsFeatures(format: 'ext2' | 'ext3' | 'ext4', codename: string): string {
  const ext2 = ['ext_attr', 'resize_inode', 'dir_index', 'filetype', 'sparse_super', 'large_file'];
  if (format === 'ext2') return ['none', ...ext2].join(',');
  const ext3 = [...ext2, 'has_journal'];
  if (format === 'ext3') return ['none', ...ext3].join(',');
  const ext4 = [...ext3, 'extent', 'flex_bg', 'huge_file', 'dir_nlink', 'extra_isize'];
  const extra = LEGACY_E2FSPROGS.has(codename) ? ['uninit_bg'] : ['64bit', 'metadata_csum'];
  return ['none', ...ext4, ...extra].join(',');
}
