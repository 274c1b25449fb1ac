import { hostname } from 'node:os';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { HELPER_ROLE, LABEL } from './labels.js';

/** "host:pid" of this builder process, stored on every helper it starts. */
export function ownerId(): string {
  return `${hostname()}:${process.pid}`;
}

/** True when the helper's builder process is known to be gone (same host, pid not running). */
export function isOrphan(labels: Record<string, string>): boolean {
  const [host, pid] = (labels[LABEL.owner] ?? '').split(':');
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
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
 * Removes helper containers left by builds that were SIGKILLed or lost the
 * engine connection. `all` removes every helper (no build may run); no other
 * container is ever touched.
 */
export async function sweepHelpers(docker: Docker, logger: Logger, options: { all: boolean; dryRun?: boolean }): Promise<SweepResult> {
  const containers = await docker.listContainers({ all: true, filters: HELPER_FILTERS });
  const result: SweepResult = { removed: [], kept: [] };
  for (const info of containers.filter((c) => isHelperContainer(c.Labels))) {
    const name = info.Names[0]?.replace(/^\//, '') ?? info.Id.slice(0, 12);
    if (!options.all && !isOrphan(info.Labels)) {
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

/** At the start of a build: clear helpers of dead builders on this host, so nothing piles up. */
export async function removeDeadHelpers(docker: Docker, logger: Logger): Promise<void> {
  await sweepHelpers(docker, logger, { all: false }).catch((error: unknown) => logger.warn({ err: error }, 'could not sweep leftover helpers'));
}
