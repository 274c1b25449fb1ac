import { putFiles, type ArchiveFile } from '../docker/container-archive.js';
import { FuelImageError } from '../errors.js';
import { classifyInstallFailure } from './apt-failures.js';
import { targetEnv, type BuildContext } from './build-context.js';
import { HELPER } from './plan-build.js';
import { retryStep } from './retry-step.js';
import { ATTEMPT_TIMEOUT_SECONDS, classifyTimeout, withTimeout } from './network-step.js';
import { runStep } from './run-step.js';
import { refreshIndexes, type RepoState } from './refresh-indexes.js';
import { buildAptConf, INITRAMFS_STUB, POLICY_RC_D } from './target-files.js';

const T = HELPER.target;
const DIVERTED_INITRAMFS = '/usr/sbin/update-initramfs.fuel-image';

/**
 * Packages in three phases: download everything (network, retried), install
 * from the local cache (no network), then make each initramfs exactly once
 * (the install would otherwise make it at least twice at ~75 s each).
 */
export async function installPackages(context: BuildContext): Promise<void> {
  const { plan } = context;
  const env = targetEnv(plan, HELPER.eatmydata);
  const chroot = (argv: string[]) => ['chroot', T, ...argv];

  await putFiles(context.container, T, buildFiles(context));
  if (context.keyringPath) await runStep(context, 'keyring', ['cp', context.keyringPath, `${T}/etc/apt/trusted.gpg.d/fuel-image-build.gpg`]);
  await runStep(context, 'mount-proc', ['mount', '-t', 'proc', 'proc', `${T}/proc`]);
  await runStep(context, 'mount-sys', ['mount', '-t', 'sysfs', 'sysfs', `${T}/sys`]);
  await checkEatmydata(context, env);
  await runStep(context, 'defer-initramfs', chroot(['dpkg-divert', '--local', '--rename', '--divert', DIVERTED_INITRAMFS, '--add', '/usr/sbin/update-initramfs']), { env });
  await putFiles(context.container, T, [{ name: 'usr/sbin/update-initramfs', content: INITRAMFS_STUB, mode: 0o755 }]);

  const repos: RepoState = { trusted: new Set() };
  const update = () => refreshIndexes(context, repos, env);
  await retryStep('apt-update', update, context);
  await retryStep(
    'download-packages',
    async (attempt) => {
      // A mirror that synced since the last try serves new indexes: refresh first.
      if (attempt > 1) await update();
      const argv = withTimeout(ATTEMPT_TIMEOUT_SECONDS.download, chroot(['apt-get', 'install', '--download-only', '-y', ...plan.packages]));
      await runStep(context, 'download-packages', argv, {
        env,
        verbose: true,
        classify: (result) => classifyTimeout(result, 'package download', ATTEMPT_TIMEOUT_SECONDS.download) ?? classifyInstallFailure(result),
      });
    },
    context,
  );
  await runStep(context, 'install-packages', chroot(['apt-get', 'install', '--no-download', '-y', ...plan.packages]), {
    env,
    verbose: true,
    classify: classifyInstallFailure,
  });

  await runStep(context, 'restore-initramfs', ['rm', '-f', `${T}/usr/sbin/update-initramfs`]);
  await runStep(context, 'restore-initramfs', chroot(['dpkg-divert', '--local', '--rename', '--divert', DIVERTED_INITRAMFS, '--remove', '/usr/sbin/update-initramfs']), { env });
  await makeInitramfs(context, env);
  await setRootPassword(context, env);
  await runStep(context, 'unmount', ['umount', `${T}/sys`, `${T}/proc`]);
}

function buildFiles(context: BuildContext): ArchiveFile[] {
  const files: ArchiveFile[] = [
    // debootstrap's own line for the mirror is replaced by ours for every repo.
    { name: 'etc/apt/sources.list', content: '' },
    { name: 'etc/apt/apt.conf.d/00fuel-image-build', content: buildAptConf(context.plan) },
    { name: 'usr/sbin/policy-rc.d', content: POLICY_RC_D, mode: 0o755 },
  ];
  return files;
}

async function checkEatmydata(context: BuildContext, env: string[]): Promise<void> {
  const maps = await runStep(context, 'check-eatmydata', ['chroot', T, 'cat', '/proc/self/maps'], { env });
  const active = maps.stdout.includes(HELPER.eatmydata);
  context.logger.info({ step: 'check-eatmydata', eatmydata: active }, active ? 'eatmydata is preloaded into processes in the target' : 'eatmydata is NOT active in the target: dpkg will fsync (slower)');
}

async function makeInitramfs(context: BuildContext, env: string[]): Promise<void> {
  const tool = await runStep(context, 'find-initramfs-tool', ['test', '-x', `${T}/usr/sbin/update-initramfs`], { okExitCodes: [0, 1] });
  const kernels = await runStep(context, 'list-kernels', ['ls', '-1', `${T}/lib/modules`], { okExitCodes: [0, 2] });
  const versions = kernels.stdout.split('\n').filter((v) => /^[A-Za-z0-9._+-]+$/.test(v));
  if (tool.exitCode !== 0 || versions.length === 0) {
    context.logger.info({ step: 'initramfs' }, 'no kernel or no initramfs-tools in the image: no initramfs to make');
    return;
  }
  for (const version of versions) {
    const exists = await runStep(context, 'initramfs', ['test', '-e', `${T}/boot/initrd.img-${version}`], { okExitCodes: [0, 1] });
    const mode = exists.exitCode === 0 ? '-u' : '-c';
    context.logger.info({ step: 'initramfs', kernel: version }, `making the initramfs for ${version} (once)`);
    await runStep(context, 'initramfs', ['chroot', T, 'update-initramfs', mode, '-k', version], { env });
  }
}

async function setRootPassword(context: BuildContext, env: string[]): Promise<void> {
  const { root_password: password, hashed_root_password: hash } = context.plan.spec;
  if (password === undefined && hash === undefined) return;
  // Through stdin: the secret appears in no argv, log or error message.
  const encrypted = hash !== undefined;
  const argv = encrypted ? ['chroot', T, 'chpasswd', '-e'] : ['chroot', T, 'chpasswd'];
  try {
    await runStep(context, 'root-password', argv, { env, stdin: `root:${encrypted ? hash : password}\n` });
  } catch (error) {
    throw new FuelImageError('STEP_FAILED', 'setting the root password failed', { cause: error instanceof FuelImageError ? undefined : error });
  }
}
