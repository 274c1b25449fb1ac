import { readFile } from 'node:fs/promises';
import { FuelImageError } from '../errors.js';
import type { HelperSession } from '../helper/helper-session.js';
import { HELPER } from '../plan/helper-paths.js';
import { defaultKeyring, type Family } from '../release/releases.js';
import type { TrustOptions } from './stage-context.js';

/** The keyring the helper checks Release files with (the combined one with a user keyring); undefined under --no-check-gpg. */
export function helperKeyring(trust: TrustOptions, family: Family): string | undefined {
  return trust.checkGpg ? (trust.keyringPath ?? defaultKeyring(family)) : undefined;
}

/**
 * Puts a user-supplied keyring (binary or ASCII-armoured) into the helper,
 * added to the family's archive keyring: debootstrap takes one keyring, and a
 * Debian build with one third-party key must still check the Debian mirror.
 * Binary OpenPGP keyrings concatenate. Returns the combined keyring's path
 * and the user's alone (for apt in the target, which has the family's own).
 */
export async function prepareKeyring(session: HelperSession, file: string, family: Family): Promise<{ combined: string; user: string }> {
  const content = await readFile(file).catch((error: unknown) => {
    throw new FuelImageError('USAGE', `--keyring ${file}: ${(error as Error).message}`, { cause: error });
  });
  const user = `${HELPER.control}/keyring.gpg`;
  const combined = `${HELPER.control}/combined.gpg`;
  const armoured = content.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP');
  await session.write(HELPER.control, [{ name: armoured ? 'keyring.asc' : 'keyring.gpg', content }]);
  if (armoured) await session.run('keyring', ['gpg', '--batch', '--yes', '--dearmor', '--output', user, `${HELPER.control}/keyring.asc`]);
  await session.run('keyring', ['bash', '-c', 'cat -- "$1" "$2" > "$3"', 'combine-keyring', defaultKeyring(family), user, combined]);
  return { combined, user };
}
