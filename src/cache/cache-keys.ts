import { createHash } from 'node:crypto';
import type { BuildKeyInputs } from '../plan/build-key.js';
import { canonicalJson } from '../plan/content-hash.js';
import { keyedDigest } from '../plan/keyed-digest.js';
import type { ImagePlan } from '../plan/plan-build.js';
import { VERSION } from '../version.js';

/** The build key's inputs (the trust options, helper and base), with the keyring's bytes and the mirrors' state. */
export interface TreeKeyInputs extends Omit<BuildKeyInputs, 'featureSet' | 'gzipLevel' | 'keyringFile'> {
  /** The user keyring's bytes (--keyring), empty without one. */
  keyring: Buffer;
  /** sha256 of each repo's Release file, in the spec's order: a mirror update changes the key. */
  releaseDigests: string[];
}

/**
 * What decides the finished tree: the spec without what never reaches it
 * (the output directory, the image file names and formats, the proxies,
 * which clean-target.sh removes), the repos' Release files as they are now,
 * the tool's and the helper's versions and the trust options. Kept apart from
 * the build key (which covers the whole spec) so that another environment
 * with the same content shares it.
 */
export function treeKeyText(inputs: TreeKeyInputs): string {
  const { output: _output, image_data: _images, proxies: _proxies, ...content } = inputs.spec;
  return canonicalJson({
    content,
    version: VERSION,
    helper: inputs.helper,
    baseImage: inputs.baseImage,
    trust: { checkGpg: inputs.checkGpg, allowUnsigned: inputs.allowUnsigned, checkValidUntil: inputs.checkValidUntil },
    keyring: createHash('sha256').update(inputs.keyring).digest('hex'),
    releases: inputs.releaseDigests,
  });
}

/**
 * The tree's key: keyed and slow like the build key (keyed-digest.ts), since
 * it covers root_password and the cache's keys are listed by `cache ls` and
 * written into the metadata.
 */
export function computeTreeKey(secret: Buffer, inputs: TreeKeyInputs): Promise<string> {
  return keyedDigest(secret, treeKeyText(inputs));
}

/**
 * The key a tree shares with every tree that differs from it only in its
 * package list: a cached tree under it with a subset of the packages may be
 * extended by a delta install (when apt agrees, see delta-agrees.ts).
 */
export function computeBaseKey(secret: Buffer, inputs: TreeKeyInputs): Promise<string> {
  return keyedDigest(secret, treeKeyText({ ...inputs, spec: { ...inputs.spec, packages: [] } }));
}

/**
 * The bootstrapped tree's key: only what debootstrap sees (the codename, the
 * first repo's URI and its Release file as served now, the trust options and
 * keyring, the tool, the helper and its base). Any spec with the same first
 * repo shares it, whatever its packages, other repos or password. Keyed like
 * the others: the URI may hold credentials.
 */
export function computeBootstrapKey(secret: Buffer, inputs: TreeKeyInputs): Promise<string> {
  const mirror = inputs.spec.repos[0]!;
  const text = canonicalJson({
    codename: inputs.spec.codename,
    mirror: mirror.uri,
    release: inputs.releaseDigests[0] ?? '',
    version: VERSION,
    helper: inputs.helper,
    baseImage: inputs.baseImage,
    trust: { checkGpg: inputs.checkGpg, allowUnsigned: inputs.allowUnsigned, checkValidUntil: inputs.checkValidUntil },
    keyring: createHash('sha256').update(inputs.keyring).digest('hex'),
  });
  return keyedDigest(secret, `bootstrap\0${text}`);
}

/**
 * One finished image's key: the tree's, the filesystem and container, the
 * features, and every mount point of the layout (an image holds its mount
 * point's part of the tree minus the mount points below it). Not its file
 * name: another environment gets it under its own.
 */
export function imageCacheKey(
  treeKey: string,
  image: Pick<ImagePlan, 'mountPoint' | 'format' | 'container'>,
  mountPoints: readonly string[],
  featureSet: string,
  gzipLevel: number,
): string {
  // The level changes a gzip image's bytes (its md5 in the metadata), not a raw one's.
  const level = image.container === 'gzip' ? { gzipLevel } : {};
  const text = canonicalJson({ tree: treeKey, mountPoint: image.mountPoint, format: image.format, container: image.container, layout: [...mountPoints].sort(), featureSet, ...level });
  return createHash('sha256').update(text).digest('hex');
}
