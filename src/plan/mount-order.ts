/**
 * Which subtree goes into which image. Each mount point's image holds the
 * files under it minus the subtrees of mount points nested in it; those stay
 * behind as empty directories (the node mounts the other image there).
 */
export function isInside(child: string, parent: string): boolean {
  if (child === parent) return false;
  return parent === '/' ? true : child.startsWith(`${parent}/`);
}

/** Shallow first, then by name: "/" is always first, so it gets index 0. */
export function sortMounts(mountPoints: readonly string[]): string[] {
  return [...mountPoints].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
}

/**
 * The order to move subtrees out of the rootfs: deepest first, so a subtree
 * moved out of "/var" already has "/var/log" cut out of it. "/" is never
 * moved: what is left of the tree is the root image.
 */
export function extractionOrder(mountPoints: readonly string[]): string[] {
  return sortMounts(mountPoints)
    .filter((m) => m !== '/')
    .reverse();
}

function depth(mountPoint: string): number {
  return mountPoint === '/' ? 0 : mountPoint.split('/').length - 1;
}
