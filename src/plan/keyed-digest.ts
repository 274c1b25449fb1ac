import { scrypt } from 'node:crypto';

/**
 * The one digest for anything fuel-image stores (in a file others can read)
 * that depends on a secret of the spec, such as the build key, which covers
 * root_password. A keyed, slow, memory-hard hash: scrypt with the engine's
 * key secret as salt. Equal inputs and secret give the same digest, so it
 * can be compared across builds; without the secret nothing can be checked
 * against it, and with it every guess costs an scrypt (N=2^15, r=8: 32 MiB
 * and tens of milliseconds, well above one sha512-crypt hash).
 */
export const KEYED_DIGEST = { N: 2 ** 15, r: 8, p: 1, bytes: 32 } as const;

/** scrypt needs 128·N·r bytes (32 MiB here) and a little more: Node's default limit (32 MiB) is too small. */
const MAXMEM = 2 * 128 * KEYED_DIGEST.N * KEYED_DIGEST.r;

/** The smallest secret accepted: a short one would make the key cheap to find. */
export const MIN_SECRET_BYTES = 16;

export function keyedDigest(secret: Buffer, data: string | Buffer): Promise<string> {
  if (secret.length < MIN_SECRET_BYTES) return Promise.reject(new Error(`keyedDigest: the secret must have at least ${MIN_SECRET_BYTES} bytes`));
  const { N, r, p, bytes } = KEYED_DIGEST;
  return new Promise((resolve, reject) => {
    scrypt(data, secret, bytes, { N, r, p, maxmem: MAXMEM }, (error, key) => (error ? reject(error) : resolve(key.toString('hex'))));
  });
}
