import { FuelImageError } from '../errors.js';
import type { ExecResult } from '../helper/helper-session.js';
import { ATTEMPT_TIMEOUT_SECONDS } from '../helper/attempt-timeout.js';
import { redactSecrets } from '../log/redact.js';
import { helperScript, HELPER } from '../plan/helper-paths.js';
import type { StageContext } from './stage-context.js';

/**
 * debootstrap in two stages: the first (download and unpack, the only part
 * that touches the network) is retried; the second configures the base
 * system inside the target with eatmydata preloaded.
 */
export async function bootstrapRootfs({ session, plan, trust }: StageContext): Promise<void> {
  const mirror = plan.spec.repos[0]!;
  const codename = plan.spec.codename;
  const gpg = trust.keyringPath
    ? [`--keyring=${trust.keyringPath}`, '--force-check-gpg']
    : trust.checkGpg
      ? ['--force-check-gpg']
      : ['--no-check-gpg'];
  await session.runNetwork('bootstrap-download', ['debootstrap', '--foreign', '--variant=minbase', ...gpg, codename, HELPER.target, mirror.uri], {
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
        return new FuelImageError('REPO_NOT_FOUND', `repos[0] ${redactSecrets(mirror.uri)} answers 404 for release "${codename}": check its uri and the codename`);
      return undefined;
    },
  });
  await session.run('bootstrap-configure', ['bash', helperScript('second-stage.sh'), HELPER.target], { env: 'target' });
}

/** Failures no retry can fix: a suite the mirror does not have, a mirror that is not one. */
export function classifyBootstrapFailure(result: Pick<ExecResult, 'outputTail'>, uri: string, codename: string): FuelImageError | undefined {
  const out = result.outputTail;
  const repo = redactSecrets(uri);
  if (/No such script/i.test(out))
    return new FuelImageError('REPO_NOT_FOUND', `debootstrap does not know release "${codename}" (codename): no bootstrap script for it`);
  if (/Release signed by unknown key|Invalid Release signature|NO_PUBKEY/i.test(out))
    return new FuelImageError('REPO_NOT_FOUND', `repos[0] ${repo}: Release signature cannot be verified; pass --keyring FILE or --no-check-gpg`);
  return undefined;
}
