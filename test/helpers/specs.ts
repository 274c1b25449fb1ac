import type { TreeKeyInputs } from '../../src/cache/cache-keys.js';
import { fillExampleSpec, readExampleTemplate } from '../../src/input/example-spec.js';
import { findDebianMirror } from '../../src/input/host-mirror.js';
import { Spec } from '../../src/input/schema.js';

let hostMirror: string | undefined;

/** The Debian mirror real builds use, found as fuel-image finds it: FUEL_IMAGE_MIRROR, else the host's apt sources. */
export function testMirror(): string {
  return (hostMirror ??= findDebianMirror());
}

/** A made-up mirror for unit tests: they never reach it and must not depend on the host's apt sources. */
export const UNIT_MIRROR = 'http://mirror.example/debian';

/** The README's example (Debian bookworm, "/" ext4 + "/boot" ext2) filled with `mirror` (default: the host's), as a fresh object each call. */
export function exampleSpec(overrides: Record<string, unknown> = {}, mirror: string = testMirror()): Record<string, any> {
  const spec = JSON.parse(fillExampleSpec(readExampleTemplate(), mirror)) as Record<string, any>;
  return { ...spec, ...overrides };
}

/** The example with UNIT_MIRROR, for unit tests. */
export function unitSpec(overrides: Record<string, unknown> = {}): Record<string, any> {
  return exampleSpec(overrides, UNIT_MIRROR);
}

/** The spec from the original blueprint, verbatim in shape (Ubuntu precise, MOS repo pinned at 1001). */
export function blueprintSpec(): Record<string, any> {
  return {
    image_data: {
      '/boot': { container: 'gzip', uri: 'http://127.0.0.1:8080/targetimages/env_4_ubuntu_1204_amd64-boot.img.gz', format: 'ext2' },
      '/': { container: 'gzip', uri: 'http://127.0.0.1:8080/targetimages/env_4_ubuntu_1204_amd64.img.gz', format: 'ext4' },
    },
    output: '/var/www/nailgun/targetimages',
    repos: [{ name: 'MOS', section: 'main', uri: 'http://127.0.0.1:8080/2014.2-6.1/ubuntu/x86_64', priority: 1001, suite: 'precise', type: 'deb' }],
    codename: 'precise',
  };
}

/** A quick build for tests about the build's life cycle: "/" + "/boot", no kernel (no initramfs). */
export function lightSpec(output: string, name = 'env_9_debian_12_amd64', packages: string[] = ['ifupdown']): Record<string, any> {
  return exampleSpec({
    output,
    image_data: {
      '/': { uri: `http://127.0.0.1:8080/targetimages/${name}.img.gz`, format: 'ext4', container: 'gzip' },
      '/boot': { uri: `http://127.0.0.1:8080/targetimages/${name}-boot.img.gz`, format: 'ext2', container: 'gzip' },
    },
    packages,
  });
}

/** A cache key's inputs for unitSpec(specOverrides), with `extra` replacing any of the rest. */
export function treeKeyInputs(specOverrides: Record<string, unknown> = {}, extra: Partial<TreeKeyInputs> = {}): TreeKeyInputs {
  return {
    spec: Spec.parse(unitSpec(specOverrides)),
    helper: 'context:abc',
    baseImage: 'fuel-image-base:trixie',
    checkGpg: true,
    allowUnsigned: false,
    checkValidUntil: true,
    keyring: Buffer.alloc(0),
    releaseDigests: ['1111 InRelease'],
    ...extra,
  };
}
