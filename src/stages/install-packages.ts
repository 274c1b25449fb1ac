import { classifyInstallFailure } from '../apt/failures.js';
import { buildAptConf, POLICY_RC_D } from '../apt/target-files.js';
import { FuelImageError } from '../errors.js';
import { ATTEMPT_TIMEOUT_SECONDS } from '../helper/attempt-timeout.js';
import { helperScript, HELPER } from '../plan/helper-paths.js';
import { refreshIndexes, type RepoState } from './refresh-indexes.js';
import type { StageContext } from './stage-context.js';

/**
 * Packages in three phases: download everything (network, retried), install
 * from the local cache (no network), then make each initramfs exactly once
 * (the install would otherwise make it at least twice).
 */
export async function installPackages(context: StageContext): Promise<void> {
  const { session, plan, trust } = context;
  await session.write(HELPER.target, [
    // debootstrap's own line for the mirror is replaced by ours for every repo.
    { name: 'etc/apt/sources.list', content: '' },
    { name: 'etc/apt/apt.conf.d/00fuel-image-build', content: buildAptConf(plan) },
    { name: 'usr/sbin/policy-rc.d', content: POLICY_RC_D, mode: 0o755 },
  ]);
  const prepared = await session.run('prepare-target', ['bash', helperScript('prepare-target.sh'), HELPER.target, trust.keyringPath ?? ''], { env: 'target' });
  const active = prepared.stdout.trim().endsWith('eatmydata active');
  session.logger.info(
    { step: 'check-eatmydata', eatmydata: active },
    active ? 'eatmydata is preloaded into processes in the target' : 'eatmydata is NOT active in the target: dpkg will fsync (slower)',
  );

  const repos: RepoState = { trusted: new Set() };
  const update = () => refreshIndexes(context, repos);
  await session.retry('apt-update', update);
  await session.runNetwork('download-packages', ['apt-get', 'install', '--download-only', '-y', ...plan.packages], {
    inTarget: true,
    timeoutSeconds: ATTEMPT_TIMEOUT_SECONDS.download,
    what: 'package download',
    verbose: true,
    // A mirror that synced since the last try serves new indexes: refresh first.
    beforeRetry: update,
    classify: classifyInstallFailure,
  });
  await session.chroot('install-packages', ['apt-get', 'install', '--no-download', '-y', ...plan.packages], { verbose: true, classify: classifyInstallFailure });
  await session.run('finish-install', ['bash', helperScript('finish-install.sh'), HELPER.target], { env: 'target', verbose: true });
  await setRootPassword(context);
}

async function setRootPassword({ session, plan }: StageContext): Promise<void> {
  const { root_password: password, hashed_root_password: hash } = plan.spec;
  if (password === undefined && hash === undefined) return;
  // Through stdin: the secret appears in no argv, log or error message.
  const encrypted = hash !== undefined;
  try {
    await session.chroot('root-password', encrypted ? ['chpasswd', '-e'] : ['chpasswd'], { stdin: `root:${encrypted ? hash : password}\n` });
  } catch (error) {
    // An interrupt stays an interrupt; any other failure is told without the step's output (it may echo the input).
    if (error instanceof FuelImageError && (error.code === 'ABORTED' || error.code === 'ENGINE_UNREACHABLE')) throw error;
    throw new FuelImageError('STEP_FAILED', 'setting the root password failed', { cause: error instanceof FuelImageError ? undefined : error });
  }
}
