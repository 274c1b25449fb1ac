import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { ensureBaseImage } from './engine.js';

/**
 * Registers before/after hooks for a suite: the base image exists (made
 * locally once) and a fresh temporary directory is removed afterwards.
 * Returns a getter for the directory's path.
 */
export function useWorkDir(prefix: string, options: { needsEngine?: boolean } = {}): () => string {
  let dir = '';
  before(async () => {
    if (options.needsEngine !== false) await ensureBaseImage();
    dir = await mkdtemp(path.join(tmpdir(), `fuel-image-${prefix}-`));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}
