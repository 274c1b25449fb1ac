import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { HELPER_ROLE, LABEL } from './labels.js';

/**
 * A helper created this long ago that never started is a leftover: its
 * builder died between the create and the start (milliseconds apart).
 */
export const NOT_STARTED_GRACE_SECONDS = 60;

/**
 * True when a listed helper has no builder any more. A running helper always
 * has one: its first process exits (and the engine removes the container)
 * as soon as its builder's attach connection closes or its heartbeat stops
 * (helper-session.ts). So nothing here depends on host names or PIDs, which
 * say nothing across PID namespaces (a builder in a container is PID 1 with
 * the host's hostname under host networking).
 */
export function isLeftover(info: { State: string; Created: number }, nowSeconds: number): boolean {
  switch (info.State) {
    case 'running':
    case 'paused':
    case 'restarting':
    case 'removing':
      return false;
    case 'created':
      return nowSeconds - info.Created > NOT_STARTED_GRACE_SECONDS;
    default:
      // exited, dead: the engine failed to auto-remove it, or an older helper.
      return true;
  }
}

/**
 * Helper containers are those created with the helper role. The bare
 * `org.openstack.fuel-image` label is not enough: the base, helper and
 * builder images carry it, and so does every container started from them.
 */
export const HELPER_FILTERS = { label: [`${LABEL.managed}=true`, `${LABEL.role}=${HELPER_ROLE}`] };

/** The same choice on listed containers (the engine filters first; this is the check that counts). */
export function isHelperContainer(labels: Record<string, string> | null | undefined): boolean {
  return labels?.[LABEL.managed] === 'true' && labels[LABEL.role] === HELPER_ROLE;
}

export interface SweepResult {
  removed: string[];
  kept: string[];
}

/**
 * Removes helper containers no builder uses any more (see isLeftover; the
 * engine auto-removes almost all of them itself). `all` removes every helper,
 * running ones included (no build may run); no other container is ever touched.
 */
export async function sweepHelpers(docker: Docker, logger: Logger, options: { all: boolean; dryRun?: boolean }): Promise<SweepResult> {
  const containers = await docker.listContainers({ all: true, filters: HELPER_FILTERS });
  const result: SweepResult = { removed: [], kept: [] };
  for (const info of containers.filter((c) => isHelperContainer(c.Labels))) {
    const name = info.Names[0]?.replace(/^\//, '') ?? info.Id.slice(0, 12);
    if (!options.all && !isLeftover(info, Math.floor(Date.now() / 1000))) {
      result.kept.push(name);
      continue;
    }
    if (!options.dryRun) {
      try {
        await docker.getContainer(info.Id).remove({ force: true, v: true });
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      }
    }
    logger.info({ container: name }, `${options.dryRun ? 'would remove' : 'removed'} leftover helper ${name}`);
    result.removed.push(name);
  }
  return result;
}

/** At the start of a build: clear helpers no builder uses, so nothing piles up. */
export async function removeDeadHelpers(docker: Docker, logger: Logger): Promise<void> {
  await sweepHelpers(docker, logger, { all: false }).catch((error: unknown) => logger.warn({ err: error }, 'could not sweep leftover helpers'));
}
