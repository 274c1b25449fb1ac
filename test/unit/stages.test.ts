import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FuelImageError, interruptedBy } from '../../src/errors.js';
import { parseSpec } from '../../src/input/read-spec.js';
import { helperScript } from '../../src/plan/helper-paths.js';
import { planBuild, type BuildPlan } from '../../src/plan/plan-build.js';
import { aptFeatures } from '../../src/release/apt-features.js';
import { bootstrapRootfs } from '../../src/stages/bootstrap-rootfs.js';
import { inspectTarget, parseTargetReport, type TargetFacts } from '../../src/stages/inspect-target.js';
import { installPackages } from '../../src/stages/install-packages.js';
import { cleanTarget, makeImages } from '../../src/stages/make-images.js';
import { prepareKeyring } from '../../src/stages/prepare-keyring.js';
import { probeRelease, type ReleaseProbe } from '../../src/stages/probe-release.js';
import { refreshIndexes, type RepoState } from '../../src/stages/refresh-indexes.js';
import type { StageContext, TrustOptions } from '../../src/stages/stage-context.js';
import { helperEnv, targetEnv } from '../../src/stages/target-env.js';
import { FakeSession, type FakeCall } from '../helpers/fake-session.js';
import { UNIT_MIRROR, unitSpec } from '../helpers/specs.js';

/*
 * The stages' decisions, against a fake helper session: which commands they
 * run with which arguments, in which order, and what they make of the output
 * the helper's scripts print (images/helper/scripts). No Docker.
 */

const plan = (overrides: Record<string, unknown> = {}, options: Parameters<typeof planBuild>[1] = {}): BuildPlan =>
  planBuild(parseSpec(JSON.stringify(unitSpec(overrides))), options);

function context(fake: FakeSession, buildPlan: BuildPlan, trust: Partial<TrustOptions> = {}): StageContext {
  return { session: fake, plan: buildPlan, trust: { checkGpg: true, allowUnsigned: false, checkValidUntil: true, ...trust } };
}

/** What probeRelease found for bookworm with a debootstrap that knows it. */
const DEBIAN: ReleaseProbe = { family: 'debian' };
/** The target's apt as prepare-target.sh reports it (bookworm's by default), eatmydata preloaded. */
const prepared = (apt = '2.6.1', eatmydata: 'active' | 'inactive' = 'active') => ({ stdout: `apt ${apt}\neatmydata ${eatmydata}\n` });
/** A session whose prepare-target.sh reports a bookworm target (installPackages needs the apt line). */
const targetFake = (apt?: string) => new FakeSession().on('prepare-target', prepared(apt));
const NEW_APT = aptFeatures('2.6.1');
const OLD_APT = aptFeatures('1.0.1ubuntu2');

/** inspect-target.sh's findings: nothing in the tree unless given. */
const facts = (tree: Partial<TargetFacts['tree']> = {}, installed: Record<string, string> = {}): TargetFacts => ({
  os: { name: 'Debian', major: 12, minor: 10 },
  installed,
  tree: { sshd: false, grubInstall: false, grubMkconfig: false, ifupdown: false, ...tree },
});

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<FuelImageError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FuelImageError, `expected a FuelImageError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the stage to fail');
}

const only = <T>(items: T[], what: string): T => {
  assert.equal(items.length, 1, `${what}: expected exactly one, got ${items.length}`);
  return items[0]!;
};

const SECOND_REPO = { name: 'extra', uri: 'http://extra.example/repo', suite: 'stable', section: 'main', priority: null };
const twoRepos = (extra: Record<string, unknown> = {}) =>
  plan({ repos: [{ name: 'debian', uri: UNIT_MIRROR, suite: 'bookworm', section: 'main', priority: null }, { ...SECOND_REPO, ...extra }] });

describe('bootstrapRootfs', () => {
  const download = (fake: FakeSession) => fake.commands('bootstrap-download');

  it('runs debootstrap --foreign from repos[0] into the target, then the second stage in the target environment', async () => {
    const fake = new FakeSession();
    await bootstrapRootfs(context(fake, plan()));
    const call = only(download(fake), 'bootstrap-download');
    assert.equal(call.kind, 'runNetwork');
    assert.deepEqual(call.argv, ['debootstrap', '--foreign', '--variant=minbase', '--force-check-gpg', 'bookworm', '/target', UNIT_MIRROR]);
    // Time-limited by timeout(1) in the helper, not in the target.
    assert.deepEqual(call.execArgv?.slice(0, 4), ['timeout', '--kill-after=30', '1800', 'debootstrap']);
    assert.equal(call.env, 'helper');
    const configure = only(fake.commands('bootstrap-configure'), 'bootstrap-configure');
    assert.equal(configure.kind, 'run');
    assert.deepEqual(configure.argv, ['bash', helperScript('second-stage.sh'), '/target']);
    assert.equal(configure.env, 'target');
    assert.deepEqual(
      fake.calls.map((c) => c.name),
      ['bootstrap-download', 'bootstrap-configure'],
    );
  });

  it('skips signature checks only with --no-check-gpg, and checks against a given keyring', async () => {
    const noCheck = new FakeSession();
    await bootstrapRootfs(context(noCheck, plan(), { checkGpg: false }));
    const argv = only(download(noCheck), 'download').argv!;
    assert.ok(argv.includes('--no-check-gpg'));
    assert.ok(!argv.includes('--force-check-gpg'));

    const keyring = new FakeSession();
    await bootstrapRootfs(context(keyring, plan(), { keyringPath: '/fuel-image/keyring.gpg' }));
    const withKeyring = only(download(keyring), 'download').argv!;
    assert.deepEqual(withKeyring.slice(3, 5), ['--keyring=/fuel-image/keyring.gpg', '--force-check-gpg']);
    assert.ok(!withKeyring.includes('--no-check-gpg'));
  });

  it('fails at once with REPO_NOT_FOUND when the mirror answers 404 for the Release file', async () => {
    const fake = new FakeSession()
      .on('bootstrap-download', { exitCode: 1, stdout: 'I: Retrieving InRelease \nE: Failed getting release file http://mirror.example/debian/dists/bookworm/Release\n' })
      .on('read-bootstrap-log', { stdout: '--2025-01-01--  http://mirror.example/debian/dists/bookworm/Release\nHTTP request sent, awaiting response... 404 Not Found\n2025-01-01 ERROR 404: Not Found.\n' });
    const error = await failure(bootstrapRootfs(context(fake, plan())));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /^repos\[0\] http:\/\/mirror\.example\/debian answers 404 for release "bookworm"/);
    assert.equal(download(fake).length, 1, 'a 404 for the Release file is not retried');
    const log = only(fake.commands('read-bootstrap-log'), 'read-bootstrap-log');
    assert.ok(log.argv!.includes('/target/debootstrap/debootstrap.log'));
    assert.equal(fake.commands('bootstrap-configure').length, 0);
  });

  it('retries a transient download failure and then goes on', async () => {
    const fake = new FakeSession().on('bootstrap-download', (_call, nth) =>
      nth === 1 ? { exitCode: 1, stdout: 'W: Couldn\'t download package libc6 (ver 2.36-9 arch amd64) at http://mirror.example/debian/pool/main/g/glibc/libc6.deb' } : {},
    );
    await bootstrapRootfs(context(fake, plan()));
    assert.equal(download(fake).length, 2);
    assert.equal(fake.commands('read-bootstrap-log').length, 0, 'the log is read only for a Release file failure');
    assert.equal(fake.commands('bootstrap-configure').length, 1);
    assert.match(fake.warnings.join('\n'), /bootstrap-download: attempt 1 failed, retrying/);
  });

  it('retries a Release file failure whose log shows no 404 (a connection refused)', async () => {
    const fake = new FakeSession()
      .on('bootstrap-download', (_call, nth) => (nth === 1 ? { exitCode: 1, stdout: 'E: Failed getting release file http://mirror.example/debian/dists/bookworm/Release' } : {}))
      .on('read-bootstrap-log', { stdout: 'failed: Connection refused.\n' });
    await bootstrapRootfs(context(fake, plan()));
    assert.equal(download(fake).length, 2);
    assert.equal(fake.commands('read-bootstrap-log').length, 1);
  });

  it('does not retry an unknown release or an unverifiable signature', async () => {
    const unknown = new FakeSession().on('bootstrap-download', { exitCode: 1, stderr: 'E: No such script: /usr/share/debootstrap/scripts/nosuch' });
    const error = await failure(bootstrapRootfs(context(unknown, plan({ codename: 'nosuch' }))));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /release "nosuch"/);
    assert.equal(download(unknown).length, 1);

    const unsigned = new FakeSession().on('bootstrap-download', { exitCode: 1, stdout: 'E: Release signed by unknown key (key id 6ED0E7B82643E131)' });
    const signature = await failure(bootstrapRootfs(context(unsigned, plan())));
    assert.equal(signature.code, 'REPO_NOT_FOUND');
    assert.match(signature.message, /--keyring FILE or --no-check-gpg/);
    assert.equal(download(unsigned).length, 1);
  });

  it('reports a stalled download (timeout exit 124) as NETWORK after every retry', async () => {
    const fake = new FakeSession().on('bootstrap-download', { exitCode: 124 });
    const error = await failure(bootstrapRootfs(context(fake, plan())));
    assert.equal(error.code, 'NETWORK');
    assert.match(error.message, /bootstrap download: no result after 1800 s/);
    assert.equal(download(fake).length, 3, 'the first attempt and two retries');
  });

  it('keeps the cause of a failed second stage in a STEP_FAILED error', async () => {
    const fake = new FakeSession().on('bootstrap-configure', { exitCode: 1, stderr: 'dpkg: error processing package base-files' });
    const error = await failure(bootstrapRootfs(context(fake, plan())));
    assert.equal(error.code, 'STEP_FAILED');
    assert.match(error.message, /step "bootstrap-configure" failed \(exit 1\):\ndpkg: error processing package base-files/);
  });
});

describe('installPackages', () => {
  /** Steps as "kind:name", writes as "write:file,file". */
  const steps = (calls: FakeCall[]) => calls.map((c) => (c.kind === 'write' ? `write:${c.files!.map((f) => f.name).join(',')}` : `${c.kind}:${c.name}`));

  it('writes the apt files, readies the target, updates, downloads, installs from the cache, then finishes', async () => {
    const fake = new FakeSession();
    await installPackages(context(fake, plan()));
    assert.deepEqual(steps(fake.calls), [
      'write:etc/apt/sources.list,etc/apt/apt.conf.d/00fuel-image-build,usr/sbin/policy-rc.d',
      'run:prepare-target',
      'retry:apt-update',
      'write:etc/apt/sources.list.d/fuel-image.list',
      'chroot:apt-update',
      'write:etc/apt/preferences.d/fuel-image.pref',
      'runNetwork:download-packages',
      'chroot:install-packages',
      'run:finish-install',
    ]);
    const first = fake.calls[0]!;
    assert.equal(first.directory, '/target');
    const files = new Map(first.files!.map((f) => [f.name, f]));
    assert.equal(files.get('etc/apt/sources.list')?.content, '', "debootstrap's own sources line goes");
    const policy = files.get('usr/sbin/policy-rc.d');
    assert.equal(policy?.mode, 0o755);
    assert.match(String(policy?.content), /^#!\/bin\/sh\n[\s\S]*exit 101\n$/);
    assert.match(String(files.get('etc/apt/apt.conf.d/00fuel-image-build')?.content), /APT::Install-Recommends "false";/);

    const prepare = only(fake.commands('prepare-target'), 'prepare-target');
    assert.deepEqual(prepare.argv, ['bash', helperScript('prepare-target.sh'), '/target', '']);
    assert.equal(prepare.env, 'target', 'eatmydata is checked with the target environment');
    const finish = only(fake.commands('finish-install'), 'finish-install');
    assert.deepEqual(finish.argv, ['bash', helperScript('finish-install.sh'), '/target']);
    assert.equal(finish.env, 'target');
  });

  it('downloads then installs exactly the requested packages, in the target', async () => {
    const fake = new FakeSession();
    const requested = ['ifupdown', 'openssh-server', 'vim=2:9.0.1378-2'];
    await installPackages(context(fake, plan({ packages: requested })));
    const download = only(fake.commands('download-packages'), 'download');
    assert.deepEqual(download.argv, ['apt-get', 'install', '--download-only', '-y', ...requested]);
    assert.equal((download.options as { inTarget?: boolean }).inTarget, true);
    assert.deepEqual(download.execArgv?.slice(0, 6), ['timeout', '--kill-after=30', '1800', 'chroot', '/target', 'apt-get']);
    assert.equal(download.env, 'target');
    const install = only(fake.commands('install-packages'), 'install');
    assert.equal(install.kind, 'chroot');
    assert.deepEqual(install.argv, ['apt-get', 'install', '--no-download', '-y', ...requested]);
  });

  it("installs the release's default packages when the spec names none", async () => {
    for (const [codename, kernel] of [['bookworm', 'linux-image-amd64'], ['jammy', 'linux-image-generic']] as const) {
      const fake = new FakeSession();
      await installPackages(context(fake, plan({ codename, packages: undefined })));
      const argv = only(fake.commands('download-packages'), 'download').argv!;
      assert.ok(argv.includes(kernel), `${codename}: ${argv.join(' ')}`);
      assert.ok(argv.includes('openssh-server'));
      assert.deepEqual(only(fake.commands('install-packages'), 'install').argv!.slice(4), argv.slice(4));
    }
  });

  it('passes the keyring to prepare-target', async () => {
    const fake = new FakeSession();
    await installPackages(context(fake, plan(), { keyringPath: '/fuel-image/keyring.gpg' }));
    assert.deepEqual(only(fake.commands('prepare-target'), 'prepare-target').argv!.slice(2), ['/target', '/fuel-image/keyring.gpg']);
  });

  it("logs whether eatmydata reaches the target from prepare-target's last line", async () => {
    for (const [line, active] of [['eatmydata active', true], ['eatmydata inactive', false]] as const) {
      const fake = new FakeSession().on('prepare-target', { stdout: `some mount noise\n${line}\n` });
      await installPackages(context(fake, plan()));
      const logged = only(fake.logs.filter((l) => l.step === 'check-eatmydata'), 'check-eatmydata');
      assert.equal(logged.eatmydata, active, line);
    }
  });

  it('sets the root password through chpasswd stdin, never in an argv or the log', async () => {
    const password = 'S3cret-Passw0rd';
    const fake = new FakeSession();
    await installPackages(context(fake, plan({ root_password: password })));
    const call = only(fake.commands('root-password'), 'root-password');
    assert.equal(call.kind, 'chroot');
    assert.deepEqual(call.argv, ['chpasswd']);
    assert.equal((call.options as { stdin?: string }).stdin, `root:${password}\n`);
    assert.equal(fake.calls.at(-1), call, 'the password is set last, after the install');
    for (const c of fake.calls) assert.ok(!(c.execArgv ?? []).join(' ').includes(password), `${c.name}: password in argv`);
    assert.ok(!JSON.stringify(fake.logs).includes(password), 'password in the log');
    assert.ok(![...fake.files.values()].some((content) => content.toString().includes(password)), 'password in a written file');
  });

  it('sets a hashed root password with chpasswd -e', async () => {
    const hash = '$6$saltsalt$abcdefghijklmnopqrstuvwxyz0123456789./ABCDEFGHIJKLMNOPQRSTUV';
    const fake = new FakeSession();
    await installPackages(context(fake, plan({ hashed_root_password: hash })));
    const call = only(fake.commands('root-password'), 'root-password');
    assert.deepEqual(call.argv, ['chpasswd', '-e']);
    assert.equal((call.options as { stdin?: string }).stdin, `root:${hash}\n`);
    assert.ok(!fake.calls.some((c) => (c.execArgv ?? []).join(' ').includes(hash)));
  });

  it('runs no chpasswd without a password, and a failing chpasswd fails the stage without its output', async () => {
    const none = new FakeSession();
    await installPackages(context(none, plan()));
    assert.equal(none.commands('root-password').length, 0);

    const fake = new FakeSession().on('root-password', { exitCode: 1, stderr: 'chpasswd: (user root) pam_chauthtok() failed, error:\nAuthentication token manipulation error' });
    const error = await failure(installPackages(context(fake, plan({ root_password: 'pw-that-fails' }))));
    assert.equal(error.code, 'STEP_FAILED');
    assert.equal(error.message, 'setting the root password failed');
    assert.equal(error.cause, undefined);
  });

  it('fails at once with PACKAGE_NOT_FOUND when apt cannot locate a requested package', async () => {
    const fake = new FakeSession().on('download-packages', {
      exitCode: 100,
      stdout: 'Reading package lists...\nBuilding dependency tree...\n',
      stderr: 'E: Unable to locate package nosuch',
    });
    const error = await failure(installPackages(context(fake, plan({ packages: ['ifupdown', 'nosuch'] }))));
    assert.equal(error.code, 'PACKAGE_NOT_FOUND');
    assert.match(error.message, /nosuch/);
    assert.deepEqual(error.details.packages, ['nosuch']);
    assert.equal(fake.commands('download-packages').length, 1, 'not retried');
    assert.equal(fake.commands('apt-update').length, 1, 'no refresh before a retry that does not happen');
    assert.equal(fake.commands('install-packages').length, 0);
  });

  it('refreshes the indexes before retrying a failed download', async () => {
    const fake = new FakeSession().on('download-packages', (_call, nth) =>
      nth === 1 ? { exitCode: 100, stderr: 'E: Failed to fetch http://mirror.example/debian/pool/main/i/ifupdown/ifupdown.deb  404  Not Found' } : {},
    );
    await installPackages(context(fake, plan()));
    const order = fake.calls.filter((c) => c.name === 'apt-update' || c.name === 'download-packages').map((c) => `${c.kind}:${c.name}`);
    assert.deepEqual(order, ['retry:apt-update', 'chroot:apt-update', 'runNetwork:download-packages', 'chroot:apt-update', 'runNetwork:download-packages']);
    assert.equal(fake.commands('install-packages').length, 1);
  });

  it('fails with PACKAGE_NOT_FOUND when the install cannot resolve dependencies', async () => {
    const fake = new FakeSession().on('install-packages', {
      exitCode: 100,
      stdout: 'The following packages have unmet dependencies:\n foo : Depends: bar but it is not going to be installed\nE: Unable to correct problems, you have held broken packages.',
    });
    const error = await failure(installPackages(context(fake, plan())));
    assert.equal(error.code, 'PACKAGE_NOT_FOUND');
    assert.match(error.message, /cannot be installed together/);
    assert.equal(fake.commands('finish-install').length, 0);
  });

  it('stops with ABORTED when the build is interrupted during the download', async () => {
    const fake = new FakeSession().on('download-packages', () => {
      fake.abort(interruptedBy('SIGINT'));
      return { exitCode: 137 };
    });
    const error = await failure(installPackages(context(fake, plan())));
    assert.equal(error.code, 'ABORTED');
    assert.equal(error.details.signal, 'SIGINT');
    assert.equal(fake.commands('download-packages').length, 1);
    assert.equal(fake.commands('install-packages').length, 0);
  });

  it(
    'reports an interrupt while the root password is set as ABORTED',
    async () => {
      const fake = new FakeSession().on('root-password', () => {
        fake.abort(interruptedBy('SIGTERM'));
        return {};
      });
      const error = await failure(installPackages(context(fake, plan({ root_password: 'pw' }))));
      assert.equal(error.code, 'ABORTED');
    },
  );
});

describe('refreshIndexes', () => {
  const LIST = '/target/etc/apt/sources.list.d/fuel-image.list';
  const PREF = '/target/etc/apt/preferences.d/fuel-image.pref';
  const UNSIGNED = "W: GPG error: http://extra.example/repo stable Release: no signature\nE: The repository 'http://extra.example/repo stable Release' is not signed.";
  const fresh = (): RepoState => ({ trusted: new Set() });

  it('stops on an unsigned repo without --allow-unsigned, naming it and the option', async () => {
    const fake = new FakeSession().on('apt-update', { exitCode: 100, stderr: UNSIGNED });
    const error = await failure(refreshIndexes(context(fake, twoRepos()), fresh()));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /^repos\[1\] "extra" \(http:\/\/extra\.example\/repo\) is without a signed Release file/);
    assert.doesNotMatch(error.message, /repos\[0\]/);
    assert.match(error.message, /--allow-unsigned/);
    assert.equal(fake.commands('apt-update').length, 1);
    assert.deepEqual(fake.writesOf(PREF), [], 'no pins without indexes');
  });

  it('with --allow-unsigned trusts only that repo on the second round, and warns', async () => {
    const fake = new FakeSession().on('apt-update', (_call, nth) => (nth === 1 ? { exitCode: 100, stderr: UNSIGNED } : {}));
    const state = fresh();
    await refreshIndexes(context(fake, twoRepos(), { allowUnsigned: true }), state);
    const lists = fake.writesOf(LIST);
    assert.equal(lists.length, 2);
    assert.doesNotMatch(lists[0]!, /trusted=yes/);
    const debLines = lists[1]!.split('\n').filter((l) => l.startsWith('deb '));
    assert.deepEqual(debLines, ['deb http://mirror.example/debian bookworm main', 'deb [trusted=yes] http://extra.example/repo stable main']);
    assert.equal(fake.commands('apt-update').length, 2);
    assert.deepEqual([...state.trusted], [1]);
    const warning = only(fake.warnings.filter((w) => /unsigned/.test(w)), 'unsigned warning');
    assert.match(warning, /^repos\[1\] "extra" \(http:\/\/extra\.example\/repo\) is unsigned: trusted for this build \(--allow-unsigned\)/);
    assert.equal(fake.writesOf(PREF).length, 1);

    // A later refresh (a retry) keeps the repo trusted from its first round.
    await refreshIndexes(context(fake, twoRepos(), { allowUnsigned: true }), state);
    assert.match(fake.writesOf(LIST).at(-1)!, /^deb \[trusted=yes\] http:\/\/extra\.example\/repo stable main$/m);
  });

  it('matches the repo apt names without its credentials, and names it redacted', async () => {
    const fake = new FakeSession().on('apt-update', { exitCode: 100, stderr: UNSIGNED });
    const error = await failure(refreshIndexes(context(fake, twoRepos({ uri: 'http://user:hunter2@extra.example/repo/' })), fresh()));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /^repos\[1\] "extra" \(http:\/\/\*\*\*@extra\.example\/repo\/\)/);
    assert.doesNotMatch(error.message, /hunter2/);
  });

  it('gives up when a repo stays unsigned after being trusted', async () => {
    const fake = new FakeSession().on('apt-update', { exitCode: 100, stderr: UNSIGNED });
    const error = await failure(refreshIndexes(context(fake, twoRepos(), { allowUnsigned: true }), fresh()));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.equal(fake.commands('apt-update').length, 2);
  });

  it('trusts every repo with --no-check-gpg', async () => {
    const fake = new FakeSession();
    await refreshIndexes(context(fake, twoRepos(), { checkGpg: false }), fresh());
    const debLines = fake.text(LIST)!.split('\n').filter((l) => l.startsWith('deb '));
    assert.equal(debLines.length, 2);
    assert.ok(debLines.every((l) => l.startsWith('deb [trusted=yes] ')));
  });

  it('runs apt-get update in the target under a time limit', async () => {
    const fake = new FakeSession();
    await refreshIndexes(context(fake, plan()), fresh());
    const update = only(fake.commands('apt-update'), 'apt-update');
    assert.equal(update.kind, 'chroot');
    assert.deepEqual(update.argv, ['timeout', '--kill-after=30', '600', 'apt-get', 'update']);
  });

  it('labels Release files only when some repo has a numeric priority', async () => {
    const unpinned = new FakeSession();
    await refreshIndexes(context(unpinned, twoRepos()), fresh());
    assert.equal(unpinned.commands('label-repos').length, 0);
    assert.equal(unpinned.text(PREF), '');

    const fake = new FakeSession();
    await refreshIndexes(context(fake, twoRepos({ priority: 1001 })), fresh());
    const label = only(fake.commands('label-repos'), 'label-repos');
    assert.deepEqual(label.argv, [
      'bash',
      helperScript('label-releases.sh'),
      '/target/var/lib/apt/lists',
      'fuel-image-repo-1/extra.example_repo_dists_stable_InRelease/extra.example_repo_dists_stable_Release',
    ]);
    const pins = fake.text(PREF)!;
    assert.match(pins, /^Pin: release l=fuel-image-repo-1$/m);
    assert.match(pins, /^Pin-Priority: 1001$/m);
    assert.equal((pins.match(/^Pin:/gm) ?? []).length, 1);
    assert.deepEqual(fake.warnings, []);
  });

  it('pins an unlabelled repo by its origin host instead, with a warning', async () => {
    const fake = new FakeSession().on('label-repos', { stdout: 'unlabelled fuel-image-repo-1\n' });
    await refreshIndexes(context(fake, twoRepos({ priority: 1001 })), fresh());
    const pins = fake.text(PREF)!;
    assert.match(pins, /^Pin: origin "extra\.example"$/m);
    assert.doesNotMatch(pins, /l=fuel-image-repo-1/);
    assert.match(pins, /^Pin-Priority: 1001$/m);
    const warning = only(fake.warnings, 'warning');
    assert.match(warning, /repos\[1\] "extra"/);
    assert.match(warning, /falls back to the origin host/);
  });

  it(
    'words the unlabelled warning as a sentence',
    async () => {
      const fake = new FakeSession().on('label-repos', { stdout: 'unlabelled fuel-image-repo-1\n' });
      await refreshIndexes(context(fake, twoRepos({ priority: 1001 })), fresh());
      assert.doesNotMatch(only(fake.warnings, 'warning'), /\bis has\b/);
    },
  );
});

describe('inspectTarget', () => {
  const report = (packages: string[][], osRelease = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nID=debian\n', debianVersion = '12.10\n') =>
    `### os-release\n${osRelease}### debian_version\n${debianVersion}### packages\n${packages.map((p) => p.join('\t')).join('\n')}\n`;
  const INSTALLED = [
    ['ifupdown', '0.8.41', 'install ok installed'],
    ['openssh-server', '1:9.2p1-2+deb12u5', 'install ok installed'],
    ['systemd-sysv', '252.36-1~deb12u1', 'hold ok installed'],
    ['vim', '2:9.0.1378-2', 'deinstall ok config-files'],
  ];

  it("parses inspect-target.sh's sections: Debian's minor version from debian_version, installed packages only", () => {
    const facts = parseTargetReport(report(INSTALLED));
    assert.deepEqual(facts.os, { name: 'Debian', major: 12, minor: 10 });
    assert.deepEqual(facts.installed, { ifupdown: '0.8.41', 'openssh-server': '1:9.2p1-2+deb12u5', 'systemd-sysv': '252.36-1~deb12u1' });
  });

  it("takes Ubuntu's version from os-release", () => {
    const facts = parseTargetReport(report([], 'NAME="Ubuntu"\nVERSION_ID="14.04"\nID=ubuntu\nID_LIKE=debian\n', 'jessie/sid\n'));
    assert.deepEqual(facts.os, { name: 'Ubuntu', major: 14, minor: 4 });
    assert.deepEqual(facts.installed, {});
  });

  it('runs inspect-target.sh on the target and returns its facts when every requested package is installed', async () => {
    const fake = new FakeSession().on('inspect', { stdout: report(INSTALLED) });
    const facts = await inspectTarget(context(fake, plan({ packages: ['ifupdown', 'openssh-server:amd64', 'systemd-sysv=252.36-1~deb12u1'] })));
    assert.deepEqual(only(fake.commands('inspect'), 'inspect').argv, ['bash', helperScript('inspect-target.sh'), '/target']);
    assert.equal(facts.os.major, 12);
    assert.equal(facts.installed.ifupdown, '0.8.41');
  });

  it('fails with PACKAGE_NOT_FOUND naming a requested package that is not installed', async () => {
    const fake = new FakeSession().on('inspect', { stdout: report(INSTALLED) });
    const error = await failure(inspectTarget(context(fake, plan({ packages: ['ifupdown', 'grub-pc', 'vim'] }))));
    assert.equal(error.code, 'PACKAGE_NOT_FOUND');
    assert.deepEqual(error.details.packages, ['grub-pc', 'vim']);
    assert.match(error.message, /grub-pc, vim$/);
  });
});

describe('makeImages', () => {
  const threeMounts = () =>
    plan({
      image_data: {
        '/': { uri: 'http://x/root.img.gz', format: 'ext4' },
        '/boot': { uri: 'http://x/boot.img.gz' },
        '/var': { uri: 'http://x/var.img', container: 'raw' },
        '/var/log': { uri: 'http://x/log.img.gz', format: 'ext3' },
      },
    });
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');
  /** make-image.sh's stdout for an image: sizes from the source dir's length. */
  const figures = (sourceDir: string) => `${sourceDir.length * 1024} ${md5(`raw ${sourceDir}`)} ${sourceDir.length * 100} ${md5(`gz ${sourceDir}`)}\n`;
  const withImages = (fake: FakeSession) => fake.on((name) => name.startsWith('mkfs '), (call) => ({ stdout: figures(call.argv![2]!), stderr: 'fuel-image: progress on stderr' }));

  it('cuts nested mount points out deepest first, never "/", then makes each image once', async () => {
    const buildPlan = threeMounts();
    const fake = withImages(new FakeSession());
    const packed = await makeImages(context(fake, buildPlan));
    const split = only(fake.commands('split-tree'), 'split-tree');
    assert.deepEqual(split.argv, ['bash', helperScript('split-tree.sh'), '/target', '/parts', '3:/var/log', '2:/var', '1:/boot']);
    assert.equal(fake.calls[0], split, 'the tree is split before any image is made');

    const mkfs = fake.calls.filter((c) => c.name?.startsWith('mkfs '));
    assert.equal(mkfs.length, 4);
    for (const image of buildPlan.images) {
      const call = only(mkfs.filter((c) => c.name === `mkfs ${image.mountPoint}`), image.mountPoint);
      assert.deepEqual(call.argv, ['bash', helperScript('make-image.sh'), image.sourceDir, image.rawPath, image.format, image.features, image.container]);
    }
    assert.deepEqual(
      mkfs.find((c) => c.name === 'mkfs /')!.argv!.slice(2, 5).concat(mkfs.find((c) => c.name === 'mkfs /var')!.argv!.slice(2, 5)),
      ['/target', '/work/0.img', 'ext4', '/parts/2', '/work/2.img', 'ext4'],
    );
    assert.equal(mkfs.find((c) => c.name === 'mkfs /boot')!.argv![6], 'gzip');
    assert.equal(mkfs.find((c) => c.name === 'mkfs /var')!.argv![6], 'raw');

    assert.deepEqual(
      packed.map((p) => p.image.mountPoint),
      buildPlan.images.map((i) => i.mountPoint),
    );
    const root = packed[0]!;
    assert.deepEqual(
      { rawSize: root.rawSize, rawMd5: root.rawMd5, containerSize: root.containerSize, containerMd5: root.containerMd5 },
      { rawSize: 7 * 1024, rawMd5: md5('raw /target'), containerSize: 700, containerMd5: md5('gz /target') },
    );
    assert.equal(packed[3]!.rawMd5, md5('raw /parts/3'));
  });

  it('does not split a tree with "/" alone', async () => {
    const fake = withImages(new FakeSession());
    const packed = await makeImages(context(fake, plan({ image_data: { '/': { uri: 'http://x/root.img.gz' } } })));
    assert.equal(fake.commands('split-tree').length, 0);
    assert.equal(packed.length, 1);
  });

  it('takes the figures from the last line of make-image.sh output', async () => {
    const fake = new FakeSession().on(/^mkfs /, (call) => ({ stdout: `fuel-image: some chatter\n${figures(call.argv![2]!)}\n` }));
    const packed = await makeImages(context(fake, plan()));
    assert.equal(packed[1]!.containerMd5, md5('gz /parts/1'));
  });

  it('fails with STEP_FAILED on malformed figures', async () => {
    for (const line of [`1048576 ${md5('r')} 4096`, `1048576 notanmd5 4096 ${md5('c')}`, `0 ${md5('r')} 4096 ${md5('c')}`, `abc ${md5('r')} 4096 ${md5('c')}`, '']) {
      const fake = withImages(new FakeSession()).on('mkfs /boot', { stdout: `${line}\n` });
      const error = await failure(makeImages(context(fake, plan())));
      assert.equal(error.code, 'STEP_FAILED', line);
      assert.match(error.message, /^\/boot: unexpected output from make-image/, line);
    }
  });

  it("fails with split-tree.sh's own message when a mount point is a symlink (exit 3)", async () => {
    const fake = withImages(new FakeSession()).on('split-tree', {
      exitCode: 3,
      stderr: 'fuel-image: mount point /var is a symlink in the image (to /srv/var): give the real directory in image_data',
    });
    const error = await failure(makeImages(context(fake, threeMounts())));
    assert.equal(error.code, 'STEP_FAILED');
    assert.equal(error.message, 'mount point /var is a symlink in the image (to /srv/var): give the real directory in image_data');
    assert.equal(fake.calls.filter((c) => c.name?.startsWith('mkfs ')).length, 0);
  });

  it('reports any other split-tree failure as the failed step', async () => {
    const fake = withImages(new FakeSession()).on('split-tree', { exitCode: 1, stderr: 'mv: cannot move /target/boot: Device or resource busy' });
    const error = await failure(makeImages(context(fake, plan())));
    assert.equal(error.code, 'STEP_FAILED');
    assert.match(error.message, /^step "split-tree" failed \(exit 1\):\nmv: cannot move/);
  });

  it('cleans the target with clean-target.sh', async () => {
    const fake = new FakeSession();
    await cleanTarget(context(fake, plan()));
    assert.deepEqual(only(fake.commands('clean-target'), 'clean-target').argv, ['bash', helperScript('clean-target.sh'), '/target']);
  });
});

describe('prepareKeyring', () => {
  async function withFile(content: string | Buffer, test: (file: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(path.join(tmpdir(), 'fuel-image-keyring-'));
    try {
      const file = path.join(dir, 'key');
      await writeFile(file, content);
      await test(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('uploads a binary keyring as it is', async () => {
    await withFile(Buffer.from([0x99, 0x01, 0x0d, 0x04]), async (file) => {
      const fake = new FakeSession();
      assert.equal(await prepareKeyring(fake, file), '/fuel-image/keyring.gpg');
      assert.deepEqual(fake.files.get('/fuel-image/keyring.gpg'), Buffer.from([0x99, 0x01, 0x0d, 0x04]));
      assert.equal(fake.commands('keyring').length, 0);
    });
  });

  it('dearmours an ASCII-armoured keyring in the helper', async () => {
    await withFile('-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF...\n-----END PGP PUBLIC KEY BLOCK-----\n', async (file) => {
      const fake = new FakeSession();
      assert.equal(await prepareKeyring(fake, file), '/fuel-image/keyring.gpg');
      assert.ok(fake.files.has('/fuel-image/keyring.asc'));
      assert.deepEqual(only(fake.commands('keyring'), 'keyring').argv, ['gpg', '--batch', '--yes', '--dearmor', '--output', '/fuel-image/keyring.gpg', '/fuel-image/keyring.asc']);
    });
  });

  it('reports a missing keyring file as a usage error', async () => {
    const error = await failure(prepareKeyring(new FakeSession(), '/nonexistent/fuel-image/keyring.gpg'));
    assert.equal(error.code, 'USAGE');
    assert.match(error.message, /^--keyring \/nonexistent\/fuel-image\/keyring\.gpg: /);
  });
});

describe('environments of helper and target commands', () => {
  it('preloads eatmydata in the target only, and points wget at our retry settings in the helper only', () => {
    const spec = plan({ proxies: { protocols: { http: 'http://proxy.example:3128' } } }).spec;
    const helper = helperEnv(spec);
    const target = targetEnv(spec);
    assert.ok(target.includes('LD_PRELOAD=/.fuel-image/libeatmydata.so'));
    assert.ok(!helper.some((v) => v.startsWith('LD_PRELOAD=')));
    assert.ok(helper.includes(`WGETRC=${helperScript('wgetrc')}`));
    assert.ok(!target.some((v) => v.startsWith('WGETRC=')));
    for (const env of [helper, target]) {
      assert.ok(env.includes('DEBIAN_FRONTEND=noninteractive'));
      assert.ok(env.includes('http_proxy=http://proxy.example:3128'));
    }
  });
});

describe('FakeSession keeps the session contract', () => {
  it('counts only okExitCodes as success and prefers classify over STEP_FAILED', async () => {
    const fake = new FakeSession().on('x', { exitCode: 1, stdout: 'out' });
    assert.equal((await fake.run('x', ['true'], { okExitCodes: [0, 1] })).exitCode, 1);
    const plain = await failure(fake.run('x', ['true']));
    assert.equal(plain.code, 'STEP_FAILED');
    assert.equal(plain.message, 'step "x" failed (exit 1):\nout');
    const classified = await failure(fake.run('x', ['true'], { classify: async () => new FuelImageError('NETWORK', 'classified') }));
    assert.equal(classified.message, 'classified');
  });

  it('retries network steps with the real policy and classifies a timeout before the caller', async () => {
    let callerSaw = 0;
    let before = 0;
    const fake = new FakeSession().on('net', (_call, nth) => ({ exitCode: nth < 3 ? 124 : 0 }));
    await fake.runNetwork('net', ['wget'], {
      timeoutSeconds: 5,
      what: 'thing',
      beforeRetry: async () => void before++,
      classify: () => void callerSaw++,
    });
    assert.equal(fake.commands('net').length, 3);
    assert.equal(before, 2);
    assert.equal(callerSaw, 0, 'a timeout is classified before the caller sees it');
    assert.deepEqual(fake.commands('net').map((c) => c.attempt), [1, 2, 3]);
  });

  it('reads back what was written and fails like cat on a missing file', async () => {
    const fake = new FakeSession();
    await fake.write('/a', [{ name: 'b/c', content: 'text' }]);
    assert.equal(await fake.read('/a/b/c'), 'text');
    assert.equal((await failure(fake.read('/nope'))).code, 'STEP_FAILED');
  });
});
