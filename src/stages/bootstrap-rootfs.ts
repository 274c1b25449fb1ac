import { FuelImageError } from '../errors.js';
import type { ExecResult } from '../helper/helper-session.js';
import { ATTEMPT_TIMEOUT_SECONDS } from '../helper/attempt-timeout.js';
import { redactSecrets } from '../log/redact.js';
import { helperScript, HELPER } from '../plan/helper-paths.js';
import { prefetchBootstrapDebs } from './prefetch-debs.js';
import { helperKeyring } from './prepare-keyring.js';
import type { ReleaseProbe } from './probe-release.js';
import type { StageContext } from './stage-context.js';
import { targetEnv } from './target-env.js';

export interface BootstrapOptions {
  /** Called once the first stage is done, as the second starts: work to overlap with its CPU-bound configuring. */
  whileConfiguring?: () => void;
}

/** How dpkg in the target skips its fsyncs: eatmydata preloaded, or dpkg's own unsafe-io. */
export type FastIo = 'eatmydata' | 'unsafe-io';

/**
 * debootstrap in two stages: the first (download and unpack, the only part
 * that touches the network) is retried; the second configures the base
 * system inside the target with dpkg's fsyncs skipped.
 */
export async function bootstrapRootfs(context: StageContext, release: ReleaseProbe, options: BootstrapOptions = {}): Promise<FastIo> {
  const { session, plan, trust } = context;
  const mirror = plan.spec.repos[0]!;
  const codename = plan.spec.codename;
  // A user keyring is added to the family's (prepareKeyring combines them).
  const keyring = helperKeyring(trust, release.family);
  const gpg = keyring ? [`--keyring=${keyring}`, '--force-check-gpg'] : ['--no-check-gpg'];
  const script = release.script ? [`/usr/share/debootstrap/scripts/${release.script}`] : [];
  const prefetched = prefetchBootstrapDebs(context, release);
  await session.runNetwork('bootstrap-download', ['debootstrap', '--foreign', '--variant=minbase', ...gpg, codename, HELPER.target, mirror.uri, ...script], {
    timeoutSeconds: ATTEMPT_TIMEOUT_SECONDS.bootstrap,
    what: 'bootstrap download',
    verbose: true,
    classify: async (result) => {
      const known = classifyBootstrapFailure(result, mirror.uri, codename);
      if (known || !/Failed getting release file/i.test(result.outputTail)) return known;
      // debootstrap hides wget's answer in its own log. A 404 for the Release
      // file is permanent; one for a package (a mirror mid-sync) is retried.
      const log = await session.run('read-bootstrap-log', ['tail', '-n', '30', `${HELPER.target}/debootstrap/debootstrap.log`], { okExitCodes: [0, 1] });
      if (/ERROR 404|404 Not Found/.test(log.stdout))
        return new FuelImageError('REPO_NOT_FOUND', `repos[0] ${redactSecrets(mirror.uri, { singleValue: true })} answers 404 for release "${codename}": check its uri and the codename`);
      return undefined;
    },
  });
  await prefetched;
  options.whileConfiguring?.();
  const second = await session.run('bootstrap-configure', ['bash', helperScript('second-stage.sh'), HELPER.target], { env: 'target' });
  const io: FastIo = /^io eatmydata$/m.test(second.stdout) ? 'eatmydata' : 'unsafe-io';
  session.setTargetEnv(targetEnv(plan.spec, io === 'eatmydata'));
  session.logger.info(
    { step: 'bootstrap-configure', io },
    io === 'eatmydata'
      ? 'dpkg in the target skips fsync: eatmydata preloaded'
      : "dpkg in the target skips fsync with --force-unsafe-io: the target's libc cannot load the helper's eatmydata",
  );
  return io;
}

/** Failures no retry can fix: a suite the mirror does not have, a mirror that is not one. */
export function classifyBootstrapFailure(result: Pick<ExecResult, 'outputTail'>, uri: string, codename: string): FuelImageError | undefined {
  const out = result.outputTail;
  const repo = redactSecrets(uri, { singleValue: true });
  if (/No such script/i.test(out))
    return new FuelImageError('REPO_NOT_FOUND', `debootstrap does not know release "${codename}" (codename): no bootstrap script for it`);
  if (/Release signed by unknown key|Invalid Release signature|NO_PUBKEY/i.test(out))
    return new FuelImageError('REPO_NOT_FOUND', `repos[0] ${repo}: Release signature cannot be verified; pass --keyring FILE or --no-check-gpg`);
  return undefined;
}
