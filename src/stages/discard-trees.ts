import type { HelperSession } from '../helper/helper-session.js';
import { helperScript } from '../plan/helper-paths.js';

/**
 * Deletes trees the build no longer needs, in the background: started when
 * the images are made, it runs while they stream out, and the helper's
 * removal (which would otherwise delete them, seconds on a slow disk) has
 * little left. Never fails the build: the helper's removal deletes whatever
 * is left. Settles when done.
 */
export function discardTrees(session: HelperSession, dirs: readonly string[]): Promise<void> {
  return session.run('discard-trees', ['bash', helperScript('discard-target.sh'), ...dirs]).then(
    () => undefined,
    (error: unknown) => session.logger.debug({ err: error }, 'could not delete the trees early: the helper\u2019s removal does'),
  );
}
