import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Spec } from '../spec/schema.js';
import { VERSION } from '../version.js';

const HELPER_CONTEXT = fileURLToPath(new URL('../../images/helper/', import.meta.url));
const SCRIPTS = fileURLToPath(new URL('../scripts/', import.meta.url));

export interface BuildKeyInputs {
  spec: Spec;
  baseImage: string;
  checkGpg: boolean;
  allowUnsigned: boolean;
  keyringFile?: string;
}

/**
 * Everything that decides an image's content: the spec (its `output` aside),
 * the tool's version, the helper's Dockerfile and scripts, and the trust
 * options. Equal keys mean a rebuild would produce the same images.
 */
export async function computeBuildKey(inputs: BuildKeyInputs): Promise<string> {
  const { output: _output, ...content } = inputs.spec;
  const hash = createHash('sha256')
    .update(canonicalJson(content))
    .update(`\0${VERSION}\0${inputs.baseImage}\0${inputs.checkGpg}\0${inputs.allowUnsigned}\0`)
    .update(await hashDirectory(HELPER_CONTEXT))
    .update(await hashDirectory(SCRIPTS));
  if (inputs.keyringFile) hash.update(await readFile(inputs.keyringFile));
  return hash.digest('hex');
}

/** Hash of a directory's file names and contents, in a stable order. */
export async function hashDirectory(dir: string, seed = ''): Promise<string> {
  const hash = createHash('sha256').update(seed);
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) hash.update(path.relative(dir, file)).update('\0').update(await readFile(file)).update('\0');
  return hash.digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}
