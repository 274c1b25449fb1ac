import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { FuelImageError } from '../errors.js';
import { outputError } from './staging.js';

/** Fails before any container exists if the images could not be written anyway. */
export async function checkOutputDirectory(output: string): Promise<void> {
  try {
    const info = await stat(output);
    if (!info.isDirectory()) throw new FuelImageError('OUTPUT', `output ${output}: not a directory`);
    await access(output, constants.W_OK | constants.X_OK);
  } catch (error) {
    if (error instanceof FuelImageError) throw error;
    throw outputError(output, error);
  }
}
