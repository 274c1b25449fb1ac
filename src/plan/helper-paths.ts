/** Paths inside the helper container. Spec values never name these. */
export const HELPER = {
  /** Files the builder uploads for one build (a user's keyring). */
  control: '/fuel-image',
  /** The fixed scripts, baked into the helper image (images/helper/scripts). */
  scripts: '/usr/local/lib/fuel-image',
  target: '/target',
  parts: '/parts',
  work: '/work',
  /** Same path in helper and target, so LD_PRELOAD resolves on both sides of chroot. */
  eatmydataDir: '/.fuel-image',
  eatmydata: '/.fuel-image/libeatmydata.so',
} as const;

/** A baked script's path in the helper. */
export function helperScript(name: string): string {
  return `${HELPER.scripts}/${name}`;
}
