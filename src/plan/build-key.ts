import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Spec } from '../input/schema.js';
import { VERSION } from '../version.js';
import { canonicalJson } from './content-hash.js';

export interface BuildKeyInputs {
  spec: Spec;
  /** The helper's identity: its context hash, or the image named by --helper-image. */
  helper: string;
  baseImage: string;
  checkGpg: boolean;
  allowUnsigned: boolean;
  checkValidUntil: boolean;
  featureSet: string;
  keyringFile?: string;
}

/**
 * Everything that decides an image's content: the spec (its `output` aside),
 * the tool's version, the helper, and the trust options. Equal keys mean a
 * rebuild would produce the same images.
 */
export async function computeBuildKey(inputs: BuildKeyInputs): Promise<string> {
  const { output: _output, ...content } = inputs.spec;
  const hash = createHash('sha256')
    .update(canonicalJson(content))
    .update(`\0${VERSION}\0${inputs.helper}\0${inputs.baseImage}\0${inputs.checkGpg}\0${inputs.allowUnsigned}\0${inputs.checkValidUntil}\0${inputs.featureSet}\0`);
  if (inputs.keyringFile) hash.update(await readFile(inputs.keyringFile));
  return hash.digest('hex');
}
