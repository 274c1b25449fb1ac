import { deltaAgrees } from '../apt/delta-agrees.js';
import { classifyInstallFailure } from '../apt/failures.js';
import { buildAptConf, POLICY_RC_D } from '../apt/target-files.js';
import { FuelImageError } from '../errors.js';
import { ATTEMPT_TIMEOUT_SECONDS } from '../helper/attempt-timeout.js';
import { helperScript, HELPER } from '../plan/helper-paths.js';
import { aptConfForVersion, aptFeatures } from '../release/apt-features.js';
import { initramfsAside } from '../release/initramfs-aside.js';
import type { InitSystem } from '../release/releases.js';
import { placePrefetchedDebs } from './prefetch-debs.js';
import { refreshIndexes, type RepoState } from './refresh-indexes.js';
import type { StageContext } from './stage-context.js';

/**
 * Packages in three phases: download everything (network, retried), install
 * from the local cache (no network), then make each initramfs exactly once
 * (the install would otherwise make it at least twice). Every apt option the
 * build relies on is chosen from the target's own apt version.
 */
export async function installPackages(context: StageContext, init: InitSystem, options: InstallOptions = {}): Promise<{ initramfsAside: boolean }> {
  const { session, plan } = context;
  const update = await prepareInstall(context, init);
  await downloadAndInstall(context, update, options);
  const aside = options.initramfsAside === true && initramfsAside(await installedVersion(context, 'initramfs-tools'), plan.images.map((i) => i.mountPoint));
  await session.run('finish-install', ['bash', helperScript('finish-install.sh'), HELPER.target, init, aside ? 'aside' : 'all'], { env: 'target', verbose: true });
  await setRootPassword(context);
  return { initramfsAside: aside };
}

/** A package's installed version in the target, or undefined. */
async function installedVersion({ session }: StageContext, name: string): Promise<string | undefined> {
  const result = await session.chroot('query-version', ['dpkg-query', '-W', '-f', '${Status} ${Version}', name], { okExitCodes: [0, 1] });
  return /^install ok installed (\S+)$/.exec(result.stdout.trim())?.[1];
}

/**
 * The package list's missing part installed on a cached tree that holds the
 * rest (the root password is already in it: the tree's key covers it), when
 * apt's simulation says the result equals an install from the bootstrap.
 * Else nothing is installed and `applied` is false: the caller starts over.
 */
export async function installDelta(context: StageContext, init: InitSystem): Promise<{ applied: boolean; reason: string; extra: string[] }> {
  const { session, plan } = context;
  const update = await prepareInstall(context, init);
  const simulated = await session.run('simulate-install', ['bash', helperScript('simulate-install.sh'), HELPER.target, HELPER.bootstrapAdmin, ...plan.packages], { env: 'target' });
  const verdict = deltaAgrees(simulated.stdout);
  session.logger.info({ step: 'simulate-install', agrees: verdict.agrees, extra: verdict.extra }, verdict.reason);
  const { reason, extra } = verdict;
  if (!verdict.agrees) return { applied: false, reason, extra };
  await downloadAndInstall(context, update);
  // An initramfs only if a package asked for one (the cached tree has its own).
  await session.run('finish-install', ['bash', helperScript('finish-install.sh'), HELPER.target, init, 'requested'], { env: 'target', verbose: true });
  return { applied: true, reason, extra };
}

/** /proc and /sys, deferred initramfs, the build's apt files, and fresh indexes; returns the update to repeat before a retried download. */
async function prepareInstall(context: StageContext, init: InitSystem): Promise<() => Promise<void>> {
  const { session, plan, trust } = context;
  const prepared = await session.run('prepare-target', ['bash', helperScript('prepare-target.sh'), HELPER.target, trust.aptKeyringPath ?? '', init], { env: 'target' });
  const aptVersion = /^apt (\S+)$/m.exec(prepared.stdout)?.[1];
  if (!aptVersion) throw new FuelImageError('STEP_FAILED', 'the bootstrapped target has no apt (dpkg-query -W apt found nothing)');
  const apt = aptFeatures(aptVersion);
  session.logger.info({ step: 'prepare-target', apt: aptVersion, ...apt }, `the target's apt is ${aptVersion}`);
  const active = /^eatmydata active$/m.test(prepared.stdout);
  session.logger.info({ step: 'check-eatmydata', eatmydata: active }, active ? 'eatmydata is preloaded into processes in the target' : 'eatmydata is not preloaded in the target');
  await session.write(HELPER.target, [
    // debootstrap's own line for the mirror is replaced by ours for every repo.
    { name: 'etc/apt/sources.list', content: '' },
    { name: 'etc/apt/apt.conf.d/00fuel-image-build', content: buildAptConf(plan, aptConfForVersion(apt, { checkValidUntil: trust.checkValidUntil })) },
    { name: 'usr/sbin/policy-rc.d', content: POLICY_RC_D, mode: 0o755 },
  ]);

  const repos: RepoState = { trusted: new Set() };
  const update = () => refreshIndexes(context, repos, apt);
  await session.retry('apt-update', update);
  return update;
}

export interface InstallOptions {
  /** Awaited after the download, before dpkg changes the tree (a hard-linked copy of it is being archived). */
  beforeDpkg?: () => Promise<void>;
  /** Leave the initramfs to be made beside the root image, when the target allows it (release/initramfs-aside.ts). */
  initramfsAside?: boolean;
  /** A prefetch of the packages' .debs (prefetch-debs.ts), awaited and placed before the download. */
  prefetched?: Promise<boolean>;
}

async function downloadAndInstall(context: StageContext, update: () => Promise<void>, options: InstallOptions = {}): Promise<void> {
  const { session, plan } = context;
  if (options.prefetched) {
    if (await options.prefetched) await placePrefetchedDebs(context);
    else await session.run('drop-prefetch', ['rm', '-rf', HELPER.prefetch]);
  }
  await session.runNetwork('download-packages', ['apt-get', 'install', '--download-only', '-y', ...plan.packages], {
    inTarget: true,
    timeoutSeconds: ATTEMPT_TIMEOUT_SECONDS.download,
    what: 'package download',
    verbose: true,
    // A mirror that synced since the last try serves new indexes: refresh first.
    beforeRetry: update,
    classify: classifyInstallFailure,
  });
  await options.beforeDpkg?.();
  await session.chroot('install-packages', ['apt-get', 'install', '--no-download', '-y', ...plan.packages], { verbose: true, classify: classifyInstallFailure });
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
