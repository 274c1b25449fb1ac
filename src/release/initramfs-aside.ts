import { atLeast } from './versions.js';

/**
 * From this initramfs-tools version on (bullseye, jammy and later),
 * update-initramfs writes nothing outside /boot but mkinitramfs' temporary
 * files. Before it, it records each initrd's sha1 in /var/lib/initramfs-tools
 * (focal), and bionic and older refuse a later `update-initramfs -u` on the
 * node when that record does not match the initrd: the record must be in the
 * root image, so the root image waits for it.
 */
export const INITRAMFS_TOOLS_BOOT_ONLY = '0.140';

/**
 * Whether the initramfs can be made on a copy of the tree while the root
 * image is made: the tree's initramfs-tools writes only /boot, and /boot is
 * an image of its own. `initramfsTools` is its installed version (undefined:
 * not installed, nothing to make).
 */
export function initramfsAside(initramfsTools: string | undefined, mountPoints: readonly string[]): boolean {
  return initramfsTools !== undefined && atLeast(initramfsTools, INITRAMFS_TOOLS_BOOT_ONLY) && mountPoints.includes('/boot');
}
