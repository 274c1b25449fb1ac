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
import { installDelta, installPackages } from '../../src/stages/install-packages.js';
import { cleanTarget, makeImages } from '../../src/stages/make-images.js';
import { prefetchInstallDebs } from '../../src/stages/prefetch-debs.js';
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
/** apt's list file of repos[0]'s (signed) InRelease, for the unit specs' mirror. */
const MIRROR_INRELEASE = 'mirror.example_debian_dists_bookworm_InRelease';
/**
 * A session whose prepare-target.sh reports a target with this apt (bookworm's
 * by default; installPackages needs the apt line) and whose apt lists hold
 * repos[0]'s signed InRelease (apt before 1.5 is checked that way).
 */
const targetFake = (apt?: string) => new FakeSession().on('prepare-target', prepared(apt)).on('list-indexes', { stdout: `lock\npartial\n${MIRROR_INRELEASE}\n` });
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

describe('probeRelease', () => {
  /** The scripts of the helper's debootstrap (trixie's has no forky, no later Ubuntu). */
  const SCRIPTS = ['bookworm', 'bullseye', 'gutsy', 'jammy', 'noble', 'sid', 'trixie'];
  /** probe-release.sh's stdout: the scripts, then the Release file as the mirror served it. */
  const probeOutput = (release: string, scripts = SCRIPTS) => `### scripts\n${scripts.join('\n')}\n### release\n${release}`;
  /** An InRelease file: clear-signed, header fields, then the index list. */
  const inRelease = (fields: Record<string, string>) =>
    [
      '-----BEGIN PGP SIGNED MESSAGE-----',
      'Hash: SHA512',
      '',
      ...Object.entries(fields).map(([key, value]) => `${key}: ${value}`),
      'SHA256:',
      ' 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef   123456 main/binary-amd64/Packages.xz',
      '-----BEGIN PGP SIGNATURE-----',
      '',
      'iQIzBAEBCgAdFiEE',
      '-----END PGP SIGNATURE-----',
      '',
    ].join('\n');
  const DEBIAN_RELEASE = inRelease({ Origin: 'Debian', Label: 'Debian', Suite: 'stable', Codename: 'bookworm', Date: 'Sat, 10 May 2025 08:50:00 UTC' });
  const NOW = new Date('2025-06-01T00:00:00Z');
  const probe = (fake: FakeSession) => fake.commands('probe-release');

  it("reads repos[0]'s Release file for the codename in the helper, and gives no script for a codename debootstrap knows", async () => {
    const fake = new FakeSession().on('probe-release', { stdout: probeOutput(DEBIAN_RELEASE) });
    const release = await probeRelease(context(fake, plan()), NOW);
    assert.equal(release.family, 'debian');
    assert.equal(release.script, undefined);
    const call = only(probe(fake), 'probe-release');
    assert.equal(call.kind, 'runNetwork');
    assert.deepEqual(call.argv, ['bash', helperScript('probe-release.sh'), UNIT_MIRROR, 'bookworm']);
    assert.deepEqual(call.execArgv?.slice(0, 4), ['timeout', '--kill-after=30', '600', 'bash']);
    assert.equal(call.env, 'helper');
  });

  it("gives a known codename the helper's debootstrap lacks its family's generic script", async () => {
    const fake = new FakeSession().on('probe-release', { stdout: probeOutput(inRelease({ Origin: 'Debian', Codename: 'forky' })) });
    const release = await probeRelease(context(fake, plan({ codename: 'forky' })), NOW);
    assert.deepEqual({ ...release }, { family: 'debian', script: 'sid' });
    assert.match(only(fake.logs.filter((l) => l.step === 'probe-release'), 'log').msg, /no script for "forky": using debian's generic script "sid"/);
  });

  it("places an unknown codename in the family the Release file's Origin names, with that family's generic script", async () => {
    const ubuntu = inRelease({ Origin: 'Ubuntu', Label: 'Ubuntu', Suite: 'resolute', Codename: 'resolute', Version: '26.04' });
    const fake = new FakeSession().on('probe-release', { stdout: probeOutput(ubuntu) });
    const release = await probeRelease(context(fake, plan({ codename: 'resolute', packages: undefined })), NOW);
    assert.deepEqual({ ...release }, { family: 'ubuntu', script: 'gutsy' });

    // One the helper's debootstrap has a script for needs none, whatever its family.
    const known = new FakeSession().on('probe-release', { stdout: probeOutput(ubuntu, [...SCRIPTS, 'resolute']) });
    const withScript = await probeRelease(context(known, plan({ codename: 'resolute' })), NOW);
    assert.equal(withScript.family, 'ubuntu');
    assert.equal(withScript.script, undefined);

    const debian = new FakeSession().on('probe-release', { stdout: probeOutput(inRelease({ Origin: 'Debian', Codename: 'duke' })) });
    assert.deepEqual({ ...(await probeRelease(context(debian, plan({ codename: 'duke' })), NOW)) }, { family: 'debian', script: 'sid' });
  });

  it('refuses an unknown codename whose Release file names neither family', async () => {
    const fake = new FakeSession().on('probe-release', { stdout: probeOutput(inRelease({ Origin: 'Devuan', Codename: 'excalibur' })) });
    const error = await failure(probeRelease(context(fake, plan({ codename: 'excalibur' })), NOW));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /^release "excalibur" is not one fuel-image knows, and repos\[0\] "debian" \(http:\/\/mirror\.example\/debian\) does not say/);
    assert.match(error.message, /Origin is "Devuan"/);
    assert.equal(probe(fake).length, 1, 'not retried');
  });

  it("fails with REPO_EXPIRED naming repos[0] and the date when the Release file is past its Valid-Until", async () => {
    const expired = inRelease({ Origin: 'Debian', Codename: 'bookworm', Date: 'Sat, 25 May 2024 08:00:00 UTC', 'Valid-Until': 'Sat, 01 Jun 2024 08:00:00 UTC' });
    const fake = new FakeSession().on('probe-release', { stdout: probeOutput(expired) });
    const error = await failure(probeRelease(context(fake, plan()), NOW));
    assert.equal(error.code, 'REPO_EXPIRED');
    assert.match(error.message, /^repos\[0\] "debian" \(http:\/\/mirror\.example\/debian\): its Release file expired on 2024-06-01T08:00:00\.000Z \(Valid-Until\)/);
    assert.match(error.message, /--no-check-valid-until/);
    assert.equal(error.details.validUntil, '2024-06-01T08:00:00.000Z');
    assert.equal(probe(fake).length, 1, 'an expired Release file is not retried');

    // --no-check-valid-until builds from it.
    const unchecked = new FakeSession().on('probe-release', { stdout: probeOutput(expired) });
    assert.equal((await probeRelease(context(unchecked, plan(), { checkValidUntil: false }), NOW)).family, 'debian');
  });

  it('compares Valid-Until with the time of the build', async () => {
    const release = probeOutput(inRelease({ Origin: 'Debian', Codename: 'bookworm', 'Valid-Until': 'Sun, 08 Jun 2025 08:00:00 UTC' }));
    const fresh = new FakeSession().on('probe-release', { stdout: release });
    assert.equal((await probeRelease(context(fresh, plan()), new Date('2025-06-08T07:59:59Z'))).family, 'debian');
    const late = new FakeSession().on('probe-release', { stdout: release });
    assert.equal((await failure(probeRelease(context(late, plan()), new Date('2025-06-08T08:00:01Z')))).code, 'REPO_EXPIRED');
  });

  it('fails at once with REPO_NOT_FOUND when the mirror has no such release (exit 4), credentials redacted', async () => {
    const uri = 'http://user:hunter2@mirror.example/debian';
    const fake = new FakeSession().on('probe-release', { exitCode: 4, stderr: '  HTTP/1.1 404 Not Found' });
    const error = await failure(probeRelease(context(fake, plan({ repos: [{ name: 'debian', uri, suite: 'bookworm', section: 'main', priority: null }] })), NOW));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /^repos\[0\] "debian" \(http:\/\/\*\*\*@mirror\.example\/debian\) answers 404 for release "bookworm" \(dists\/bookworm\/Release\)/);
    assert.doesNotMatch(error.message, /hunter2/);
    assert.equal(probe(fake).length, 1, 'a missing release is not retried');
    assert.deepEqual(only(probe(fake), 'probe').argv!.slice(2), [uri, 'bookworm'], 'the script gets the real uri');
  });

  it('retries a transient failure, then reads the Release file it got', async () => {
    const fake = new FakeSession().on('probe-release', (_call, nth) =>
      nth === 1 ? { exitCode: 1, stderr: 'wget: unable to resolve host address ‘mirror.example’' } : { stdout: probeOutput(inRelease({ Origin: 'Ubuntu', Codename: 'resolute' })) },
    );
    assert.deepEqual({ ...(await probeRelease(context(fake, plan({ codename: 'resolute' })), NOW)) }, { family: 'ubuntu', script: 'gutsy' });
    assert.deepEqual(probe(fake).map((c) => c.attempt), [1, 2]);
    assert.match(fake.warnings.join('\n'), /probe-release: attempt 1 failed, retrying/);
  });

  it('reports a stalled mirror as NETWORK after every retry', async () => {
    const fake = new FakeSession().on('probe-release', { exitCode: 124 });
    const error = await failure(probeRelease(context(fake, plan()), NOW));
    assert.equal(error.code, 'NETWORK');
    assert.match(error.message, /Release file: no result after 600 s/);
    assert.equal(probe(fake).length, 3);
  });

  it('plans an unknown codename without a family or default packages until the probe tells', () => {
    const unknown = plan({ codename: 'resolute', packages: undefined });
    assert.equal(unknown.family, undefined);
    assert.deepEqual(unknown.packages, []);
    assert.deepEqual(plan({ codename: 'resolute', packages: ['ifupdown'] }).packages, ['ifupdown']);
    const probed = plan({ codename: 'resolute', packages: undefined }, { family: 'ubuntu' });
    assert.equal(probed.family, 'ubuntu');
    assert.ok(probed.packages.includes('linux-image-generic'), probed.packages.join(' '));
    // The table's family wins over a probe's for a codename it knows.
    assert.equal(plan({ packages: undefined }, { family: 'ubuntu' }).family, 'debian');
  });
});

describe('bootstrapRootfs', () => {
  const download = (fake: FakeSession) => fake.commands('bootstrap-download');
  const DEBIAN_KEYRING = '--keyring=/usr/share/keyrings/debian-archive-keyring.gpg';

  it('runs debootstrap --foreign from repos[0] into the target, checked against the family keyring, then the second stage in the target environment', async () => {
    const fake = new FakeSession().on('bootstrap-configure', { stdout: 'I: Configuring base-files...\nio eatmydata\n' });
    const buildPlan = plan();
    assert.equal(await bootstrapRootfs(context(fake, buildPlan), DEBIAN), 'eatmydata');
    const call = only(download(fake), 'bootstrap-download');
    assert.equal(call.kind, 'runNetwork');
    assert.deepEqual(call.argv, ['debootstrap', '--foreign', '--variant=minbase', DEBIAN_KEYRING, '--force-check-gpg', 'bookworm', '/target', UNIT_MIRROR]);
    // Time-limited by timeout(1) in the helper, not in the target.
    assert.deepEqual(call.execArgv?.slice(0, 4), ['timeout', '--kill-after=30', '1800', 'debootstrap']);
    assert.equal(call.env, 'helper');
    const configure = only(fake.commands('bootstrap-configure'), 'bootstrap-configure');
    assert.equal(configure.kind, 'run');
    assert.deepEqual(configure.argv, ['bash', helperScript('second-stage.sh'), '/target']);
    assert.equal(configure.env, 'target');
    assert.deepEqual(
      fake.calls.map((c) => `${c.kind}:${c.name ?? ''}`),
      // The prefetch's sources are written, then it runs beside debootstrap's first stage.
      ['write:', 'runNetwork:bootstrap-download', 'run:prefetch-debs', 'run:bootstrap-configure', 'setTargetEnv:'],
    );
    // eatmydata loads in the target: its environment keeps the preload.
    assert.deepEqual(only(fake.callsOf('setTargetEnv'), 'setTargetEnv').env, targetEnv(buildPlan.spec, true));
    assert.ok(fake.targetEnv!.includes('LD_PRELOAD=/.fuel-image/libeatmydata.so'));
  });

  it('feeds debootstrap: apt fetches its .debs into the target beside the first stage, checked with the same keyring; a failure is no failure', async () => {
    const prefetch = (fake: FakeSession) => only(fake.commands('prefetch-debs'), 'prefetch-debs');
    const configured = { stdout: 'io eatmydata\n' };
    const fake = new FakeSession().on('bootstrap-configure', configured).on('prefetch-debs', { stdout: 'prefetched 88\n' });
    await bootstrapRootfs(context(fake, plan()), DEBIAN);
    assert.deepEqual(prefetch(fake).argv, [
      'timeout', '120', 'nice', '-n', '19', 'bash', helperScript('prefetch-debs.sh'), '/tmp/fuel-image-prefetch', '/target/var/cache/apt/archives', '', '?priority(required)', 'apt',
    ]);
    assert.equal(prefetch(fake).env, 'helper', 'in the helper, with its environment (proxies none)');
    // The sources go in a file (a URI may carry credentials): repos[0]'s main, signed by the family keyring.
    assert.deepEqual(fake.writesOf('/tmp/fuel-image-prefetch/sources.list'), [`deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${UNIT_MIRROR} bookworm main\n`]);
    // apt picks what debootstrap picks: bookworm's script takes usr-is-merged, never usrmerge (and perl with it).
    assert.deepEqual(fake.writesOf('/tmp/fuel-image-prefetch/preferences'), ['Package: usrmerge\nPin: version *\nPin-Priority: -1\n']);
    assert.equal(only(fake.logs.filter((l) => l.step === 'prefetch-debs'), 'log').count, 88);
    // bullseye's excludes nothing.
    const bullseye = new FakeSession().on('bootstrap-configure', configured);
    await bootstrapRootfs(context(bullseye, plan({ codename: 'bullseye', repos: [{ name: 'debian', uri: UNIT_MIRROR, suite: 'bullseye', section: 'main', priority: null }] })), DEBIAN);
    assert.deepEqual(bullseye.writesOf('/tmp/fuel-image-prefetch/preferences'), ['']);
    // --no-check-gpg: no keyring, no check.
    const unchecked = new FakeSession().on('bootstrap-configure', configured);
    await bootstrapRootfs({ ...context(unchecked, plan()), trust: { checkGpg: false, allowUnsigned: true, checkValidUntil: true } }, DEBIAN);
    assert.deepEqual(unchecked.writesOf('/tmp/fuel-image-prefetch/sources.list'), [`deb [trusted=yes] ${UNIT_MIRROR} bookworm main\n`]);
    // A prefetch that fails leaves debootstrap to fetch everything: the bootstrap goes on.
    const failing = new FakeSession().on('bootstrap-configure', configured).on('prefetch-debs', { exitCode: 100, stderr: 'E: Unable to locate package' });
    assert.equal(await bootstrapRootfs(context(failing, plan()), DEBIAN), 'eatmydata');
    // With proxies: none (apt ignores no_proxy, so direct_repo_addr_list could not be honoured).
    const proxied = new FakeSession().on('bootstrap-configure', configured);
    await bootstrapRootfs(context(proxied, plan({ proxies: { protocols: { http: 'http://127.0.0.1:3128' } } })), DEBIAN);
    assert.equal(proxied.commands('prefetch-debs').length, 0);
  });

  it('starts the work to overlap with the second stage once the first stage is done, before configuring', async () => {
    const fake = new FakeSession().on('bootstrap-configure', { stdout: 'io eatmydata\n' });
    let started: string[] = [];
    await bootstrapRootfs(context(fake, plan()), DEBIAN, { whileConfiguring: () => (started = fake.calls.map((c) => `${c.kind}:${c.name ?? ''}`)) });
    assert.deepEqual(started.filter((c) => !c.startsWith('write:')).sort(), ['run:prefetch-debs', 'runNetwork:bootstrap-download']);
  });

  it("gives a target that cannot load eatmydata (io unsafe-io) an environment without LD_PRELOAD", async () => {
    const fake = new FakeSession().on('bootstrap-configure', { stdout: 'I: Base system installed successfully.\nio unsafe-io\n' });
    const buildPlan = plan({ proxies: { protocols: { http: 'http://proxy.example:3128' } } });
    assert.equal(await bootstrapRootfs(context(fake, buildPlan), DEBIAN), 'unsafe-io');
    const env = only(fake.callsOf('setTargetEnv'), 'setTargetEnv').env as string[];
    assert.deepEqual(env, targetEnv(buildPlan.spec, false));
    assert.ok(!env.some((v) => v.startsWith('LD_PRELOAD=')), env.join(' '));
    assert.ok(env.includes('http_proxy=http://proxy.example:3128'), 'the rest of the target environment stays');
    assert.ok(env.includes('DEBIAN_FRONTEND=noninteractive'));
    // Every later command in the target gets it.
    await fake.chroot('later', ['true']);
    assert.deepEqual(only(fake.commands('later'), 'later').env, env);
    const logged = only(fake.logs.filter((l) => l.step === 'bootstrap-configure'), 'io log');
    assert.equal(logged.io, 'unsafe-io');
  });

  it('appends the generic script debootstrap should use when the probe gave one', async () => {
    const fake = new FakeSession();
    await bootstrapRootfs(context(fake, plan({ codename: 'resolute' })), { family: 'ubuntu', script: 'gutsy' });
    assert.deepEqual(only(download(fake), 'download').argv, [
      'debootstrap',
      '--foreign',
      '--variant=minbase',
      '--keyring=/usr/share/keyrings/ubuntu-archive-keyring.gpg',
      '--force-check-gpg',
      'resolute',
      '/target',
      UNIT_MIRROR,
      '/usr/share/debootstrap/scripts/gutsy',
    ]);
  });

  it('skips signature checks only with --no-check-gpg, and checks against a given keyring', async () => {
    const noCheck = new FakeSession();
    await bootstrapRootfs(context(noCheck, plan(), { checkGpg: false }), DEBIAN);
    const argv = only(download(noCheck), 'download').argv!;
    assert.ok(argv.includes('--no-check-gpg'));
    assert.ok(!argv.includes('--force-check-gpg'));
    assert.ok(!argv.some((a) => a.startsWith('--keyring')), argv.join(' '));

    const keyring = new FakeSession();
    await bootstrapRootfs(context(keyring, plan(), { keyringPath: '/fuel-image/combined.gpg', aptKeyringPath: '/fuel-image/keyring.gpg' }), { family: 'ubuntu' });
    const withKeyring = only(download(keyring), 'download').argv!;
    assert.deepEqual(withKeyring.slice(3, 5), ['--keyring=/fuel-image/combined.gpg', '--force-check-gpg']);
    assert.ok(!withKeyring.includes('--no-check-gpg'));
  });

  it('fails at once with REPO_NOT_FOUND when the mirror answers 404 for the Release file', async () => {
    const fake = new FakeSession()
      .on('bootstrap-download', { exitCode: 1, stdout: 'I: Retrieving InRelease \nE: Failed getting release file http://mirror.example/debian/dists/bookworm/Release\n' })
      .on('read-bootstrap-log', { stdout: '--2025-01-01--  http://mirror.example/debian/dists/bookworm/Release\nHTTP request sent, awaiting response... 404 Not Found\n2025-01-01 ERROR 404: Not Found.\n' });
    const error = await failure(bootstrapRootfs(context(fake, plan()), DEBIAN));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /^repos\[0\] http:\/\/mirror\.example\/debian answers 404 for release "bookworm"/);
    assert.equal(download(fake).length, 1, 'a 404 for the Release file is not retried');
    const log = only(fake.commands('read-bootstrap-log'), 'read-bootstrap-log');
    assert.ok(log.argv!.includes('/target/debootstrap/debootstrap.log'));
    assert.equal(fake.commands('bootstrap-configure').length, 0);
    assert.equal(fake.callsOf('setTargetEnv').length, 0);
  });

  it('retries a transient download failure and then goes on', async () => {
    const fake = new FakeSession().on('bootstrap-download', (_call, nth) =>
      nth === 1 ? { exitCode: 1, stdout: 'W: Couldn\'t download package libc6 (ver 2.36-9 arch amd64) at http://mirror.example/debian/pool/main/g/glibc/libc6.deb' } : {},
    );
    await bootstrapRootfs(context(fake, plan()), DEBIAN);
    assert.equal(download(fake).length, 2);
    assert.equal(fake.commands('read-bootstrap-log').length, 0, 'the log is read only for a Release file failure');
    assert.equal(fake.commands('bootstrap-configure').length, 1);
    assert.match(fake.warnings.join('\n'), /bootstrap-download: attempt 1 failed, retrying/);
  });

  it('retries a Release file failure whose log shows no 404 (a connection refused)', async () => {
    const fake = new FakeSession()
      .on('bootstrap-download', (_call, nth) => (nth === 1 ? { exitCode: 1, stdout: 'E: Failed getting release file http://mirror.example/debian/dists/bookworm/Release' } : {}))
      .on('read-bootstrap-log', { stdout: 'failed: Connection refused.\n' });
    await bootstrapRootfs(context(fake, plan()), DEBIAN);
    assert.equal(download(fake).length, 2);
    assert.equal(fake.commands('read-bootstrap-log').length, 1);
  });

  it('does not retry an unknown release or an unverifiable signature', async () => {
    const unknown = new FakeSession().on('bootstrap-download', { exitCode: 1, stderr: 'E: No such script: /usr/share/debootstrap/scripts/nosuch' });
    const error = await failure(bootstrapRootfs(context(unknown, plan({ codename: 'nosuch' })), DEBIAN));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /release "nosuch"/);
    assert.equal(download(unknown).length, 1);

    const unsigned = new FakeSession().on('bootstrap-download', { exitCode: 1, stdout: 'E: Release signed by unknown key (key id 6ED0E7B82643E131)' });
    const signature = await failure(bootstrapRootfs(context(unsigned, plan()), DEBIAN));
    assert.equal(signature.code, 'REPO_NOT_FOUND');
    assert.match(signature.message, /--keyring FILE or --no-check-gpg/);
    assert.equal(download(unsigned).length, 1);
  });

  it('reports a stalled download (timeout exit 124) as NETWORK after every retry', async () => {
    const fake = new FakeSession().on('bootstrap-download', { exitCode: 124 });
    const error = await failure(bootstrapRootfs(context(fake, plan()), DEBIAN));
    assert.equal(error.code, 'NETWORK');
    assert.match(error.message, /bootstrap download: no result after 1800 s/);
    assert.equal(download(fake).length, 3, 'the first attempt and two retries');
  });

  it('keeps the cause of a failed second stage in a STEP_FAILED error', async () => {
    const fake = new FakeSession().on('bootstrap-configure', { exitCode: 1, stderr: 'dpkg: error processing package base-files' });
    const error = await failure(bootstrapRootfs(context(fake, plan()), DEBIAN));
    assert.equal(error.code, 'STEP_FAILED');
    assert.match(error.message, /step "bootstrap-configure" failed \(exit 1\):\ndpkg: error processing package base-files/);
    assert.equal(fake.callsOf('setTargetEnv').length, 0, 'the target env is set only after a second stage that worked');
  });
});

describe('the install\'s .debs fetched during the second stage', () => {
  const SOURCES = '/tmp/fuel-image-prefetch/sources.list';
  const twoRepos = () =>
    plan({
      packages: ['ifupdown', 'openssh-server'],
      repos: [
        { name: 'debian', uri: UNIT_MIRROR, suite: 'bookworm', section: 'main contrib', priority: null },
        { name: 'local', uri: 'http://u:s3cret@127.0.0.1:8081/flat', suite: './', section: '', priority: 1050 },
      ],
    });

  it('fetches every repo\'s packages and the base beside the target, seeded with its .debs, signed as debootstrap checks them', async () => {
    const fake = new FakeSession().on('prefetch-packages', { stdout: 'prefetched 61\n' });
    assert.equal(await prefetchInstallDebs(context(fake, twoRepos()), DEBIAN), true);
    const call = only(fake.commands('prefetch-packages'), 'prefetch-packages');
    assert.deepEqual(call.argv, [
      'timeout', '300', 'nice', '-n', '19', 'bash', helperScript('prefetch-debs.sh'), '/tmp/fuel-image-prefetch', '/tmp/fuel-image-prefetch/debs', '/target/var/cache/apt/archives',
      '?priority(required)', 'apt', 'ifupdown', 'openssh-server',
    ]);
    assert.equal(call.env, 'helper');
    const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
    assert.deepEqual(fake.writesOf(SOURCES), [`deb [signed-by=${keyring}] ${UNIT_MIRROR} bookworm main contrib\ndeb [signed-by=${keyring}] http://u:s3cret@127.0.0.1:8081/flat ./\n`]);
    // The credentials are in the file (mode 0600), never in argv or a log.
    const written = only(fake.callsOf('write'), 'write').files!;
    assert.equal(written[0]!.mode, 0o600);
    assert.ok(!JSON.stringify([call.argv, fake.logs]).includes('s3cret'));
    assert.deepEqual(fake.writesOf('/tmp/fuel-image-prefetch/preferences'), ['Package: usrmerge\nPin: version *\nPin-Priority: -1\n'], 'as the base system has it');
    // A spec that asks for usrmerge gets it.
    const asked = new FakeSession();
    await prefetchInstallDebs(context(asked, plan({ packages: ['usrmerge', 'ifupdown'] })), DEBIAN);
    assert.deepEqual(asked.writesOf('/tmp/fuel-image-prefetch/preferences'), ['']);
    // A user keyring: the combined one debootstrap uses. --no-check-gpg: trusted, as in the target.
    const user = new FakeSession();
    await prefetchInstallDebs({ ...context(user, twoRepos()), trust: { checkGpg: true, allowUnsigned: false, checkValidUntil: true, keyringPath: '/fuel-image/keyring.gpg' } }, DEBIAN);
    assert.match(user.writesOf(SOURCES)[0]!, /^deb \[signed-by=\/fuel-image\/keyring\.gpg\] /);
    const unchecked = new FakeSession();
    await prefetchInstallDebs(context(unchecked, twoRepos(), { checkGpg: false }), DEBIAN);
    assert.match(unchecked.writesOf(SOURCES)[0]!, /^deb \[trusted=yes\] .*\ndeb \[trusted=yes\] /);
  });

  it('is best effort: nothing fetched, a failure or proxies give false, and the build goes on', async () => {
    assert.equal(await prefetchInstallDebs(context(new FakeSession().on('prefetch-packages', { stdout: 'prefetched 0\n' }), plan()), DEBIAN), false);
    const failing = new FakeSession().on('prefetch-packages', { exitCode: 124, stderr: '' });
    assert.equal(await prefetchInstallDebs(context(failing, plan()), DEBIAN), false);
    assert.match(only(failing.logs.filter((l) => l.step === 'prefetch-packages'), 'log').msg, /the install fetches them itself/);
    const proxied = new FakeSession();
    assert.equal(await prefetchInstallDebs(context(proxied, plan({ proxies: { protocols: { http: 'http://127.0.0.1:3128' } } })), DEBIAN), false);
    assert.equal(proxied.calls.length, 0);
  });

  it('the install waits for it and moves its .debs into the target\'s apt cache before downloading; without .debs it only tidies up', async () => {
    const steps = (fake: FakeSession) => fake.calls.filter((c) => c.kind !== 'write').map((c) => `${c.kind}:${c.name}`);
    let settle: (value: boolean) => void = () => undefined;
    const prefetched = new Promise<boolean>((resolve) => (settle = resolve));
    const fake = targetFake();
    const installing = installPackages(context(fake, plan()), 'systemd', { prefetched });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(fake.commands('download-packages').length, 0, 'no download while the prefetch runs');
    settle(true);
    await installing;
    const names = steps(fake);
    assert.deepEqual(names.slice(names.indexOf('run:place-prefetched'), names.indexOf('run:place-prefetched') + 2), ['run:place-prefetched', 'runNetwork:download-packages']);
    const place = only(fake.commands('place-prefetched'), 'place').argv!;
    assert.deepEqual(place.slice(-3), ['/tmp/fuel-image-prefetch/debs', '/target/var/cache/apt/archives', '/tmp/fuel-image-prefetch']);

    const none = targetFake();
    await installPackages(context(none, plan()), 'systemd', { prefetched: Promise.resolve(false) });
    assert.equal(none.commands('place-prefetched').length, 0);
    assert.deepEqual(only(none.commands('drop-prefetch'), 'drop').argv, ['rm', '-rf', '/tmp/fuel-image-prefetch']);
    // A placement that fails leaves the download to fetch everything.
    const failing = targetFake().on('place-prefetched', { exitCode: 1, stderr: 'mv: cannot move' });
    await installPackages(context(failing, plan()), 'systemd', { prefetched: Promise.resolve(true) });
    assert.equal(failing.commands('download-packages').length, 1);
  });
});

describe('installPackages', () => {
  /** Steps as "kind:name", writes as "write:file,file". */
  const steps = (calls: FakeCall[]) => calls.map((c) => (c.kind === 'write' ? `write:${c.files!.map((f) => f.name).join(',')}` : `${c.kind}:${c.name}`));

  it('readies the target, writes the apt files, updates, downloads, installs from the cache, then finishes', async () => {
    const fake = targetFake();
    await installPackages(context(fake, plan()), 'systemd');
    assert.deepEqual(steps(fake.calls), [
      'run:prepare-target',
      'write:etc/apt/sources.list,etc/apt/apt.conf.d/00fuel-image-build,usr/sbin/policy-rc.d',
      'retry:apt-update',
      'write:etc/apt/sources.list.d/fuel-image.list',
      'chroot:apt-update',
      'write:etc/apt/preferences.d/fuel-image.pref',
      'runNetwork:download-packages',
      'chroot:install-packages',
      'run:finish-install',
    ]);
    const first = fake.calls[1]!;
    assert.equal(first.directory, '/target');
    const files = new Map(first.files!.map((f) => [f.name, f]));
    assert.equal(files.get('etc/apt/sources.list')?.content, '', "debootstrap's own sources line goes");
    const policy = files.get('usr/sbin/policy-rc.d');
    assert.equal(policy?.mode, 0o755);
    assert.match(String(policy?.content), /^#!\/bin\/sh\n[\s\S]*exit 101\n$/);
    assert.match(String(files.get('etc/apt/apt.conf.d/00fuel-image-build')?.content), /APT::Install-Recommends "false";/);

    const prepare = only(fake.commands('prepare-target'), 'prepare-target');
    assert.deepEqual(prepare.argv, ['bash', helperScript('prepare-target.sh'), '/target', '', 'systemd']);
    assert.equal(prepare.env, 'target', 'eatmydata is checked with the target environment');
    const finish = only(fake.commands('finish-install'), 'finish-install');
    assert.deepEqual(finish.argv, ['bash', helperScript('finish-install.sh'), '/target', 'systemd', 'all']);
    assert.equal(finish.env, 'target');
  });

  it('leaves the initramfs to be made beside the root image only when the target\u2019s initramfs-tools writes nothing outside /boot', async () => {
    const finishWith = async (version: string | undefined, mounts: 'boot' | 'root-only' = 'boot') => {
      const fake = targetFake().on('query-version', version === undefined ? { exitCode: 1, stdout: '' } : { stdout: `install ok installed ${version}` });
      const spec = mounts === 'boot' ? plan() : plan({ image_data: { '/': { uri: 'http://127.0.0.1:8080/targetimages/env_1_root.img.gz', format: 'ext4', container: 'gzip' } } });
      const { initramfsAside } = await installPackages(context(fake, spec), 'systemd', { initramfsAside: true });
      const finish = only(fake.commands('finish-install'), 'finish-install').argv!.at(-1);
      assert.equal(finish, initramfsAside ? 'aside' : 'all');
      assert.deepEqual(only(fake.commands('query-version'), 'query').argv, ['dpkg-query', '-W', '-f', '${Status} ${Version}', 'initramfs-tools']);
      return finish;
    };
    assert.equal(await finishWith('0.142+deb12u3'), 'aside', 'bookworm');
    assert.equal(await finishWith('0.140ubuntu13.4'), 'aside', 'jammy');
    assert.equal(await finishWith('0.136ubuntu6.7'), 'all', 'focal records the initrd\u2019s sha1 in /var/lib/initramfs-tools');
    assert.equal(await finishWith(undefined), 'all', 'no initramfs-tools: nothing to make aside');
    assert.equal(await finishWith('0.142+deb12u3', 'root-only'), 'all', 'no /boot image: the initrd is in the root image');
    // Without the option (a delta install, the other callers): always in place, and no query.
    const fake = targetFake();
    await installPackages(context(fake, plan()), 'systemd');
    assert.equal(fake.commands('query-version').length, 0);
  });

  it('a delta install: simulates first, then installs the list on the cached tree; an initramfs only if asked; the password is already there', async () => {
    const agreeing = 'base libc6 2.36-9\nA ifupdown 0.8.41\nA less 590-2\nnow libc6 2.36-9\nnow ifupdown 0.8.41\nB less 590-2\n';
    const fake = targetFake().on('simulate-install', { stdout: agreeing });
    const delta = await installDelta(context(fake, plan({ packages: ['ifupdown', 'less'], root_password: 'r00t' })), 'systemd');
    assert.deepEqual(delta, { applied: true, reason: 'the delta installs 1 package(s), as an install from the bootstrap would', extra: ['less'] });
    assert.deepEqual(only(fake.commands('simulate-install'), 'simulate').argv, ['bash', helperScript('simulate-install.sh'), '/target', '/.fuel-image-bootstrap', 'ifupdown', 'less']);
    const names = steps(fake.calls);
    assert.ok(names.indexOf('run:simulate-install') < names.indexOf('runNetwork:download-packages'), 'nothing downloaded before apt agrees');
    assert.ok(names.includes('chroot:install-packages'));
    assert.deepEqual(only(fake.commands('finish-install'), 'finish-install').argv, ['bash', helperScript('finish-install.sh'), '/target', 'systemd', 'requested']);
    assert.equal(fake.commands('root-password').length, 0);

    const other = targetFake().on('simulate-install', { stdout: agreeing.replace('A less 590-2', 'A less 600-1') });
    const refused = await installDelta(context(other, plan({ packages: ['ifupdown', 'less'] })), 'systemd');
    assert.equal(refused.applied, false);
    assert.match(refused.reason, /less \(600-1 from scratch, 590-2 by the delta\)/);
    assert.equal(other.commands('download-packages').length + other.commands('install-packages').length + other.commands('finish-install').length, 0);
  });

  it('downloads then installs exactly the requested packages, in the target', async () => {
    const fake = targetFake();
    const requested = ['ifupdown', 'openssh-server', 'vim=2:9.0.1378-2'];
    await installPackages(context(fake, plan({ packages: requested })), 'systemd');
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
      const fake = targetFake();
      await installPackages(context(fake, plan({ codename, packages: undefined })), 'systemd');
      const argv = only(fake.commands('download-packages'), 'download').argv!;
      assert.ok(argv.includes(kernel), `${codename}: ${argv.join(' ')}`);
      assert.ok(argv.includes('openssh-server'));
      assert.deepEqual(only(fake.commands('install-packages'), 'install').argv!.slice(4), argv.slice(4));
    }
  });

  it("passes the user's keyring alone (not the combined one debootstrap gets) to prepare-target", async () => {
    const fake = targetFake();
    await installPackages(context(fake, plan(), { keyringPath: '/fuel-image/combined.gpg', aptKeyringPath: '/fuel-image/keyring.gpg' }), 'systemd');
    assert.deepEqual(only(fake.commands('prepare-target'), 'prepare-target').argv!.slice(2), ['/target', '/fuel-image/keyring.gpg', 'systemd']);
  });

  it("logs whether eatmydata reaches the target from prepare-target's last line", async () => {
    for (const [line, active] of [['eatmydata active', true], ['eatmydata inactive', false]] as const) {
      const fake = new FakeSession().on('prepare-target', { stdout: `some mount noise\napt 2.6.1\n${line}\n` });
      await installPackages(context(fake, plan()), 'systemd');
      const logged = only(fake.logs.filter((l) => l.step === 'check-eatmydata'), 'check-eatmydata');
      assert.equal(logged.eatmydata, active, line);
    }
  });

  const aptConf = (fake: FakeSession) => fake.text('/target/etc/apt/apt.conf.d/00fuel-image-build')!;

  it("chooses the apt.conf lines and apt-get update's arguments from the target's apt version", async () => {
    // trusty's apt 1.0: neither option exists (an unknown one is harmless, but
    // AllowReleaseInfoChange is what apt >= 1.5 needs for our relabelled Release files).
    const trusty = targetFake('1.0.1ubuntu2');
    await installPackages(context(trusty, plan({ codename: 'trusty' })), 'upstart');
    assert.doesNotMatch(aptConf(trusty), /AllowReleaseInfoChange/);
    assert.doesNotMatch(aptConf(trusty), /Retries::Delay/);
    assert.deepEqual(trusty.commands('apt-update')[0]!.argv, ['timeout', '--kill-after=30', '600', 'apt-get', 'update']);
    assert.equal(trusty.commands('list-indexes').length, 1, "apt 1.0 only warns about unsigned repos: the lists tell");

    // bionic's apt 1.6: the Label guard, no retry delay yet, no --error-on.
    const bionic = targetFake('1.6.1');
    await installPackages(context(bionic, plan({ codename: 'bionic' })), 'systemd');
    assert.match(aptConf(bionic), /^Acquire::AllowReleaseInfoChange::Label "true";$/m);
    assert.doesNotMatch(aptConf(bionic), /Retries::Delay/);
    assert.doesNotMatch(bionic.commands('apt-update')[0]!.argv!.join(' '), /--error-on/);

    const bookworm = targetFake('2.6.1');
    await installPackages(context(bookworm, plan()), 'systemd');
    assert.match(aptConf(bookworm), /^Acquire::AllowReleaseInfoChange::Label "true";$/m);
    assert.match(aptConf(bookworm), /^Acquire::Retries::Delay "false";$/m);
    assert.deepEqual(bookworm.commands('apt-update')[0]!.argv, ['timeout', '--kill-after=30', '600', 'apt-get', 'update', '--error-on=any']);
    assert.equal(bookworm.commands('list-indexes').length, 0);

    for (const fake of [trusty, bionic, bookworm]) {
      assert.match(aptConf(fake), /^APT::Install-Recommends "false";$/m, 'the fixed lines stay');
      assert.doesNotMatch(aptConf(fake), /Check-Valid-Until/, 'Valid-Until is checked by default');
    }
  });

  it('lets apt accept expired Release files only with --no-check-valid-until', async () => {
    const fake = targetFake('1.0.1ubuntu2');
    await installPackages(context(fake, plan(), { checkValidUntil: false }), 'systemd');
    assert.match(aptConf(fake), /^Acquire::Check-Valid-Until "false";$/m);
  });

  it('fails with STEP_FAILED, before writing anything, when prepare-target finds no apt', async () => {
    const fake = new FakeSession().on('prepare-target', { stdout: 'apt \neatmydata active\n', stderr: "dpkg-query: no packages found matching apt" });
    const error = await failure(installPackages(context(fake, plan()), 'systemd'));
    assert.equal(error.code, 'STEP_FAILED');
    assert.match(error.message, /has no apt/);
    assert.deepEqual(steps(fake.calls), ['run:prepare-target']);
  });

  it('passes the init system to prepare-target and finish-install (upstart gets initctl stubbed)', async () => {
    const fake = targetFake('1.0.1ubuntu2');
    await installPackages(context(fake, plan({ codename: 'trusty' })), 'upstart');
    assert.equal(only(fake.commands('prepare-target'), 'prepare-target').argv![4], 'upstart');
    assert.deepEqual(only(fake.commands('finish-install'), 'finish-install').argv, ['bash', helperScript('finish-install.sh'), '/target', 'upstart', 'all']);
  });

  it('sets the root password through chpasswd stdin, never in an argv or the log', async () => {
    const password = 'S3cret-Passw0rd';
    const fake = targetFake();
    await installPackages(context(fake, plan({ root_password: password })), 'systemd');
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
    const fake = targetFake();
    await installPackages(context(fake, plan({ hashed_root_password: hash })), 'systemd');
    const call = only(fake.commands('root-password'), 'root-password');
    assert.deepEqual(call.argv, ['chpasswd', '-e']);
    assert.equal((call.options as { stdin?: string }).stdin, `root:${hash}\n`);
    assert.ok(!fake.calls.some((c) => (c.execArgv ?? []).join(' ').includes(hash)));
  });

  it('runs no chpasswd without a password, and a failing chpasswd fails the stage without its output', async () => {
    const none = targetFake();
    await installPackages(context(none, plan()), 'systemd');
    assert.equal(none.commands('root-password').length, 0);

    const fake = targetFake().on('root-password', { exitCode: 1, stderr: 'chpasswd: (user root) pam_chauthtok() failed, error:\nAuthentication token manipulation error' });
    const error = await failure(installPackages(context(fake, plan({ root_password: 'pw-that-fails' })), 'systemd'));
    assert.equal(error.code, 'STEP_FAILED');
    assert.equal(error.message, 'setting the root password failed');
    assert.equal(error.cause, undefined);
  });

  it('fails at once with PACKAGE_NOT_FOUND when apt cannot locate a requested package', async () => {
    const fake = targetFake().on('download-packages', {
      exitCode: 100,
      stdout: 'Reading package lists...\nBuilding dependency tree...\n',
      stderr: 'E: Unable to locate package nosuch',
    });
    const error = await failure(installPackages(context(fake, plan({ packages: ['ifupdown', 'nosuch'] })), 'systemd'));
    assert.equal(error.code, 'PACKAGE_NOT_FOUND');
    assert.match(error.message, /nosuch/);
    assert.deepEqual(error.details.packages, ['nosuch']);
    assert.equal(fake.commands('download-packages').length, 1, 'not retried');
    assert.equal(fake.commands('apt-update').length, 1, 'no refresh before a retry that does not happen');
    assert.equal(fake.commands('install-packages').length, 0);
  });

  it('refreshes the indexes before retrying a failed download', async () => {
    const fake = targetFake().on('download-packages', (_call, nth) =>
      nth === 1 ? { exitCode: 100, stderr: 'E: Failed to fetch http://mirror.example/debian/pool/main/i/ifupdown/ifupdown.deb  404  Not Found' } : {},
    );
    await installPackages(context(fake, plan()), 'systemd');
    const order = fake.calls.filter((c) => c.name === 'apt-update' || c.name === 'download-packages').map((c) => `${c.kind}:${c.name}`);
    assert.deepEqual(order, ['retry:apt-update', 'chroot:apt-update', 'runNetwork:download-packages', 'chroot:apt-update', 'runNetwork:download-packages']);
    assert.equal(fake.commands('install-packages').length, 1);
  });

  it('fails with PACKAGE_NOT_FOUND when the install cannot resolve dependencies', async () => {
    const fake = targetFake().on('install-packages', {
      exitCode: 100,
      stdout: 'The following packages have unmet dependencies:\n foo : Depends: bar but it is not going to be installed\nE: Unable to correct problems, you have held broken packages.',
    });
    const error = await failure(installPackages(context(fake, plan()), 'systemd'));
    assert.equal(error.code, 'PACKAGE_NOT_FOUND');
    assert.match(error.message, /cannot be installed together/);
    assert.equal(fake.commands('finish-install').length, 0);
  });

  it('stops with ABORTED when the build is interrupted during the download', async () => {
    const fake = targetFake().on('download-packages', () => {
      fake.abort(interruptedBy('SIGINT'));
      return { exitCode: 137 };
    });
    const error = await failure(installPackages(context(fake, plan()), 'systemd'));
    assert.equal(error.code, 'ABORTED');
    assert.equal(error.details.signal, 'SIGINT');
    assert.equal(fake.commands('download-packages').length, 1);
    assert.equal(fake.commands('install-packages').length, 0);
  });

  it(
    'reports an interrupt while the root password is set as ABORTED',
    async () => {
      const fake = targetFake().on('root-password', () => {
        fake.abort(interruptedBy('SIGTERM'));
        return {};
      });
      const error = await failure(installPackages(context(fake, plan({ root_password: 'pw' })), 'systemd'));
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
    const error = await failure(refreshIndexes(context(fake, twoRepos()), fresh(), NEW_APT));
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
    await refreshIndexes(context(fake, twoRepos(), { allowUnsigned: true }), state, NEW_APT);
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
    await refreshIndexes(context(fake, twoRepos(), { allowUnsigned: true }), state, NEW_APT);
    assert.match(fake.writesOf(LIST).at(-1)!, /^deb \[trusted=yes\] http:\/\/extra\.example\/repo stable main$/m);
  });

  it('matches the repo apt names without its credentials, and names it redacted', async () => {
    const fake = new FakeSession().on('apt-update', { exitCode: 100, stderr: UNSIGNED });
    const error = await failure(refreshIndexes(context(fake, twoRepos({ uri: 'http://user:hunter2@extra.example/repo/' })), fresh(), NEW_APT));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /^repos\[1\] "extra" \(http:\/\/\*\*\*@extra\.example\/repo\/\)/);
    assert.doesNotMatch(error.message, /hunter2/);
  });

  /** Where apt keeps the extra repo's Release file. */
  const EXTRA_LISTS = '/target/var/lib/apt/lists/extra.example_repo_dists_stable';
  /** The extra repo's Release file: it has "main" only. */
  const EXTRA_RELEASE = [
    'Origin: Extra',
    'Suite: stable',
    'Components: main',
    'SHA256:',
    ` ${'a'.repeat(64)}   1234 main/binary-amd64/Packages`,
    ` ${'b'.repeat(64)}    456 main/binary-amd64/Packages.xz`,
    '',
  ].join('\n');
  /** Answers `cat` of the extra repo's Release file (as Release, no InRelease), and fails like cat for any other. */
  const withRelease = (fake: FakeSession) =>
    fake.on('read-release', (call) => (call.argv!.at(-1) === `${EXTRA_LISTS}_Release` ? { stdout: EXTRA_RELEASE } : { exitCode: 1, stderr: `cat: ${call.argv!.at(-1)}: No such file or directory` }));
  /** `ls -1` of the lists directory with these file names. */
  const withLists = (fake: FakeSession, names: string[]) => fake.on('list-indexes', { stdout: `${['lock', 'partial', ...names].join('\n')}\n` });
  /** refreshIndexes under the caller's retry, as installPackages runs it. */
  const retried = (fake: FakeSession, ctx: StageContext, apt = NEW_APT, state = fresh()) => fake.retry('apt-update', () => refreshIndexes(ctx, state, apt));
  const FAILED_DOWNLOADS = 'E: Some index files failed to download. They have been ignored, or old ones used instead.';

  it('stops with REPO_EXPIRED naming the repo whose Release file expired, without a retry', async () => {
    const fake = new FakeSession().on('apt-update', {
      exitCode: 100,
      stderr: 'E: Release file for http://extra.example/repo/dists/stable/InRelease is expired (invalid since 20d 6h 24min 47s). Updates for this repository will not be applied.',
    });
    const error = await failure(retried(fake, context(fake, twoRepos())));
    assert.equal(error.code, 'REPO_EXPIRED');
    assert.match(error.message, /^repos\[1\] "extra" \(http:\/\/extra\.example\/repo\): its Release file expired \(invalid since 20d 6h 24min 47s\): /);
    assert.match(error.message, /--no-check-valid-until/);
    assert.doesNotMatch(error.message, /repos\[0\]/);
    assert.equal(fake.commands('apt-update').length, 1, 'not retried');
    assert.deepEqual(fake.writesOf(PREF), []);
  });

  it('does not refuse an expired Release file with --no-check-valid-until', async () => {
    // apt is told not to check (apt.conf); an old one may still say so, as a warning.
    const fake = new FakeSession().on('apt-update', { stderr: 'W: Release file for http://extra.example/repo/dists/stable/InRelease is expired (invalid since 3d 1h 2min 3s).' });
    await refreshIndexes(context(fake, twoRepos(), { checkValidUntil: false }), fresh(), NEW_APT);
    assert.equal(fake.writesOf(PREF).length, 1);
  });

  it('stops with REPO_NOT_FOUND naming the repo and the section its Release file does not have', async () => {
    const fake = new FakeSession().on('apt-update', {
      stderr:
        "W: Skipping acquire of configured file 'mian/binary-amd64/Packages' as repository 'http://extra.example/repo stable InRelease' doesn't have the component 'mian' (component misspelt in sources.list?)",
    });
    const error = await failure(retried(fake, context(fake, twoRepos({ section: 'mian' }))));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /^repos\[1\] "extra" \(http:\/\/extra\.example\/repo\) is without the section "mian": check the repo's section$/);
    assert.equal(fake.commands('apt-update').length, 1, 'not retried');
  });

  it("stops with REPO_NOT_FOUND on a 404 for an index the repo's Release file does not list", async () => {
    const fake = withRelease(
      new FakeSession().on('apt-update', {
        exitCode: 100,
        stderr: `E: Failed to fetch http://extra.example/repo/dists/stable/mian/binary-amd64/Packages  404  Not Found [IP: 192.0.2.7 80]\n${FAILED_DOWNLOADS}`,
      }),
    );
    const error = await failure(retried(fake, context(fake, twoRepos({ section: 'mian' }))));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.equal(error.message, 'repos[1] "extra" (http://extra.example/repo): its Release file does not list mian/binary-amd64/Packages (404): check its section "mian"');
    assert.equal(fake.commands('apt-update').length, 1, 'not retried');
    // The Release file is read from apt's lists, InRelease first.
    assert.deepEqual(
      fake.commands('read-release').map((c) => c.argv),
      [
        ['cat', '--', `${EXTRA_LISTS}_InRelease`],
        ['cat', '--', `${EXTRA_LISTS}_Release`],
      ],
    );
  });

  it('retries a 404 for an index the Release file lists (a mirror mid-sync) as NETWORK', async () => {
    const notFound = `E: Failed to fetch http://extra.example/repo/dists/stable/main/binary-amd64/Packages.xz  404  Not Found [IP: 192.0.2.7 80]\n${FAILED_DOWNLOADS}`;
    const fake = withRelease(new FakeSession().on('apt-update', (_call, nth) => (nth === 1 ? { exitCode: 100, stderr: notFound } : {})));
    await retried(fake, context(fake, twoRepos()));
    assert.equal(fake.commands('apt-update').length, 2);
    assert.equal(fake.commands('read-release').length, 2, 'the Release file was read to tell');
    assert.match(fake.warnings.join('\n'), /apt-update: attempt 1 failed, retrying/);
    assert.equal(fake.writesOf(PREF).length, 1);

    const stays = withRelease(new FakeSession().on('apt-update', { exitCode: 100, stderr: notFound }));
    const error = await failure(retried(stays, context(stays, twoRepos())));
    assert.equal(error.code, 'NETWORK');
    assert.match(error.message, /^apt-get update: some index files failed to download:\n/);
    assert.match(error.message, /Packages\.xz {2}404/);
    assert.equal(stays.commands('apt-update').length, 3, 'the first attempt and two retries');
  });

  it('leaves other failed downloads to the retry as NETWORK, whatever the exit code', async () => {
    const cases: Array<[string, { exitCode?: number; stderr?: string }]> = [
      ['a 503 for an index', { exitCode: 100, stderr: `E: Failed to fetch http://extra.example/repo/dists/stable/main/binary-amd64/Packages.xz  503  Service Unavailable\n${FAILED_DOWNLOADS}` }],
      ['an old apt that exits 0 after a failed index', { stderr: 'W: Failed to fetch http://extra.example/repo/dists/stable/main/binary-amd64/Packages  Connection failed' }],
      ['"Some index files failed to download" alone', { stderr: FAILED_DOWNLOADS.replace(/^E:/, 'W:') }],
      ['a failing exit without a reason apt names', { exitCode: 100, stderr: 'E: something apt had to say' }],
    ];
    for (const [what, response] of cases) {
      const fake = new FakeSession().on('apt-update', response);
      const error = await failure(refreshIndexes(context(fake, twoRepos()), fresh(), NEW_APT));
      assert.equal(error.code, 'NETWORK', what);
      assert.equal(fake.commands('read-release').length, 0, `${what}: only a 404 needs the Release file`);
    }
  });

  it('stops on a Release file signed by a key the target does not trust', async () => {
    const fake = new FakeSession().on('apt-update', {
      exitCode: 100,
      stderr:
        "W: GPG error: http://extra.example/repo stable InRelease: The following signatures couldn't be verified because the public key is not available: NO_PUBKEY 0123456789ABCDEF\nE: The repository 'http://extra.example/repo stable InRelease' is not signed.",
    });
    const error = await failure(retried(fake, context(fake, twoRepos(), { allowUnsigned: true })));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /--keyring FILE or --no-check-gpg/);
    assert.equal(fake.commands('apt-update').length, 1);
  });

  it("finds the unsigned repos from apt's lists when apt is older than 1.5 (it only warns)", async () => {
    const unsigned = withLists(new FakeSession(), [MIRROR_INRELEASE, 'extra.example_repo_dists_stable_Release', 'extra.example_repo_dists_stable_main_binary-amd64_Packages']);
    const error = await failure(refreshIndexes(context(unsigned, twoRepos()), fresh(), OLD_APT));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /^repos\[1\] "extra" \(http:\/\/extra\.example\/repo\) is without a signed Release file/);
    assert.doesNotMatch(error.message, /repos\[0\]/);
    assert.deepEqual(only(unsigned.commands('list-indexes'), 'ls').argv, ['ls', '-1', '/target/var/lib/apt/lists']);

    // Release with Release.gpg is signed.
    const signed = withLists(new FakeSession(), [MIRROR_INRELEASE, 'extra.example_repo_dists_stable_Release', 'extra.example_repo_dists_stable_Release.gpg']);
    await refreshIndexes(context(signed, twoRepos()), fresh(), OLD_APT);
    assert.equal(signed.commands('apt-update').length, 1);
    assert.equal(signed.writesOf(PREF).length, 1);

    // apt >= 1.5 says so itself; --no-check-gpg trusts every repo anyway.
    const newApt = withLists(new FakeSession(), [MIRROR_INRELEASE]);
    await refreshIndexes(context(newApt, twoRepos()), fresh(), NEW_APT);
    const noCheck = withLists(new FakeSession(), [MIRROR_INRELEASE]);
    await refreshIndexes(context(noCheck, twoRepos(), { checkGpg: false }), fresh(), OLD_APT);
    assert.equal(newApt.commands('list-indexes').length + noCheck.commands('list-indexes').length, 0);
  });

  it('with --allow-unsigned trusts a repo old apt left unsigned, for another round', async () => {
    const fake = withLists(new FakeSession(), [MIRROR_INRELEASE, 'extra.example_repo_dists_stable_Release']);
    const state = fresh();
    await refreshIndexes(context(fake, twoRepos(), { allowUnsigned: true }), state, OLD_APT);
    assert.deepEqual([...state.trusted], [1]);
    assert.equal(fake.commands('apt-update').length, 2);
    assert.equal(fake.commands('list-indexes').length, 2);
    const lists = fake.writesOf(LIST);
    assert.doesNotMatch(lists[0]!, /trusted=yes/);
    assert.deepEqual(
      lists[1]!.split('\n').filter((l) => l.startsWith('deb ')),
      ['deb http://mirror.example/debian bookworm main', 'deb [trusted=yes] http://extra.example/repo stable main'],
    );
    assert.match(only(fake.warnings, 'warning'), /^repos\[1\] "extra" \(http:\/\/extra\.example\/repo\) is unsigned: trusted for this build/);
    assert.equal(fake.writesOf(PREF).length, 1);
  });

  it('trusts every repo with --no-check-gpg', async () => {
    const fake = new FakeSession();
    await refreshIndexes(context(fake, twoRepos(), { checkGpg: false }), fresh(), NEW_APT);
    const debLines = fake.text(LIST)!.split('\n').filter((l) => l.startsWith('deb '));
    assert.equal(debLines.length, 2);
    assert.ok(debLines.every((l) => l.startsWith('deb [trusted=yes] ')));
  });

  it('runs apt-get update in the target under a time limit', async () => {
    const fake = new FakeSession();
    await refreshIndexes(context(fake, plan()), fresh(), NEW_APT);
    const update = only(fake.commands('apt-update'), 'apt-update');
    assert.equal(update.kind, 'chroot');
    assert.deepEqual(update.argv, ['timeout', '--kill-after=30', '600', 'apt-get', 'update', '--error-on=any']);
    assert.deepEqual(update.execArgv?.slice(0, 3), ['chroot', '/target', 'timeout']);
    assert.deepEqual((update.options as { okExitCodes?: number[] }).okExitCodes, [0, 100], 'apt says what failed: the stage reads it');
  });

  it('labels Release files only when some repo has a numeric priority', async () => {
    const unpinned = new FakeSession();
    await refreshIndexes(context(unpinned, twoRepos()), fresh(), NEW_APT);
    assert.equal(unpinned.commands('label-repos').length, 0);
    assert.equal(unpinned.text(PREF), '');

    const fake = new FakeSession();
    await refreshIndexes(context(fake, twoRepos({ priority: 1001 })), fresh(), NEW_APT);
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
    await refreshIndexes(context(fake, twoRepos({ priority: 1001 })), fresh(), NEW_APT);
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
      await refreshIndexes(context(fake, twoRepos({ priority: 1001 })), fresh(), NEW_APT);
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

  it("reads the tree section: what sshd, grub and ifupdown the image has", () => {
    const text = `${report(INSTALLED)}### tree\nsshd yes\ngrub-install no\ngrub-mkconfig yes\nifupdown yes\n`;
    const parsed = parseTargetReport(text);
    assert.deepEqual(parsed.tree, { sshd: true, grubInstall: false, grubMkconfig: true, ifupdown: true });
    // The packages section still ends where the tree begins.
    assert.deepEqual(Object.keys(parsed.installed), ['ifupdown', 'openssh-server', 'systemd-sysv']);
    const none = parseTargetReport(`${report([])}### tree\nsshd no\ngrub-install yes\ngrub-mkconfig no\nifupdown no\n`);
    assert.deepEqual(none.tree, { sshd: false, grubInstall: true, grubMkconfig: false, ifupdown: false });
    // A report without the section (an older helper image) claims nothing.
    assert.deepEqual(parseTargetReport(report(INSTALLED)).tree, { sshd: false, grubInstall: false, grubMkconfig: false, ifupdown: false });
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
  /** make-image.sh's own arguments (after nice and the script). */
  const scriptArgs = (call: FakeCall) => call.argv!.slice(call.argv!.indexOf(helperScript('make-image.sh')) + 1);
  /** make-image.sh's stdout for an image: sizes from the source dir's length. */
  const figures = (sourceDir: string) => `${sourceDir.length * 1024} ${md5(`raw ${sourceDir}`)} ${sourceDir.length * 100} ${md5(`gz ${sourceDir}`)}\n`;
  const withImages = (fake: FakeSession) => fake.on((name) => name.startsWith('mkfs '), (call) => ({ stdout: figures(scriptArgs(call)[0]!), stderr: 'fuel-image: progress on stderr' }));
  const EXT2 = 'ext_attr,resize_inode,dir_index,filetype,sparse_super,large_file';
  const EXT4 = `${EXT2},has_journal,extent,flex_bg,huge_file,dir_nlink,extra_isize`;
  /** mke2fs -O lists for the node agent's e2fsprogs 1.42.13 (the default). */
  const COMPATIBLE = { ext2: `none,${EXT2}`, ext3: `none,${EXT2},has_journal`, ext4: `none,${EXT4},uninit_bg` };
  /** make-image.sh's stdout with its features line (dumpe2fs's words, space-separated). */
  const madeWith = (features: string, sourceDir: string) => `features ${features}\n${figures(sourceDir)}`;
  const featuresArg = (fake: FakeSession, mountPoint: string) => only(fake.commands(`mkfs ${mountPoint}`), mountPoint).argv!.at(-3);

  it('cuts nested mount points out deepest first, never "/", then makes each image once', async () => {
    const buildPlan = threeMounts();
    const fake = withImages(new FakeSession());
    const packed = await makeImages(context(fake, buildPlan), facts());
    const split = only(fake.commands('split-tree'), 'split-tree');
    assert.deepEqual(split.argv, ['bash', helperScript('split-tree.sh'), '/target', '/parts', '3:/var/log', '2:/var', '1:/boot']);
    assert.equal(fake.calls[0], split, 'the tree is split before any image is made');

    const mkfs = fake.calls.filter((c) => c.name?.startsWith('mkfs '));
    assert.equal(mkfs.length, 4);
    for (const image of buildPlan.images) {
      const call = only(mkfs.filter((c) => c.name === `mkfs ${image.mountPoint}`), image.mountPoint);
      assert.deepEqual(call.argv, ['nice', '-n', '10', 'bash', helperScript('make-image.sh'), image.sourceDir, image.rawPath, image.format, COMPATIBLE[image.format], image.container, '4']);
    }
    assert.deepEqual(
      scriptArgs(mkfs.find((c) => c.name === 'mkfs /')!).slice(0, 3).concat(scriptArgs(mkfs.find((c) => c.name === 'mkfs /var')!).slice(0, 3)),
      ['/target', '/work/0.img', 'ext4', '/parts/2', '/work/2.img', 'ext4'],
    );
    assert.equal(mkfs.find((c) => c.name === 'mkfs /boot')!.argv!.at(-2), 'gzip');
    assert.equal(mkfs.find((c) => c.name === 'mkfs /var')!.argv!.at(-2), 'raw');

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
    const packed = await makeImages(context(fake, plan({ image_data: { '/': { uri: 'http://x/root.img.gz' } } })), facts());
    assert.equal(fake.commands('split-tree').length, 0);
    assert.equal(packed.length, 1);
  });

  it('takes the figures from the last line of make-image.sh output', async () => {
    const fake = new FakeSession().on(/^mkfs /, (call) => ({ stdout: `fuel-image: some chatter\n${figures(scriptArgs(call)[0]!)}\n` }));
    const packed = await makeImages(context(fake, plan()), facts());
    assert.equal(packed[1]!.containerMd5, md5('gz /parts/1'));
  });

  it('fails with STEP_FAILED on malformed figures', async () => {
    for (const line of [`1048576 ${md5('r')} 4096`, `1048576 notanmd5 4096 ${md5('c')}`, `0 ${md5('r')} 4096 ${md5('c')}`, `abc ${md5('r')} 4096 ${md5('c')}`, '']) {
      const fake = withImages(new FakeSession()).on('mkfs /boot', { stdout: `${line}\n` });
      const error = await failure(makeImages(context(fake, plan()), facts()));
      assert.equal(error.code, 'STEP_FAILED', line);
      assert.match(error.message, /^\/boot: unexpected output from make-image/, line);
    }
  });

  it("fails with split-tree.sh's own message when a mount point is a symlink (exit 3)", async () => {
    const fake = withImages(new FakeSession()).on('split-tree', {
      exitCode: 3,
      stderr: 'fuel-image: mount point /var is a symlink in the image (to /srv/var): give the real directory in image_data',
    });
    const error = await failure(makeImages(context(fake, threeMounts()), facts()));
    assert.equal(error.code, 'STEP_FAILED');
    assert.equal(error.message, 'mount point /var is a symlink in the image (to /srv/var): give the real directory in image_data');
    assert.equal(fake.calls.filter((c) => c.name?.startsWith('mkfs ')).length, 0);
  });

  it('reports any other split-tree failure as the failed step', async () => {
    const fake = withImages(new FakeSession()).on('split-tree', { exitCode: 1, stderr: 'mv: cannot move /target/boot: Device or resource busy' });
    const error = await failure(makeImages(context(fake, plan()), facts()));
    assert.equal(error.code, 'STEP_FAILED');
    assert.match(error.message, /^step "split-tree" failed \(exit 1\):\nmv: cannot move/);
  });

  it('makes images the node agent e2fsprogs reads by default, the target e2fsprogs with --fs-features target', async () => {
    const compatible = withImages(new FakeSession());
    await makeImages(context(compatible, plan()), facts({}, { e2fsprogs: '1.47.0-2' }));
    assert.equal(featuresArg(compatible, '/'), COMPATIBLE.ext4, 'no metadata_csum or 64bit for e2fsprogs 1.42');
    assert.equal(featuresArg(compatible, '/boot'), COMPATIBLE.ext2);

    const target = withImages(new FakeSession());
    await makeImages(context(target, plan({}, { featureSet: 'target' })), facts({}, { e2fsprogs: '1.47.0-2' }));
    assert.equal(featuresArg(target, '/'), `none,${EXT4},64bit,metadata_csum`);
    assert.equal(featuresArg(target, '/boot'), COMPATIBLE.ext2, 'ext2 has the same features for every e2fsprogs');

    // The installed e2fsprogs decides, not the release table (bookworm's is 1.47).
    const old = withImages(new FakeSession());
    await makeImages(context(old, plan({}, { featureSet: 'target' })), facts({}, { e2fsprogs: '1.42.9-3ubuntu1' }));
    assert.equal(featuresArg(old, '/'), COMPATIBLE.ext4);
  });

  it('accepts the features the table allows, and what mke2fs turns on by itself', async () => {
    const fake = new FakeSession().on(/^mkfs /, (call) =>
      ({ stdout: madeWith(scriptArgs(call)[2]! === 'ext4' ? 'has_journal ext_attr resize_inode dir_index filetype needs_recovery extent flex_bg sparse_super large_file huge_file uninit_bg dir_nlink extra_isize' : 'ext_attr resize_inode dir_index filetype sparse_super large_file', scriptArgs(call)[0]!) }),
    );
    const packed = await makeImages(context(fake, plan()), facts());
    assert.equal(packed.length, 2);
    assert.equal(packed[0]!.rawMd5, md5('raw /target'), 'the figures still come from the last line');
  });

  it('fails with STEP_FAILED when mke2fs turned on a feature the reader cannot be relied on to read', async () => {
    const made = 'has_journal ext_attr resize_inode dir_index filetype extent 64bit flex_bg metadata_csum sparse_super large_file huge_file dir_nlink extra_isize';
    const fake = withImages(new FakeSession()).on('mkfs /', (call) => ({ stdout: madeWith(made, scriptArgs(call)[0]!) }));
    const error = await failure(makeImages(context(fake, plan()), facts({}, { e2fsprogs: '1.47.0-2' })));
    assert.equal(error.code, 'STEP_FAILED');
    assert.match(error.message, /^\/: mke2fs turned on 64bit, metadata_csum, which e2fsprogs 1\.42\.13/);

    // The same image is right for the target's own e2fsprogs 1.47 ...
    const target = withImages(new FakeSession()).on('mkfs /', (call) => ({ stdout: madeWith(made, scriptArgs(call)[0]!) }));
    await makeImages(context(target, plan({}, { featureSet: 'target' })), facts({}, { e2fsprogs: '1.47.0-2' }));
    // ... but orphan_file is never in the table (grub before 2.12 refuses it).
    const orphan = withImages(new FakeSession()).on('mkfs /', (call) => ({ stdout: madeWith(`${made} orphan_file`, scriptArgs(call)[0]!) }));
    const refused = await failure(makeImages(context(orphan, plan({}, { featureSet: 'target' })), facts({}, { e2fsprogs: '1.47.0-2' })));
    assert.equal(refused.code, 'STEP_FAILED');
    assert.match(refused.message, /^\/: mke2fs turned on orphan_file,/);
  });

  describe('cleanTarget', () => {
    const SYSTEMD_UNIT = 'etc/systemd/system/fuel-image-ssh-keygen.service';

    it('cleans the target with clean-target.sh, and adds no first-boot key files to a tree without sshd', async () => {
      const fake = new FakeSession();
      await cleanTarget(context(fake, plan()), facts({ sshd: false, grubInstall: true, grubMkconfig: true, ifupdown: true }), 'systemd');
      assert.deepEqual(only(fake.commands('clean-target'), 'clean-target').argv, ['bash', helperScript('clean-target.sh'), '/target']);
      assert.equal(fake.callsOf('write').length, 0);
    });

    it('adds a systemd unit, enabled, that makes SSH host keys on first boot, after clean-target (which removes fuel-image files)', async () => {
      const fake = new FakeSession();
      await cleanTarget(context(fake, plan()), facts({ sshd: true }), 'systemd');
      assert.deepEqual(fake.calls.map((c) => `${c.kind}:${c.name ?? c.directory}`), ['run:clean-target', 'write:/target']);
      const files = only(fake.callsOf('write'), 'write').files!;
      assert.deepEqual(files.map((f) => f.name), [SYSTEMD_UNIT, 'etc/systemd/system/multi-user.target.wants/fuel-image-ssh-keygen.service']);
      assert.match(String(files[0]!.content), /^Before=ssh\.service/m);
      assert.match(String(files[0]!.content), /^ExecStart=.*ssh-keygen -A/m);
      assert.equal(files[1]!.symlink, `/${SYSTEMD_UNIT}`);
    });

    it('adds an upstart job instead for a release that boots with upstart', async () => {
      const fake = new FakeSession();
      await cleanTarget(context(fake, plan({ codename: 'trusty' })), facts({ sshd: true }), 'upstart');
      const files = only(fake.callsOf('write'), 'write').files!;
      assert.deepEqual(files.map((f) => f.name), ['etc/init/fuel-image-ssh-keygen.conf']);
      assert.match(String(files[0]!.content), /^start on starting ssh$/m);
      assert.ok(!fake.files.has(`/target/${SYSTEMD_UNIT}`));
    });
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

  const KEYRINGS = { combined: '/fuel-image/combined.gpg', user: '/fuel-image/keyring.gpg' };
  /** The command that appends the user's keyring to the family's into combined.gpg. */
  const combine = (familyKeyring: string) => ['bash', '-c', 'cat -- "$1" "$2" > "$3"', 'combine-keyring', familyKeyring, KEYRINGS.user, KEYRINGS.combined];

  it("uploads a binary keyring as it is, and adds it to the family's keyring", async () => {
    await withFile(Buffer.from([0x99, 0x01, 0x0d, 0x04]), async (file) => {
      const fake = new FakeSession();
      assert.deepEqual(await prepareKeyring(fake, file, 'debian'), KEYRINGS);
      assert.deepEqual(fake.files.get('/fuel-image/keyring.gpg'), Buffer.from([0x99, 0x01, 0x0d, 0x04]));
      assert.ok(!fake.files.has('/fuel-image/keyring.asc'));
      assert.deepEqual(
        fake.commands('keyring').map((c) => c.argv),
        [combine('/usr/share/keyrings/debian-archive-keyring.gpg')],
        'no gpg for a binary keyring',
      );
    });
  });

  it('dearmours an ASCII-armoured keyring in the helper, then combines it', async () => {
    await withFile('-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF...\n-----END PGP PUBLIC KEY BLOCK-----\n', async (file) => {
      const fake = new FakeSession();
      assert.deepEqual(await prepareKeyring(fake, file, 'ubuntu'), KEYRINGS);
      assert.ok(fake.files.has('/fuel-image/keyring.asc'));
      assert.deepEqual(
        fake.commands('keyring').map((c) => c.argv),
        [
          ['gpg', '--batch', '--yes', '--dearmor', '--output', '/fuel-image/keyring.gpg', '/fuel-image/keyring.asc'],
          combine('/usr/share/keyrings/ubuntu-archive-keyring.gpg'),
        ],
      );
    });
  });

  it('reports a missing keyring file as a usage error', async () => {
    const error = await failure(prepareKeyring(new FakeSession(), '/nonexistent/fuel-image/keyring.gpg', 'debian'));
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
    const unsafeIo = targetEnv(spec, false);
    assert.ok(!unsafeIo.some((v) => v.startsWith('LD_PRELOAD=')));
    assert.deepEqual(unsafeIo, target.filter((v) => !v.startsWith('LD_PRELOAD=')), 'only the preload goes');
    for (const env of [helper, target, unsafeIo]) {
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

  it("records setTargetEnv, and gives its list to later commands in the target's environment only", async () => {
    const fake = new FakeSession();
    await fake.chroot('before', ['true']);
    const env = ['LC_ALL=C', 'PATH=/usr/bin:/bin'];
    fake.setTargetEnv(env);
    env.push('CHANGED=later');
    await fake.chroot('in-target', ['true']);
    await fake.run('explicit-target', ['true'], { env: 'target' });
    await fake.runNetwork('net-target', ['apt-get', 'update'], { timeoutSeconds: 5, what: 'x', inTarget: true });
    await fake.run('helper', ['true']);
    await fake.chroot('own', ['true'], { env: ['A=b'] });
    const recorded = ['LC_ALL=C', 'PATH=/usr/bin:/bin'];
    assert.deepEqual(only(fake.callsOf('setTargetEnv'), 'setTargetEnv').env, recorded);
    assert.deepEqual(fake.targetEnv, recorded);
    assert.deepEqual(
      fake.calls.filter((c) => c.kind !== 'setTargetEnv').map((c) => [c.name, c.env]),
      [
        ['before', 'target'],
        ['in-target', recorded],
        ['explicit-target', recorded],
        ['net-target', recorded],
        ['helper', 'helper'],
        ['own', ['A=b']],
      ],
    );
  });

  it('reads back what was written and fails like cat on a missing file', async () => {
    const fake = new FakeSession();
    await fake.write('/a', [{ name: 'b/c', content: 'text' }]);
    assert.equal(await fake.read('/a/b/c'), 'text');
    assert.equal((await failure(fake.read('/nope'))).code, 'STEP_FAILED');
  });
});

describe('refreshIndexes: what no retry fixes, and what a retry does', () => {
  const UNSIGNED = "W: GPG error: http://extra.example/repo stable Release: no signature\nE: The repository 'http://extra.example/repo stable Release' is not signed.";

  it('a repo apt still calls unsigned after being trusted fails, naming it, without going on as a network failure', async () => {
    const fake = new FakeSession().on('apt-update', { exitCode: 100, stderr: UNSIGNED });
    const error = await failure(fake.retry('apt-update', () => refreshIndexes(context(fake, twoRepos(), { allowUnsigned: true }), { trusted: new Set() }, NEW_APT)));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /repos\[1\] "extra".*still unsigned after being trusted/);
    // One round to find it, one with [trusted=yes]: the retry does not start over.
    assert.equal(fake.commands('apt-update').length, 2);
  });

  it('apt before 1.5: a Release file that failed to download is a network failure (retried), not an unsigned repo', async () => {
    const out = 'W: Failed to fetch http://extra.example/repo/dists/stable/InRelease  Unable to connect to extra.example:http:\nW: Some index files failed to download. They have been ignored, or old ones used instead.';
    const fake = new FakeSession()
      .on('apt-update', (_call, nth) => (nth === 1 ? { exitCode: 0, stderr: out } : {}))
      .on('list-indexes', (_call, nth) => ({ stdout: `${MIRROR_INRELEASE}\n${nth > 1 ? 'extra.example_repo_dists_stable_InRelease\n' : ''}` }));
    const state: RepoState = { trusted: new Set() };
    await fake.retry('apt-update', () => refreshIndexes(context(fake, twoRepos(), { allowUnsigned: true }), state, aptFeatures('1.2.10ubuntu1')));
    assert.equal(fake.commands('apt-update').length, 2);
    assert.deepEqual([...state.trusted], [], 'the signed repo is not trusted blindly');
    assert.doesNotMatch(fake.writesOf('/target/etc/apt/sources.list.d/fuel-image.list').at(-1) ?? '', /trusted=yes/);
  });

  it('a 404 for a section of the second of two repos sharing one Release file names that repo and its section', async () => {
    const fake = new FakeSession()
      .on('apt-update', { exitCode: 0, stderr: 'W: Failed to fetch http://mirror.example/debian/dists/bookworm/contirb/binary-amd64/Packages  404  Not Found\nE: Some index files failed to download. They have been ignored, or old ones used instead.' })
      .on('read-release', { stdout: 'Origin: Debian\nSHA256:\n aaaa 1 main/binary-amd64/Packages\n' });
    const repos = [
      { name: 'debian', uri: UNIT_MIRROR, suite: 'bookworm', section: 'main', priority: null },
      { name: 'debian-contrib', uri: UNIT_MIRROR, suite: 'bookworm', section: 'contirb', priority: null },
    ];
    const error = await failure(refreshIndexes(context(fake, plan({ repos })), { trusted: new Set() }, OLD_APT));
    assert.equal(error.code, 'REPO_NOT_FOUND');
    assert.match(error.message, /repos\[1\] "debian-contrib".*contirb\/binary-amd64\/Packages.*section "contirb"/);
  });
});
