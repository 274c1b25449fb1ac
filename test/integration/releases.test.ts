import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signRepo, writeRepo } from '../helpers/apt-repo.js';
import { runCli, type CliRun } from '../helpers/engine.js';
import { serveDirectory, type RunningServer } from '../helpers/http-servers.js';
import { debugfs, e2fsck, features, gunzipTo, listDir } from '../helpers/image-tools.js';
import { exampleSpec } from '../helpers/specs.js';
import { useWorkDir } from '../helpers/temp-dir.js';
import { featuresFor, NODE_AGENT_E2FSPROGS } from '../../src/release/fs-features.js';

/*
 * Releases around bookworm, built for real from the Debian mirror: bullseye
 * (glibc 2.31, as Ubuntu focal's: the helper's eatmydata cannot load there),
 * trixie (booted under QEMU, sshd up with keys made on first boot) and forky
 * (testing: its Release file has expired on a snapshot mirror). Each image is
 * checked as Fuel's node agent uses it, by `fuel-image verify` and the host's
 * own e2fsprogs. No kernel where nothing boots, to keep the suite short.
 */

interface Built {
  run: CliRun;
  out: string;
  log: Array<Record<string, any>>;
  root: string;
  boot: string;
}

function releaseSpec(out: string, codename: string, packages: string[], name = `env_5_${codename}`): Record<string, any> {
  const base = exampleSpec();
  return exampleSpec({
    output: out,
    codename,
    repos: [{ ...base.repos[0], suite: codename }],
    image_data: {
      '/': { uri: `http://127.0.0.1:8080/targetimages/${name}.img.gz`, format: 'ext4', container: 'gzip' },
      '/boot': { uri: `http://127.0.0.1:8080/targetimages/${name}-boot.img.gz`, format: 'ext2', container: 'gzip' },
    },
    packages,
  });
}

async function build(dir: string, name: string, spec: Record<string, any>, args: string[] = []): Promise<Built> {
  const out = spec.output as string;
  await mkdir(out, { recursive: true });
  const logFile = path.join(dir, `${name}.log`);
  const run = await runCli([JSON.stringify(spec), '--log-file', logFile, ...args]);
  const log = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
  const files = Object.values(spec.image_data as Record<string, { uri: string }>).map((d) => path.basename(d.uri));
  const [root, boot] = files.map((f) => path.join(dir, `${name}-${f.replace(/\.gz$/, '')}`));
  if (run.exitCode === 0) for (const [i, file] of files.entries()) await gunzipTo(path.join(out, file), [root, boot][i]!);
  return { run, out, log, root: root!, boot: boot! };
}

/** What the node agent needs of every image, and what no image may carry. */
async function checkLikeTheNodeAgent(built: Built): Promise<void> {
  assert.equal(built.run.exitCode, 0, built.run.stderr.slice(-3000));
  const verify = await runCli(['verify', built.out]);
  assert.equal(verify.exitCode, 0, `verify: ${verify.stdout.slice(-2000)}`);
  for (const [image, format] of [[built.root, 'ext4'], [built.boot, 'ext2']] as const) {
    assert.equal((await e2fsck(image)).exitCode, 0);
    // Fuel's bootstrap ramdisk has e2fsprogs 1.42.13: nothing it cannot read.
    const allowed = new Set([...featuresFor(format, NODE_AGENT_E2FSPROGS), 'needs_recovery']);
    assert.deepEqual((await features(image)).filter((f) => f && !allowed.has(f)), [], `${format} features`);
  }
  const ssh = (await listDir(built.root, '/etc/ssh')).map((e) => e.name);
  assert.deepEqual(ssh.filter((n) => /^ssh_host_.*_key/.test(n)), [], 'no SSH host keys in the image');
  assert.equal((await debugfs(built.root, 'cat /etc/machine-id')).trim(), '', 'machine-id empty');
  assert.doesNotMatch(await debugfs(built.root, 'stat /var/lib/dbus/machine-id'), /Inode:/);
  assert.doesNotMatch(await debugfs(built.root, 'stat /var/lib/systemd/random-seed'), /Inode:/);
}

describe('releases around bookworm', () => {
  const dir = useWorkDir('releases');

  describe('bullseye (glibc 2.31, as focal): no eatmydata the target cannot load', () => {
    let built: Built;
    before(async () => {
      built = await build(dir(), 'bullseye', releaseSpec(path.join(dir(), 'bullseye'), 'bullseye', ['ifupdown', 'openssh-server']));
    });

    it('builds images the node agent can check, grow and read, with no per-node identity', async () => {
      await checkLikeTheNodeAgent(built);
    });

    it('skips fsync with dpkg --force-unsafe-io instead, says so, and leaves none of it in the image', async () => {
      assert.ok(built.log.some((l) => l.step === 'bootstrap-configure' && l.io === 'unsafe-io'), 'unsafe-io chosen');
      assert.ok(!built.log.some((l) => /GLIBC_2\.\d+' not found/.test(String(l.msg))), 'no process died of the preload');
      assert.deepEqual((await listDir(built.root, '/etc/dpkg/dpkg.cfg.d')).filter((e) => e.name.includes('fuel-image')), []);
      assert.deepEqual((await listDir(built.root, '/')).filter((e) => e.name === '.fuel-image'), []);
    });

    it('makes SSH host keys on first boot with a systemd unit ordered before sshd', async () => {
      const unit = await debugfs(built.root, 'cat /etc/systemd/system/fuel-image-ssh-keygen.service');
      assert.match(unit, /^Before=ssh\.service/m);
      assert.match(await debugfs(built.root, 'stat /etc/systemd/system/multi-user.target.wants/fuel-image-ssh-keygen.service'), /Type: symlink/);
    });

    it('warns that the node agent will find no grub, naming the package', () => {
      assert.ok((built.run.result.warnings as string[]).some((w) => /grub-install.*grub-pc/.test(w)), JSON.stringify(built.run.result.warnings));
      assert.ok(!(built.run.result.warnings as string[]).some((w) => /ifupdown/.test(w)));
    });
  });

  describe('trixie: boots under QEMU, sshd up with keys the image did not carry', () => {
    let built: Built;
    before(async () => {
      built = await build(dir(), 'trixie', releaseSpec(path.join(dir(), 'trixie'), 'trixie', ['linux-image-amd64', 'systemd-sysv', 'openssh-server', 'ifupdown']));
    });

    it('builds images the node agent can check, grow and read, with no per-node identity', async () => {
      await checkLikeTheNodeAgent(built);
      assert.ok(built.log.some((l) => l.step === 'bootstrap-configure' && l.io === 'eatmydata'), 'eatmydata preloaded');
    });

    it('boots to multi-user, where sshd is active with host keys made on first boot', async () => {
      const verify = await runCli(['verify', '--boot', built.out]);
      assert.equal(verify.exitCode, 0, verify.stdout.slice(-3000));
      const boot = (verify.result.images as Array<{ checks: Array<{ check: string; ok: boolean; detail: string }> }>).flatMap((i) => i.checks).find((c) => c.check === 'boot');
      assert.ok(boot?.ok, JSON.stringify(boot));
      assert.match(boot!.detail, /ssh=active hostkeys=[1-9]/);
    });
  });

  describe('forky (testing): a Release file past its Valid-Until', () => {
    it('fails at once, naming repos[0] and when its Release file expired', async () => {
      const failed = await build(dir(), 'forky-expired', releaseSpec(path.join(dir(), 'forky-expired'), 'forky', ['ifupdown']));
      assert.equal(failed.run.exitCode, 1);
      assert.equal(failed.run.result.code, 'REPO_EXPIRED');
      assert.match(failed.run.result.message, /repos\[0\] "debian".*expired on \d{4}-\d\d-\d\d.*--no-check-valid-until/);
      assert.ok(!failed.log.some((l) => l.step === 'bootstrap-download'), 'nothing was downloaded');
    });

    it('builds with --no-check-valid-until', async () => {
      const built = await build(dir(), 'forky', releaseSpec(path.join(dir(), 'forky'), 'forky', ['ifupdown']), ['--no-check-valid-until']);
      await checkLikeTheNodeAgent(built);
      // /etc/os-release is a symlink there, which debugfs does not follow.
      assert.match(await debugfs(built.root, 'cat /usr/lib/os-release'), /forky/);
    });
  });

  describe('a local repo signed by a test key whose Release file expired', () => {
    let server: RunningServer;
    let keyring: string;
    before(async () => {
      const www = path.join(dir(), 'signed-www');
      await writeRepo(path.join(www, 'local'), [{ name: 'fuel-test-pkg', version: '3.0' }], { flat: false, suite: 'fueltest', origin: 'Local', validUntil: new Date(Date.now() - 2 * 86_400_000) });
      keyring = await signRepo(path.join(www, 'local'), 'fueltest', dir());
      server = await serveDirectory(www);
    });
    after(async () => server?.close());

    const spec = (name: string) => {
      const base = exampleSpec();
      return exampleSpec({
        output: path.join(dir(), name),
        image_data: { '/': { uri: `http://127.0.0.1:8080/targetimages/${name}.img.gz`, format: 'ext4', container: 'gzip' } },
        repos: [base.repos[0], { name: 'local-signed', uri: `${server.url}/local`, suite: 'fueltest', section: 'main', priority: null, type: 'deb' }],
        packages: ['fuel-test-pkg'],
      });
    };

    it('a plain build fails, naming the repo and its expired Release file', async () => {
      const failed = await build(dir(), 'signed-expired', spec('signed-expired'), ['--keyring', keyring]);
      assert.equal(failed.run.exitCode, 1, failed.run.stdout);
      assert.equal(failed.run.result.code, 'REPO_EXPIRED');
      assert.match(failed.run.result.message, /repos\[1\] "local-signed".*expired.*--no-check-valid-until/);
    });

    it('with --no-check-valid-until it builds, the package from the signed repo installed', async () => {
      const name = 'signed-ok';
      await mkdir(path.join(dir(), name), { recursive: true });
      const run = await runCli([JSON.stringify(spec(name)), '--keyring', keyring, '--no-check-valid-until']);
      assert.equal(run.exitCode, 0, run.stderr.slice(-3000));
      const raw = path.join(dir(), `${name}.img`);
      await gunzipTo(path.join(dir(), name, `${name}.img.gz`), raw);
      assert.equal((await debugfs(raw, 'cat /usr/share/doc/fuel-test-pkg/version')).trim(), '3.0');
    });
  });
});
