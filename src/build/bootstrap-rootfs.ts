import { FuelImageError } from '../errors.js';
import { redactSecrets } from '../log/redact.js';
import type { BuildContext } from './build-context.js';
import { helperEnv, targetEnv } from './build-context.js';
import { HELPER } from './plan-build.js';
import { retryStep } from './retry-step.js';
import { runStep } from './run-step.js';
import { ATTEMPT_TIMEOUT_SECONDS, classifyTimeout, withTimeout } from './network-step.js';
import type { ExecResult } from '../docker/exec-in-container.js';

/**
 * debootstrap in two stages: the first (download and unpack, the only part
 * that touches the network) is retried; the second configures the base
 * system inside the target with eatmydata preloaded.
 */
export async function bootstrapRootfs(context: BuildContext): Promise<void> {
  const { plan } = context;
  const mirror = plan.spec.repos[0]!;
  const gpg = context.keyringPath
    ? [`--keyring=${context.keyringPath}`, '--force-check-gpg']
    : context.checkGpg
      ? ['--force-check-gpg']
      : ['--no-check-gpg'];
  const argv = withTimeout(ATTEMPT_TIMEOUT_SECONDS.bootstrap, ['debootstrap', '--foreign', '--variant=minbase', ...gpg, plan.spec.codename, HELPER.target, mirror.uri]);
  await retryStep(
    'bootstrap-download',
    async () => {
      try {
        await runStep(context, 'bootstrap-download', argv, {
          env: helperEnv(plan),
          verbose: true,
          classify: (result) =>
            classifyTimeout(result, 'bootstrap download', ATTEMPT_TIMEOUT_SECONDS.bootstrap) ?? classifyBootstrapFailure(result, mirror.uri, plan.spec.codename),
        });
      } catch (error) {
        // debootstrap hides wget's answer in its own log. A 404 for the Release
        // file is permanent; one for a package (a mirror mid-sync) is retried.
        const releaseFailed = error instanceof FuelImageError && /Failed getting release file/i.test(error.message);
        if (!releaseFailed) throw error;
        const log = await runStep(context, 'read-bootstrap-log', ['tail', '-n', '30', `${HELPER.target}/debootstrap/debootstrap.log`], {
          okExitCodes: [0, 1],
        });
        if (/ERROR 404|404 Not Found/.test(log.stdout))
          throw new FuelImageError('REPO_NOT_FOUND', `repos[0] ${redactSecrets(mirror.uri)} answers 404 for release "${plan.spec.codename}": check its uri and the codename`, { cause: error });
        throw error;
      }
    },
    context,
  );
  await runStep(context, 'copy-eatmydata', ['cp', '-a', HELPER.eatmydataDir, `${HELPER.target}/`]);
  await runStep(context, 'bootstrap-configure', ['chroot', HELPER.target, '/debootstrap/debootstrap', '--second-stage'], {
    env: targetEnv(plan, HELPER.eatmydata),
  });
}

/** Failures no retry can fix: a suite the mirror does not have, a mirror that is not one. */
export function classifyBootstrapFailure(result: ExecResult, uri: string, codename: string): FuelImageError | undefined {
  const out = result.outputTail;
  const repo = redactSecrets(uri);
  if (/No such script/i.test(out))
    return new FuelImageError('REPO_NOT_FOUND', `debootstrap does not know release "${codename}" (codename): no bootstrap script for it`);
  if (/Release signed by unknown key|Invalid Release signature|NO_PUBKEY/i.test(out))
    return new FuelImageError('REPO_NOT_FOUND', `repos[0] ${repo}: Release signature cannot be verified; pass --keyring FILE or --no-check-gpg`);
  return undefined;
}
