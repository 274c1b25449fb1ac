import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { FuelImageError, exitCodeFor } from '../../src/errors.js';
import {
  checkDiskFull,
  DF_ARGV,
  diskFullError,
  DU_ARGV,
  engineDiskFullError,
  engineSaysDiskFull,
  estimateNeed,
  findDiskFull,
  IMAGES_PER_TREE,
  MIN_TREE_BYTES,
  parseDf,
  parseDu,
  type DiskProbe,
} from '../../src/helper/disk-full.js';
import { retryStep } from '../../src/helper/retry-policy.js';

const MiB = 1024 * 1024;

/** A dockerode error as the Engine API's answers become (HTTP status, "(HTTP code N) ..." message). */
function engineError(statusCode: number, text: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) server error - ${text}`), { statusCode, json: { message: text } });
}

/** A probe that answers as the helper would, and records what was asked. */
function fakeProbe(answers: { df?: string; du?: string; dataRoot?: string; fail?: boolean }): DiskProbe & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    run: async (argv) => {
      asked.push(argv[0]!);
      if (answers.fail) throw new Error('container gone');
      return argv[0] === 'df' ? (answers.df ?? '') : (answers.du ?? '');
    },
    dataRoot: async () => {
      asked.push('info');
      if (answers.fail) throw new Error('engine gone');
      return answers.dataRoot;
    },
  };
}

const df = (size: number, free: number) => `Filesystem     1-blocks      Used Available Capacity Mounted on\noverlay       ${size} ${size - free} ${free}      99% /\n`;

describe('engine disk full: recognising ENOSPC in a step\'s output', () => {
  const certain = [
    'tar: ./usr/lib/x86_64-linux-gnu/libapt-pkg.so.6.0.0: Cannot write: No space left on device',
    'cat: write error: No space left on device',
    "dpkg: error processing archive /var/cache/apt/archives/libc6_2.36-9_amd64.deb (--unpack):\n cannot copy extracted data for './usr/lib/x86_64-linux-gnu/libc.so.6' to '/usr/lib/x86_64-linux-gnu/libc.so.6.dpkg-new': failed to write (No space left on device)",
    'dpkg-deb (subprocess): decompressing archive member: lzma write error: No space left on device',
    'E: Write error - write (28: No space left on device)',
    "E: You don't have enough free space in /var/cache/apt/archives/.",
    'mke2fs: No space left on device while populating file system',
    'gzip: stdout: No space left on device',
    'pigz: abort: write error on <stdout> (No space left on device)',
    "Cannot write to '/target/var/cache/apt/archives/partial/bash.deb' (No space left on device).",
    'write /var/lib/docker/overlay2/abc/merged/target/etc/x: ENOSPC',
  ];
  for (const text of certain)
    it(`says so outright: ${text.split('\n').at(-1)!.slice(0, 70)}`, () => {
      const found = findDiskFull(`I: Extracting bash...\n${text}\nI: something after`);
      assert.ok(found, text);
      assert.equal(found.certain, true);
      assert.match(text, new RegExp(found.line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });

  it("takes debootstrap's and e2fsprogs' lost-errno forms as suspect only", () => {
    for (const line of [
      'E: Tried to extract package, but tar failed. Exit...',
      'E: Tried to extract package, but file already exists. Exit...',
      "W: Couldn't download package libc6 (ver 2.36-9 arch amd64) at http://127.0.0.1:8080/debian/pool/main/g/glibc/libc6_2.36-9_amd64.deb",
      "E: Couldn't download packages: libc6 libgmp10",
      'mke2fs: Attempt to write block to filesystem resulted in short write while writing out and closing file system',
    ])
      assert.deepEqual(findDiskFull(`I: Extracting libacl1...\n${line}`), { line, certain: false });
  });

  it('prefers a line that says ENOSPC outright to a suspect one', () => {
    const found = findDiskFull('E: Tried to extract package, but tar failed. Exit...\ntar: ./bin/bash: Cannot write: No space left on device');
    assert.deepEqual(found, { line: 'tar: ./bin/bash: Cannot write: No space left on device', certain: true });
  });

  it('does not take other failures for a full disk (an image too small is not the engine\'s disk)', () => {
    for (const text of [
      'mke2fs: Could not allocate block in ext2 filesystem while populating file system',
      'E: Unable to locate package no-such-package',
      'E: Failed getting release file http://127.0.0.1:8080/debian/dists/bookworm/Release',
      'W: Some index files failed to download. They have been ignored, or old ones used instead.',
      '',
    ])
      assert.equal(findDiskFull(text), undefined, text);
  });
});

describe('engine disk full: Engine API answers', () => {
  it('recognises an engine answer that says the disk is full', () => {
    const error = engineError(500, 'write /var/lib/docker/overlay2/1f/diff/target/etc/apt/sources.list: no space left on device');
    assert.equal(engineSaysDiskFull(error), 'server error - write /var/lib/docker/overlay2/1f/diff/target/etc/apt/sources.list: no space left on device');
  });

  it("leaves the builder's own ENOSPC (an errno, no HTTP status), other answers and our errors alone", () => {
    const local = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
    assert.equal(engineSaysDiskFull(local), undefined);
    assert.equal(engineSaysDiskFull(engineError(404, 'No such container: fuel-image-abc')), undefined);
    assert.equal(engineSaysDiskFull(new FuelImageError('OUTPUT', 'output directory /srv: no space left on the device')), undefined);
    assert.equal(engineSaysDiskFull('no space left on device'), undefined);
  });
});

describe('engine disk full: measuring and estimating', () => {
  it('reads df -P -B1 and du -s -B1 as the helper prints them', () => {
    assert.deepEqual(parseDf(df(314572800, 1048576)), { sizeBytes: 314572800, freeBytes: 1048576 });
    assert.deepEqual(parseDf(''), {});
    assert.deepEqual(parseDf('df: /: No such file or directory'), {});
    assert.deepEqual(parseDu('104857600\t/target\n'), { treeBytes: 104857600 });
    assert.deepEqual(parseDu('150000000\t/target\n20000000\t/parts\n90000000\t/work\n'), { treeBytes: 170000000, workBytes: 90000000 });
    assert.deepEqual(parseDu("du: cannot access '/parts': No such file or directory\n4096\t/target\n"), { treeBytes: 4096 });
    assert.deepEqual(
      parseDu('50000000\t/target/var/cache/apt\n40000000\t/target/var/lib/apt/lists\n1000000\t/target/debootstrap\n100000000\t/target\n'),
      { treeBytes: 191000000, cacheBytes: 91000000 },
    );
    assert.deepEqual(DF_ARGV, ['df', '-P', '-B1', '/']);
    // The caches before the tree: GNU du counts a file under the first argument that reaches it.
    assert.deepEqual(DU_ARGV.slice(5), ['/target/var/cache/apt', '/target/var/lib/apt/lists', '/target/debootstrap', '/target', '/parts', '/work']);
  });

  it('assumes at least the smallest tree while the tree is being made', () => {
    const need = estimateNeed({ treeBytes: 60 * MiB, freeBytes: 1 * MiB });
    assert.equal(need.treeComplete, false);
    assert.equal(need.treeBytes, MIN_TREE_BYTES);
    assert.equal(need.totalBytes, Math.ceil(MIN_TREE_BYTES * (1 + IMAGES_PER_TREE)));
    assert.equal(need.moreBytes, need.totalBytes - 61 * MiB);
  });

  it('leaves out the caches, which are removed before the images are made', () => {
    const need = estimateNeed({ treeBytes: 500 * MiB, cacheBytes: 100 * MiB, freeBytes: 0 });
    assert.equal(need.treeBytes, 400 * MiB);
    assert.equal(need.moreBytes, Math.ceil(400 * MiB * (1 + IMAGES_PER_TREE)) - 500 * MiB);
    // Never less than what was written already.
    assert.equal(estimateNeed({ treeBytes: 400 * MiB, cacheBytes: 300 * MiB, freeBytes: 0 }).totalBytes, 400 * MiB);
  });

  it('takes a larger tree as it is, and the measured tree once images are being made', () => {
    assert.equal(estimateNeed({ treeBytes: 900 * MiB, freeBytes: 0 }).moreBytes, Math.ceil(900 * MiB * (1 + IMAGES_PER_TREE)) - 900 * MiB);
    const making = estimateNeed({ treeBytes: 100 * MiB, workBytes: 50 * MiB, freeBytes: 0 });
    assert.equal(making.treeComplete, true);
    assert.equal(making.treeBytes, 100 * MiB);
    assert.equal(making.moreBytes, 260 * MiB - 150 * MiB);
  });

  it('never says "needs 0 more": at least a tenth of the total', () => {
    const need = estimateNeed({ treeBytes: 100 * MiB, workBytes: 300 * MiB, freeBytes: 0 });
    assert.equal(need.totalBytes, 400 * MiB);
    assert.equal(need.moreBytes, 40 * MiB);
    assert.ok(estimateNeed({}).moreBytes > 0);
  });
});

describe('engine disk full: the error', () => {
  it('names the step, the data root, the free space and the estimate, with the tool\'s line (credentials redacted)', () => {
    const error = diskFullError({
      step: 'bootstrap-download',
      evidence: 'Cannot write to http://fuel:s3cret@127.0.0.1:8080/x (No space left on device)',
      dataRoot: '/var/lib/docker',
      report: { freeBytes: 512 * 1024, sizeBytes: 300 * MiB, treeBytes: 60 * MiB },
    });
    assert.equal(error.code, 'ENGINE_DISK_FULL');
    assert.equal(exitCodeFor(error), 1);
    const [first, evidence] = error.message.split('\n');
    assert.match(first!, /^step "bootstrap-download" ran out of disk space on the Docker engine: the helper container's files are on its data root \/var\/lib\/docker, which has 1 MiB free; this build needs about \d+ MiB more there \(an estimate: the tree had reached 60 MiB; its images, of a tree of at least 144 MiB, take about 1\.6 times that\)\. /);
    assert.match(first!, /Free space on that filesystem or give the engine a larger data root, then build again\.$/);
    assert.equal(evidence, 'Cannot write to http://***@127.0.0.1:8080/x (No space left on device)');
    assert.equal(error.details.dataRoot, '/var/lib/docker');
    assert.equal(error.details.freeBytes, 512 * 1024);
    assert.equal(error.details.neededBytes, estimateNeed({ freeBytes: 512 * 1024, treeBytes: 60 * MiB }).moreBytes);
  });

  it('says what it could not learn', () => {
    const error = diskFullError({ step: 'helper-start', evidence: 'no space left on device', report: {} });
    assert.match(error.message, /the helper container's files are on its data root \(docker info did not say where\), free space not measured; this build needs about \d+ MiB more there/);
    assert.match(error.message, /an estimate: a tree of at least 144 MiB and its images/);
  });

  it('is not retried', async () => {
    let attempts = 0;
    await assert.rejects(
      retryStep('bootstrap-download', async () => {
        attempts++;
        throw diskFullError({ step: 'bootstrap-download', evidence: 'No space left on device', report: {} });
      }, { retry: { retries: 3, minTimeout: 0 }, logger: pino({ level: 'silent' }), signal: new AbortController().signal }),
      { code: 'ENGINE_DISK_FULL' },
    );
    assert.equal(attempts, 1);
  });
});

describe('engine disk full: checking a failed step', () => {
  it('measures free space, tree and data root when the output says ENOSPC', async () => {
    const probe = fakeProbe({ df: df(300 * MiB, 4096), du: '125829120\t/target\n', dataRoot: '/srv/docker' });
    const error = await checkDiskFull('install-packages', { output: 'Unpacking libc6 ...\nE: Write error - write (28: No space left on device)' }, probe);
    assert.ok(error);
    assert.equal(error.code, 'ENGINE_DISK_FULL');
    assert.deepEqual(probe.asked, ['df', 'du', 'info']);
    assert.match(error.message, /^step "install-packages" ran out of disk space on the Docker engine: the helper container's files are on its data root \/srv\/docker, which has 1 MiB free;/);
    assert.match(error.message, /the tree had reached 120 MiB; its images, of a tree of at least 144 MiB, take about 1.6 times that\)/);
    assert.equal(error.details.treeBytes, 125829120);
  });

  it('names the caches in the estimate when the tree has them', async () => {
    const du = `${40 * MiB}\t/target/var/cache/apt\n${60 * MiB}\t/target/var/lib/apt/lists\n${150 * MiB}\t/target\n`;
    const error = await checkDiskFull('apt-update', { output: 'E: Write error - write (28: No space left on device)' }, fakeProbe({ df: df(600 * MiB, 0), du, dataRoot: '/d' }));
    assert.match(error!.message, /the tree had reached 250 MiB, 100 MiB of it caches removed before the images are made; its images, of a tree of at least 150 MiB/);
    assert.match(error!.message, /needs about 140 MiB more/);
  });

  it("confirms even an outright line with the free space when the step accepts the exit code (apt-get update's 100)", async () => {
    const output = 'E: Failed to fetch http://127.0.0.1:8080/debian/dists/bookworm/InRelease  Error writing to file - write (28: No space left on device)';
    assert.equal((await checkDiskFull('apt-update', { output, accepted: true }, fakeProbe({ df: df(600 * MiB, 0), dataRoot: '/d' })))?.code, 'ENGINE_DISK_FULL');
    assert.equal(await checkDiskFull('apt-update', { output, accepted: true }, fakeProbe({ df: df(600 * 1024 * MiB, 9 * 1024 * MiB) })), undefined);
  });

  it('takes a suspect line as a full disk only when the disk is nearly full', async () => {
    const output = 'I: Extracting libacl1...\nE: Tried to extract package, but tar failed. Exit...';
    const full = await checkDiskFull('bootstrap-download', { output }, fakeProbe({ df: df(300 * MiB, 8 * MiB), dataRoot: '/d' }));
    assert.equal(full?.code, 'ENGINE_DISK_FULL');
    const roomy = fakeProbe({ df: df(300 * 1024 * MiB, 20 * 1024 * MiB), dataRoot: '/d' });
    assert.equal(await checkDiskFull('bootstrap-download', { output }, roomy), undefined);
    assert.deepEqual(roomy.asked, ['df'], 'nothing more is measured for a failure that is not one');
    assert.equal(await checkDiskFull('bootstrap-download', { output }, fakeProbe({ fail: true })), undefined, 'unmeasured: not taken as full');
  });

  it('leaves other failures alone without measuring anything', async () => {
    const probe = fakeProbe({ df: df(300 * MiB, 0) });
    assert.equal(await checkDiskFull('download-packages', { output: 'E: Unable to locate package nope' }, probe), undefined);
    assert.equal(await checkDiskFull('write /target', { error: engineError(404, 'No such container: x') }, probe), undefined);
    assert.deepEqual(probe.asked, []);
  });

  it('reports an Engine API answer even when nothing can be measured', async () => {
    const error = await checkDiskFull('write /target', { error: engineError(500, 'write /var/lib/docker/overlay2/x: no space left on device') }, fakeProbe({ fail: true }));
    assert.equal(error?.code, 'ENGINE_DISK_FULL');
    assert.match(error!.message, /docker info did not say where.*free space not measured/);
    const outside = await engineDiskFullError('helper-start', engineError(500, 'mkdir /srv/docker/overlay2/abc-init: no space left on device'), async () => '/srv/docker');
    assert.equal(outside?.code, 'ENGINE_DISK_FULL');
    assert.match(outside!.message, /^step "helper-start" ran out of disk space on the Docker engine: the helper container's files are on its data root \/srv\/docker, free space not measured;/);
    assert.equal(await engineDiskFullError('helper-start', engineError(409, 'conflict'), async () => '/srv/docker'), undefined);
  });
});
