import path from 'node:path';
import type { Logger } from 'pino';
import { connectDocker } from '../helper/connect-docker.js';
import { sweepHelpers } from '../helper/sweep-helpers.js';
import { checkOutputDirectory } from '../output/check-output.js';
import { removeStaleStaging } from '../output/staging.js';
import { lockOutput } from '../output/lock-output.js';
import type { GcArgs } from './parse-args.js';

/**
 * `fuel-image gc [--all] [--dry-run] [OUTPUT...]`: removes what killed
 * builds left. Helper containers are found by label; by default only those
 * whose builder process is gone, with --all every one (no build may be
 * running). Given output directories, it also removes staging directories
 * there, taking each directory's lock first so a live build is never touched.
 */
export async function collectGarbage(args: GcArgs, logger: Logger, signal: AbortSignal = new AbortController().signal) {
  const docker = await connectDocker({ signal });
  const containers = await sweepHelpers(docker, logger, { all: args.all, dryRun: args.dryRun });
  const outputs: string[] = [];
  for (const output of args.outputs.map((o) => path.resolve(o))) {
    await checkOutputDirectory(output);
    if (args.dryRun) continue;
    const lock = await lockOutput(output, { waitSeconds: 0, logger, signal });
    try {
      await removeStaleStaging(output, logger);
      outputs.push(output);
    } finally {
      await lock.release();
    }
  }
  return { outcome: 'success', removed_containers: containers.removed, kept_containers: containers.kept, cleaned_outputs: outputs };
}
