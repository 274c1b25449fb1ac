/** Paths inside the helper container. Spec values never name these. */
export const HELPER = {
  /** Files the builder uploads for one build (a user's keyring). */
  control: '/fuel-image',
  /** The fixed scripts, baked into the helper image (images/helper/scripts). */
  scripts: '/usr/local/lib/fuel-image',
  target: '/target',
  parts: '/parts',
  work: '/work',
  /** A hard-linked copy of the finished tree, taken before the split, for the tree cache. */
  keptTree: '/kept-tree',
  /** A hard-linked copy of the freshly bootstrapped tree, for the bootstrap cache. */
  keptBootstrap: '/kept-bootstrap',
  /** A hard-linked copy of the finished tree, on which the initramfs is made while the root image is. */
  initramfsTree: '/initramfs-tree',
  /** apt's private root for fetching .debs ahead of the steps that need them (prefetch-debs.sh); outside /work, where images are made. */
  prefetch: '/tmp/fuel-image-prefetch',
  /** The install's .debs fetched during debootstrap's second stage, moved into the target's apt cache before its download. */
  prefetchedDebs: '/tmp/fuel-image-prefetch/debs',
  /** dpkg's status right after the bootstrap, kept with a cached tree. */
  bootstrapStatus: '/work/bootstrap-status',
  /** Inside the target: a dpkg admin directory holding that status, for a delta install's simulation. */
  bootstrapAdmin: '/.fuel-image-bootstrap',
  /** Same path in helper and target, so LD_PRELOAD resolves on both sides of chroot. */
  eatmydataDir: '/.fuel-image',
  eatmydata: '/.fuel-image/libeatmydata.so',
} as const;

/** A baked script's path in the helper. */
export function helperScript(name: string): string {
  return `${HELPER.scripts}/${name}`;
}
