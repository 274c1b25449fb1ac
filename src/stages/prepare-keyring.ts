import { readFile } from 'node:fs/promises';
import { FuelImageError } from '../errors.js';
import type { HelperSession } from '../helper/helper-session.js';
import { HELPER } from '../plan/helper-paths.js';

/**
 * Puts a user-supplied keyring (binary or ASCII-armoured) into the helper as
 * a binary keyring that debootstrap and apt both accept. Returns its path.
 */
export async function prepareKeyring(session: HelperSession, file: string): Promise<string> {
  const content = await readFile(file).catch((error: unknown) => {
    throw new FuelImageError('USAGE', `--keyring ${file}: ${(error as Error).message}`, { cause: error });
  });
  const target = `${HELPER.control}/keyring.gpg`;
  if (!content.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP')) {
    await session.write(HELPER.control, [{ name: 'keyring.gpg', content }]);
    return target;
  }
  await session.write(HELPER.control, [{ name: 'keyring.asc', content }]);
  await session.run('keyring', ['gpg', '--batch', '--yes', '--dearmor', '--output', target, `${HELPER.control}/keyring.asc`]);
  return target;
}
