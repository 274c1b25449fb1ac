import type { HelperSession } from '../helper/helper-session.js';
import { helperScript, HELPER } from '../plan/helper-paths.js';

/**
 * The initramfs made on a hard-linked copy of the tree (HELPER.initramfsTree)
 * while the tree is cleaned, split and the root image made and compressed:
 * the two share no file they write (release/initramfs-aside.ts says when).
 * The copy is taken at once (before the clean-up, so the initramfs sees the
 * tree as an in-place run would); `made` settles with the kernel versions
 * once every initramfs is written.
 */
export async function startInitramfsAside(session: HelperSession): Promise<{ made: Promise<string[]> }> {
  const script = helperScript('initramfs-aside.sh');
  await session.run('initramfs-copy', ['bash', script, 'copy', HELPER.target, HELPER.initramfsTree]);
  const made = session
    .run('make-initramfs', ['bash', script, 'make', HELPER.initramfsTree], { env: 'target', verbose: true })
    .then((result) => [...result.stdout.matchAll(/^initrd (\S+)$/gm)].map((m) => m[1]!));
  // Awaited by the caller; a failure must not surface as an unhandled rejection meanwhile.
  made.catch(() => undefined);
  return { made };
}

/** Moves each initrd into the /boot image's directory (`bootDir`), and links it into the tree cache's copy of /boot (`keptBoot`). */
export async function placeInitramfs(session: HelperSession, versions: readonly string[], bootDir: string, keptBoot?: string): Promise<void> {
  await session.run('place-initramfs', ['bash', helperScript('initramfs-aside.sh'), 'place', HELPER.initramfsTree, bootDir, keptBoot ?? '', ...versions]);
}
