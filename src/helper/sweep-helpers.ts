import { hostname } from 'node:os';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { LABEL } from './labels.js';

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

export interface SweepResult {
  removed: string[];
  kept: string[];
}

/**
 * Removes helper containers left by builds that were SIGKILLed or lost the
 * engine connection. `all` removes every labelled helper (no build may run).
 */
export async function sweepHelpers(docker: Docker, logger: Logger, options: { all: boolean; dryRun?: boolean }): Promise<SweepResult> {
  const containers = await docker.listContainers({ all: true, filters: { label: [LABEL.managed] } });
  const result: SweepResult = { removed: [], kept: [] };
  for (const info of containers) {
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
