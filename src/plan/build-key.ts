import { readFile } from 'node:fs/promises';
import type { Spec } from '../input/schema.js';
import { VERSION } from '../version.js';
import { canonicalJson } from './content-hash.js';
import { keyedDigest } from './keyed-digest.js';

export interface BuildKeyInputs {
  spec: Spec;
  /** The helper's identity: its context hash, or the image named by --helper-image. */
  helper: string;
  baseImage: string;
  checkGpg: boolean;
  allowUnsigned: boolean;
  checkValidUntil: boolean;
  featureSet: string;
  /** pigz's level: part of the key only when an image is gzip (a raw one does not depend on it). */
  gzipLevel: number;
  keyringFile?: string;
}

/**
 * Everything that decides an image's content: the spec (its `output` aside),
 * the tool's version, the helper, and the trust options. Equal keys mean a
 * rebuild would produce the same images.
 *
 * The spec holds root_password and the key is written into the
 * world-readable metadata: it is a keyed slow digest (`keyedDigest`) under
 * the engine's key secret (`helper/key-secret.ts`), never a plain hash.
 */
export async function computeBuildKey(secret: Buffer, inputs: BuildKeyInputs): Promise<string> {
  const { output: _output, ...content } = inputs.spec;
  const level = Object.values(content.image_data).some((image) => image.container === 'gzip') ? inputs.gzipLevel : '';
  const text = `${canonicalJson(content)}\0${VERSION}\0${inputs.helper}\0${inputs.baseImage}\0${inputs.checkGpg}\0${inputs.allowUnsigned}\0${inputs.checkValidUntil}\0${inputs.featureSet}\0${level}\0`;
  const keyring = inputs.keyringFile ? await readFile(inputs.keyringFile) : Buffer.alloc(0);
  return keyedDigest(secret, Buffer.concat([Buffer.from(text, 'utf8'), keyring]));
}
