import { randomBytes } from 'node:crypto';
import { FuelImageError } from '../errors.js';
import { LABEL } from './labels.js';

/**
 * The secret the build key is keyed with (plan/keyed-digest.ts) lives on the
 * engine, not on the builder's disk: a label of the Docker volume
 * `fuel-image-state`, made once with 32 random bytes. Builders on any host
 * using this engine share it, so keys stay stable; whoever can read it
 * already has root on the engine. `docker volume rm fuel-image-state` makes
 * a new one: every output then rebuilds once.
 */
export const STATE_VOLUME = 'fuel-image-state';
export const KEY_SECRET_BYTES = 32;

/** The part of the Engine API this needs (dockerode's Docker has it). */
export interface VolumeApi {
  getVolume(name: string): { inspect(): Promise<{ Labels?: Record<string, string> | null }> };
  createVolume(options: { Name: string; Labels: Record<string, string> }): Promise<unknown>;
}

export function stateVolumeLabels(secret: Buffer): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.role]: 'state', [LABEL.keySecret]: secret.toString('hex') };
}

/** Reads the secret, making the volume first if there is none. */
export async function loadKeySecret(docker: VolumeApi): Promise<Buffer> {
  const found = await readKeySecret(docker);
  if (found) return found;
  try {
    await docker.createVolume({ Name: STATE_VOLUME, Labels: stateVolumeLabels(randomBytes(KEY_SECRET_BYTES)) });
  } catch (error) {
    // Another builder made it in the meantime.
    if (statusOf(error) !== 409) throw error;
  }
  // Read back what the engine keeps: when two builders race, the loser's
  // create answers 409, or (the local driver) returns the winner's volume as
  // it is; either way both use the winner's secret.
  const stored = await readKeySecret(docker);
  if (!stored) throw new FuelImageError('STEP_FAILED', `the Docker volume ${STATE_VOLUME} was removed while it was being made: build again`);
  return stored;
}

async function readKeySecret(docker: VolumeApi): Promise<Buffer | undefined> {
  let labels: Record<string, string> | null | undefined;
  try {
    labels = (await docker.getVolume(STATE_VOLUME).inspect()).Labels;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
  const hex = labels?.[LABEL.keySecret] ?? '';
  // The value itself is never quoted: it is the secret.
  if (!new RegExp(`^[0-9a-f]{${2 * KEY_SECRET_BYTES}}$`).test(hex))
    throw new FuelImageError(
      'STEP_FAILED',
      `the Docker volume ${STATE_VOLUME} has no valid ${LABEL.keySecret} label (not made by fuel-image?): remove it (docker volume rm ${STATE_VOLUME}) and build again; every output rebuilds once`,
    );
  return Buffer.from(hex, 'hex');
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | null)?.statusCode;
}
