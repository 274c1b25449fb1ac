import { readFile } from 'node:fs/promises';
import { putFiles } from '../docker/container-archive.js';
import { FuelImageError } from '../errors.js';
import type { BuildContext } from './build-context.js';
import { HELPER } from './plan-build.js';
import { runStep } from './run-step.js';

/**
 * Puts a user-supplied keyring (binary or ASCII-armoured) into the helper as
 * a binary keyring that debootstrap and apt both accept. Returns its path.
 */
export async function prepareKeyring(context: BuildContext, file: string): Promise<string> {
  const content = await readFile(file).catch((error: unknown) => {
    throw new FuelImageError('USAGE', `--keyring ${file}: ${(error as Error).message}`, { cause: error });
  });
  const target = `${HELPER.control}/keyring.gpg`;
  if (!content.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP')) {
    await putFiles(context.container, HELPER.control, [{ name: 'keyring.gpg', content }]);
    return target;
  }
  await putFiles(context.container, HELPER.control, [{ name: 'keyring.asc', content }]);
  await runStep(context, 'keyring', ['gpg', '--batch', '--yes', '--dearmor', '--output', target, `${HELPER.control}/keyring.asc`]);
  return target;
}
