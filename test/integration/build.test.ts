import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import YAML from 'yaml';
import { containersCreatedSince, ensureBaseImage, labelledContainers, runCli, type CliRun } from '../helpers/engine.js';
import { debugfs, e2fsck, features, gunzipTo, listDir, md5File, statInImage } from '../helpers/image-tools.js';
import { exampleSpec, testMirror } from '../helpers/specs.js';

/*
 * One real build of the README's example (bookworm, "/" ext4 + "/boot" ext2,
 * a kernel in packages) through the CLI and a real engine; every check below
 * reads the produced files with the host's own tools.
 */
describe('bookworm build: "/" ext4 + "/boot" ext2', () => {
  let dir: string;
  let out: string;
  let run: CliRun;
  let meta: Record<string, any>;
  const raw: Record<string, string> = {};
  let since: number;
  let helpersUsed: number;

  before(async () => {
    await ensureBaseImage();
    dir = await mkdtemp(path.join(tmpdir(), 'fuel-image-test-'));
    out = path.join(dir, 'out');
    await import('node:fs/promises').then((fs) => fs.mkdir(out));
    const specFile = path.join(dir, 'spec.json');
    await writeFile(specFile, JSON.stringify(exampleSpec({ output: out })));
    since = Math.floor(Date.now() / 1000) - 1;
    // The spec as Fuel passes it: JSON text as the first argument.
    run = await runCli([await readFile(specFile, 'utf8'), '--log-file', path.join(dir, 'build.log')]);
    assert.equal(run.exitCode, 0, `build failed:\n${run.stderr.slice(-4000)}`);
    helpersUsed = (await containersCreatedSince(since, run.pid)).length;
    meta = YAML.parse(await readFile(path.join(out, 'env_1_debian_12_amd64.yaml'), 'utf8')) as Record<string, any>;
    for (const name of ['env_1_debian_12_amd64.img.gz', 'env_1_debian_12_amd64-boot.img.gz']) {
      raw[name] = path.join(dir, name.replace(/\.gz$/, ''));
      await gunzipTo(path.join(out, name), raw[name]!);
    }
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const rootImg = () => raw['env_1_debian_12_amd64.img.gz']!;
  const bootImg = () => raw['env_1_debian_12_amd64-boot.img.gz']!;

  it('prints one JSON result line naming both images', () => {
    assert.equal(run.result.outcome, 'success');
    assert.deepEqual(run.result.images.map((i: { mount_point: string }) => i.mount_point), ['/', '/boot']);
    assert.ok(run.result.duration_seconds > 0);
  });

  it('writes only the images and the metadata into output', async () => {
    assert.deepEqual((await readdir(out)).sort(), ['env_1_debian_12_amd64-boot.img.gz', 'env_1_debian_12_amd64.img.gz', 'env_1_debian_12_amd64.yaml']);
  });

  it('makes filesystems that e2fsck finds clean, without features older grub refuses', async () => {
    for (const image of [rootImg(), bootImg()]) {
      const check = await e2fsck(image);
      assert.equal(check.exitCode, 0, check.output);
      const f = await features(image);
      assert.ok(!f.includes('metadata_csum_seed') && !f.includes('orphan_file'), f.join(' '));
    }
    assert.ok((await features(rootImg())).includes('extent'), 'root is ext4');
    assert.ok(!(await features(bootImg())).includes('has_journal'), 'boot is ext2');
  });

  it('puts the kernel and initramfs at the root of the boot image and leaves /boot empty in the root image', async () => {
    const boot = (await listDir(bootImg(), '/')).map((e) => e.name);
    assert.ok(boot.some((n) => n.startsWith('vmlinuz-')), boot.join(' '));
    assert.ok(boot.some((n) => n.startsWith('initrd.img-')), boot.join(' '));
    assert.deepEqual(await listDir(rootImg(), '/boot'), []);
    // The initramfs was made beside the root image: none of its working files in it.
    assert.deepEqual(await listDir(rootImg(), '/var/tmp'), []);
    assert.deepEqual(await statInImage(rootImg(), '/var/tmp'), { mode: '01777', uid: 0, gid: 0 });
    assert.deepEqual(await statInImage(rootImg(), '/'), { mode: '0755', uid: 0, gid: 0 });
    assert.deepEqual(await statInImage(bootImg(), '/'), { mode: '0755', uid: 0, gid: 0 });
  });

  it('holds a Debian system with correct ownership', async () => {
    assert.match(await debugfs(rootImg(), 'cat /usr/lib/os-release'), /VERSION_CODENAME=bookworm/);
    assert.ok(await statInImage(rootImg(), '/etc/os-release'));
    assert.deepEqual(await statInImage(rootImg(), '/etc/shadow'), { mode: '0640', uid: 0, gid: 42 });
  });

  it('leaves no apt sources, build settings, caches or host identity in the image', async () => {
    assert.equal(await statInImage(rootImg(), '/etc/apt/sources.list'), undefined);
    assert.deepEqual(await listDir(rootImg(), '/etc/apt/sources.list.d'), []);
    for (const dir of ['/etc/apt/apt.conf.d', '/etc/apt/preferences.d', '/etc/apt/trusted.gpg.d'])
      assert.ok(!(await listDir(rootImg(), dir)).some((e) => e.name.includes('fuel-image')), dir);
    const archives = await listDir(rootImg(), '/var/cache/apt/archives');
    assert.ok(!archives.some((e) => e.name.endsWith('.deb')), archives.map((e) => e.name).join(' '));
    assert.deepEqual((await listDir(rootImg(), '/var/lib/apt/lists')).filter((e) => e.mode.startsWith('10')), []);
    assert.equal(await statInImage(rootImg(), '/usr/sbin/policy-rc.d'), undefined);
    assert.equal(await statInImage(rootImg(), '/.fuel-image'), undefined);
    assert.equal((await debugfs(rootImg(), 'cat /etc/machine-id')).trim(), '');
    assert.equal((await debugfs(rootImg(), 'cat /etc/hostname')).trim(), 'localhost');
    // Every node makes its own on first boot.
    assert.deepEqual((await listDir(rootImg(), '/etc/ssh')).filter((e) => /^ssh_host_/.test(e.name)), []);
    assert.match(await debugfs(rootImg(), 'cat /etc/systemd/system/fuel-image-ssh-keygen.service'), /^Before=ssh\.service/m);
  });

  it('warns about nothing the node agent needs: grub and ifupdown are in the example', () => {
    assert.deepEqual(run.result.warnings, []);
    assert.equal(meta.fuel_image.feature_set, 'compatible');
    assert.equal(meta.fuel_image.gzip_level, 4, 'pigz -4 by default');
  });

  it('writes metadata whose md5s and sizes match the files', async () => {
    assert.deepEqual(meta.os, { name: 'Debian', major: 12, minor: meta.os.minor });
    assert.deepEqual(meta.packages, exampleSpec().packages);
    assert.equal(meta.repos[0].uri, testMirror());
    for (const image of meta.images as Array<Record<string, any>>) {
      const file = path.join(out, image.container_name);
      assert.equal(image.container_size, (await stat(file)).size);
      assert.equal(image.container_md5, await md5File(file));
      const rawFile = raw[image.container_name]!;
      assert.equal(image.raw_size, (await stat(rawFile)).size);
      assert.equal(image.raw_md5, await md5File(rawFile));
      assert.equal(image.container, 'gzip');
    }
    assert.deepEqual(meta.images.map((i: { format: string }) => i.format), ['ext4', 'ext2']);
    assert.ok(meta.fuel_image.installed_packages['linux-image-amd64']);
  });

  it('preloads eatmydata into processes inside the target, and logs progress to the log file', async () => {
    const log = (await readFile(path.join(dir, 'build.log'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    assert.ok(log.some((l) => l.step === 'check-eatmydata' && l.eatmydata === true), 'eatmydata active in the chroot');
    const progress = log.filter((l) => typeof l.progress === 'number').map((l) => l.progress as number);
    assert.ok(progress.length >= 5 && progress.at(-1) === 100, progress.join(','));
    // make-initramfs.sh says so once per kernel; the stub answered every other request.
    assert.equal(log.filter((l) => /making the initramfs for \S+/.test(String(l.msg))).length, 1, 'the initramfs is made once');
    assert.ok(log.some((l) => /update-initramfs .* deferred/.test(String(l.msg))), 'the install asked for an initramfs and was deferred');
    // bookworm's initramfs-tools writes only /boot, an image of its own here: made on a copy of the tree beside the root image.
    assert.ok(log.some((l) => l.step === 'make-initramfs' && /making the initramfs for/.test(String(l.msg))), 'made aside');
    assert.ok(log.some((l) => l.step === 'place-initramfs'), 'placed into /boot');
    // bookworm has no pigz: the copy's shim relayed the cpio to the helper's pigz (the QEMU boot below reads the initrd).
    assert.ok(log.some((l) => l.step === 'make-initramfs' && /compresses with the helper's pigz/.test(String(l.msg))), 'the pigz relay');
    const initrdName = (await listDir(bootImg(), '/')).find((e) => e.name.startsWith('initrd.img-'))!.name;
    const initrdFile = path.join(dir, initrdName);
    await debugfs(bootImg(), `dump /${initrdName} ${initrdFile}`);
    const initrd = await readFile(initrdFile);
    assert.deepEqual([...initrd.subarray(0, 2)], [0x1f, 0x8b], 'the initrd is one gzip stream');
    assert.equal(gunzipSync(initrd).subarray(0, 6).toString(), '070701', 'holding a newc cpio archive');
    assert.equal(await statInImage(rootImg(), '/usr/bin/pigz'), undefined, 'the shim stayed in the copy');
    assert.equal(await statInImage(rootImg(), '/run/fuel-image-pigz'), undefined);
  });

  it('verify passes on the fresh build, and the image boots under QEMU to multi-user', async () => {
    const run = await runCli(['verify', '--boot', '--boot-timeout', '600', out]);
    assert.equal(run.exitCode, 0, run.stdout.slice(-3000));
    const checks = run.result.images.flatMap((i: { image: string; checks: Array<{ check: string; ok: boolean }> }) => i.checks.map((c) => `${i.image}:${c.check}:${c.ok}`));
    for (const check of ['container md5', 'raw md5', 'e2fsck', 'resize2fs', 'e2fsck after resize2fs'])
      for (const image of ['env_1_debian_12_amd64.img.gz', 'env_1_debian_12_amd64-boot.img.gz']) assert.ok(checks.includes(`${image}:${check}:true`), `${image} ${check}`);
    assert.ok(checks.includes('env_1_debian_12_amd64.img.gz:packages:true'));
    assert.ok(checks.includes('env_1_debian_12_amd64.img.gz:boot:true'), 'the boot marker was seen');
  });

  it('verify fails, naming the image and the check, on a changed byte, a wrong md5 and a missing package', async () => {
    const copy = async (name: string) => {
      const target = path.join(dir, name);
      await cp(out, target, { recursive: true });
      return target;
    };
    const flipped = await copy('flipped');
    const bootFile = path.join(flipped, 'env_1_debian_12_amd64-boot.img.gz');
    const handle = await open(bootFile, 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, 1000);
    await handle.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, 1000);
    await handle.close();
    const one = await runCli(['verify', flipped]);
    assert.equal(one.exitCode, 1);
    assert.equal(one.result.code, 'VERIFY_FAILED');
    assert.match(one.result.message, /env_1_debian_12_amd64-boot\.img\.gz: container md5/);
    assert.doesNotMatch(one.result.message, /env_1_debian_12_amd64\.img\.gz: /, 'only the changed image fails');

    const badMeta = await copy('bad-md5');
    const metaFile = path.join(badMeta, 'env_1_debian_12_amd64.yaml');
    const original = meta.images[0].container_md5 as string;
    await writeFile(metaFile, (await readFile(metaFile, 'utf8')).replace(original, 'f'.repeat(32)));
    const two = await runCli(['verify', metaFile]);
    assert.equal(two.exitCode, 1);
    assert.match(two.result.message, /env_1_debian_12_amd64\.img\.gz: container md5/);

    const missing = await copy('missing-pkg');
    const missingMeta = path.join(missing, 'env_1_debian_12_amd64.yaml');
    await writeFile(missingMeta, (await readFile(missingMeta, 'utf8')).replace('packages:\n', 'packages:\n  - no-such-package-fuel\n'));
    const three = await runCli(['verify', missing]);
    assert.equal(three.exitCode, 1);
    assert.match(three.result.message, /env_1_debian_12_amd64\.img\.gz: packages \(not installed: no-such-package-fuel\)/);
    assert.deepEqual(await labelledContainers(), []);
  });

  it('removes the helper container and leaves no staging directory', async () => {
    assert.deepEqual(await labelledContainers(), []);
    assert.equal(helpersUsed, 1, 'exactly one helper was used');
    assert.ok(!(await readdir(out)).some((n) => n.startsWith('.')));
    assert.ok(!existsSync(path.join(out, '.fuel-image-tmp')));
  });
});
