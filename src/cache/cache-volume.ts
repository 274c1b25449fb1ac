import type Docker from 'dockerode';
import { LABEL } from '../helper/labels.js';
import { CACHE_VOLUME } from './image-cache.js';

export const CACHE_ROLE = 'image-cache';

/**
 * Makes the cache's named volume with our labels. Creating an existing local
 * volume returns it as it is, and a race with another builder answers 409:
 * either way the volume is there afterwards.
 */
export async function ensureCacheVolume(docker: Docker): Promise<void> {
  try {
    await docker.createVolume({ Name: CACHE_VOLUME, Labels: { [LABEL.managed]: 'true', [LABEL.role]: CACHE_ROLE } });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 409) throw error;
  }
}
