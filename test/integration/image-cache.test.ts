import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { writeRepo } from '../helpers/apt-repo.js';
import { containersCreatedSince, helperContainers, runCli } from '../helpers/engine.js';
import { serveDirectory, type RunningServer } from '../helpers/http-servers.js';
import { features, gunzipTo } from '../helpers/image-tools.js';
import { logHas, startCli, waitFor } from '../helpers/processes.js';
import { lightSpec } from '../helpers/specs.js';
import { useWorkDir } from '../helpers/temp-dir.js';
import { diffTrees, extractImage, fingerprintTree } from '../helpers/tree-diff.js';

/*
 * The finished-image cache on the engine: two builds of the same content
 * filling it at once, another environment (other file names, other output)
 * served from it, --no-cache building the same images from scratch, misses
 * for a changed package list, root password or Release file, and cache
 * ls/prune with the size bound. The suite runs with FUEL_IMAGE_NO_CACHE=1
 * (package.json) so that no other test sees a cache; these turn it on.
 */
const CACHE_ON = { FUEL_IMAGE_NO_CACHE: '' };
/** The test spec's packages and one more. */
const PLUS_ONE = ['ifupdown', 'fuel-test-pkg', 'less'];
/**
 * Where the order of apt's choices matters: alt-p needs alt-q or alt-r,
 * alt-a needs alt-r. Installing "alt-p alt-a" from scratch takes alt-q for
 * alt-p (the first alternative: alt-r is not chosen yet); on a tree that
 * holds alt-a (and so alt-r) alt-p needs nothing more. A delta install would
 * end without alt-q, so apt's simulations disagree.
 */
const ALTERNATIVES = [
  { name: 'alt-a', version: '1.0', depends: 'alt-r' },
  { name: 'alt-p', version: '1.0', depends: 'alt-q | alt-r' },
  { name: 'alt-q', version: '1.0' },
  { name: 'alt-r', version: '1.0' },
];

describe('the image cache', () => {
  const workDir = useWorkDir('cache');
  let repo: RunningServer;
  let repoClosed = false;
  let repoDir: string;
  const built: Record<string, { out: string; result: Record<string, any>; metadata: Record<string, any> }> = {};

  before(async () => {
    repoDir = path.join(workDir(), 'www');
    // A file in /boot, so that the remade /boot image has something to compare (the light spec has no kernel).
    await writeRepo(path.join(repoDir, 'flat'), [{ name: 'fuel-test-pkg', version: '1.0', files: { 'boot/fuel-test-pkg.cfg': 'menu\n' } }, ...ALTERNATIVES], { flat: true, suite: './', origin: 'fuel-image tests' });
    repo = await serveDirectory(repoDir);
    const pruned = await cache(['prune', '--all']);
    assert.equal(pruned.exitCode, 0, pruned.stderr.slice(-2000));
  });

  after(async () => {
    if (!repoClosed) await repo?.close();
    await cache(['prune', '--all']);
  });

  function spec(name: string, overrides: Record<string, unknown> = {}) {
    const base = lightSpec(path.join(workDir(), name), name, ['ifupdown', 'fuel-test-pkg']);
    return { ...base, repos: [base.repos[0], { name: 'local-flat', uri: `${repo.url}/flat`, suite: './', section: '', priority: null, type: 'deb' }], root_password: 'r00t-secret', ...overrides };
  }

  function cache(args: string[]) {
    return runCli(['cache', ...args, '--progress=json'], { env: CACHE_ON });
  }

  async function build(name: string, extra: string[] = [], env: Record<string, string> = CACHE_ON, overrides: Record<string, unknown> = {}) {
    const out = path.join(workDir(), name);
    await mkdir(out, { recursive: true });
    const log = path.join(workDir(), `${name}.log`);
    const run = await runCli([JSON.stringify(spec(name, overrides)), '--allow-unsigned', '--log-file', log, ...extra], { env });
    assert.equal(run.exitCode, 0, `${name}: ${run.stderr.slice(-3000)}`);
    const metadata = YAML.parse(await readFile(path.join(out, `${name}.yaml`), 'utf8')) as Record<string, any>;
    built[name] = { out, result: run.result, metadata };
    return { ...built[name]!, log: await readFile(log, 'utf8') };
  }

  /** Starts a build, waits for its cache decision, then stops it: a miss needs no full build to be seen. */
  async function cacheDecision(name: string, overrides: Record<string, unknown>): Promise<string> {
    const log = path.join(workDir(), `${name}.log`);
    await mkdir(path.join(workDir(), name), { recursive: true });
    const child = startCli([JSON.stringify(spec(name, overrides)), '--allow-unsigned', '--log-file', log], CACHE_ON);
    let exited = false;
    void child.finally(() => (exited = true));
    // The decision: the cache step's count, or the warning that no Release file was found.
    const isDecision = (l: Record<string, any>) => l.step === 'cache' || (l.step === 'release-digests' && l.level === 40);
    const decided = logHas(log, isDecision);
    try {
      await waitFor(`${name}'s cache decision`, async () => exited || (await decided()), 120_000);
    } finally {
      child.kill('SIGTERM');
      const run = await child;
      assert.ok(await decided(), `${name} ended without a cache decision: ${run.stderr.slice(-2000)}`);
    }
    const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    return (lines.find(isDecision) as { msg: string }).msg;
  }

  /** What differs between any two builds (as in repos.test.ts): logs, caches, apt's lists, the password's salt. */
  const volatile = (rel: string) =>
    /^\/(var\/log|var\/cache|var\/lib\/apt|var\/lib\/dpkg\/.*-old$|etc\/(shadow|gshadow)-?$|etc\/ssh\/ssh_host_|lost\+found|dev)/.test(rel) || rel === '/etc/ld.so.cache';

  /** The root image of a build above, unpacked once (into NAME.tree), fingerprinted with owners and modes. */
  async function rootTree(name: string, ignore: (rel: string) => boolean): Promise<Map<string, string>> {
    const dir = path.join(workDir(), `${name}.tree`);
    if (!existsSync(dir)) {
      const raw = path.join(workDir(), `${name}.img`);
      await gunzipTo(path.join(workDir(), name, `${name}.img.gz`), raw);
      await mkdir(dir);
      await extractImage(raw, dir);
      await rm(raw);
    }
    return fingerprintTree(dir, ignore, { owners: true });
  }

  it('two builds of the same content fill the same entries at once, and both succeed', async () => {
    const [a, b] = await Promise.all([build('env_1_debian_12_amd64'), build('env_2_debian_12_amd64')]);
    for (const run of [a, b]) {
      assert.match(run.log, /image cache: 0 of 2 image\(s\) cached/);
      const cacheUse = run.metadata.fuel_image.cache as Record<string, { key: string; hit: boolean }>;
      assert.deepEqual(Object.keys(cacheUse).sort(), ['/', '/boot']);
      assert.ok(Object.values(cacheUse).every((e) => /^[0-9a-f]{64}$/.test(e.key) && e.hit === false));
    }
    assert.deepEqual(a.metadata.fuel_image.cache, b.metadata.fuel_image.cache, 'the same keys for the same content under other names');
    const listed = await cache(['ls']);
    assert.equal(listed.exitCode, 0, listed.stderr.slice(-2000));
    const images = listed.result.entries.filter((e: { kind: string }) => e.kind === 'image');
    assert.deepEqual(images.map((e: { mount_point: string }) => e.mount_point).sort(), ['/', '/boot'], 'one entry per image, not one per build');
    const trees = listed.result.entries.filter((e: { kind: string }) => e.kind === 'tree');
    assert.deepEqual(trees.map((e: { packages: string[] }) => e.packages), [['ifupdown', 'fuel-test-pkg']], 'one installed tree');
    assert.deepEqual(await helperContainers(), []);
  });

  it('another environment with the same content gets its images from the cache, under its own names, and they verify', async (t) => {
    const first = built.env_1_debian_12_amd64!;
    const run = await build('env_3_debian_12_amd64');
    // For the closing notes, not asserted: speed is bench/'s business.
    t.diagnostic(`cold (two at once): ${first.result.duration_seconds} s; from the cache: ${run.result.duration_seconds} s`);
    assert.match(run.log, /image cache: 2 of 2 image\(s\) cached/);
    assert.ok(!run.log.includes('"step":"bootstrap-download"'), 'no bootstrap');
    assert.deepEqual(Object.keys(run.result.stages), ['helper-image', 'helper-start', 'bootstrap', 'cache', 'stream-out', 'publish']);
    // Each entry (one per image) holds the image of whichever of the two builds stored it first: "/" may be one's and "/boot" the other's.
    const md5s = (result: Record<string, any>) => (result.images as Array<{ md5: string }>).map((i) => i.md5);
    const fillers = [built.env_1_debian_12_amd64!, built.env_2_debian_12_amd64!].map((b) => md5s(b.result));
    md5s(run.result).forEach((md5, i) => assert.ok(fillers.some((f) => f[i] === md5), `image ${i} (${md5}) is one of the two builds'`));
    assert.deepEqual(run.result.images.map((i: { file: string }) => path.basename(i.file)), ['env_3_debian_12_amd64.img.gz', 'env_3_debian_12_amd64-boot.img.gz']);
    assert.ok(Object.values(run.metadata.fuel_image.cache as Record<string, { hit: boolean }>).every((e) => e.hit));
    assert.deepEqual(run.metadata.fuel_image.installed_packages, first.metadata.fuel_image.installed_packages);
    assert.deepEqual(run.metadata.images.map((i: { container_name: string }) => i.container_name).sort(), ['env_3_debian_12_amd64-boot.img.gz', 'env_3_debian_12_amd64.img.gz']);
    const verify = await runCli(['verify', run.out, '--progress=json']);
    assert.equal(verify.exitCode, 0, verify.stderr.slice(-3000));
  });

  it('a changed /boot format remakes /boot alone, from the cached tree', async (t) => {
    const first = built.env_3_debian_12_amd64!;
    const name = 'env_5_debian_12_amd64';
    const images = (spec(name) as Record<string, any>).image_data as Record<string, Record<string, unknown>>;
    const run = await build(name, [], CACHE_ON, { image_data: { ...images, '/boot': { ...images['/boot'], format: 'ext4' } } });
    t.diagnostic(`/boot format changed: ${run.result.duration_seconds} s`);
    assert.match(run.log, /image cache: 1 of 2 image\(s\) cached; the installed tree is cached/);
    assert.ok(!run.log.includes('"step":"bootstrap-download"') && !run.log.includes('"step":"install-packages"'), 'no bootstrap, no install');
    assert.deepEqual(Object.keys(run.result.stages), ['helper-image', 'helper-start', 'bootstrap', 'cache', 'filesystems', 'stream-out', 'publish']);
    const [root, boot] = run.result.images as Array<{ md5: string; file: string }>;
    assert.equal(root!.md5, first.result.images[0].md5, 'the root image is the cached one');
    assert.deepEqual(run.metadata.fuel_image.cache['/'].hit, true);
    assert.deepEqual(run.metadata.fuel_image.cache['/boot'].hit, false);
    assert.deepEqual(run.metadata.fuel_image.installed_packages, first.metadata.fuel_image.installed_packages);
    // The remade /boot: ext4 now, holding what the ext2 one held (the kernel's files from the same tree).
    const rawBoot = path.join(workDir(), `${name}-boot.img`);
    await gunzipTo(boot!.file, rawBoot);
    assert.ok((await features(rawBoot)).includes('extent'), 'ext4');
    const before = path.join(workDir(), 'env_3-boot.img');
    await gunzipTo(path.join(first.out, 'env_3_debian_12_amd64-boot.img.gz'), before);
    const trees = [];
    for (const raw of [before, rawBoot]) {
      const dir = `${raw}.tree`;
      await mkdir(dir);
      await extractImage(raw, dir);
      trees.push(await fingerprintTree(dir, (rel) => rel.startsWith('/lost+found'), { owners: true }));
    }
    assert.ok([...trees[0]!.keys()].some((rel) => rel.endsWith('fuel-test-pkg.cfg')), `/boot holds ${[...trees[0]!.keys()].join(' ')}`);
    assert.deepEqual(diffTrees(trees[0]!, trees[1]!), []);
    const verify = await runCli(['verify', run.out, '--progress=json']);
    assert.equal(verify.exitCode, 0, verify.stderr.slice(-3000));
  });

  it('one package added: a delta install on the cached tree, after apt agrees', async (t) => {
    const first = built.env_3_debian_12_amd64!;
    const run = await build('env_6_debian_12_amd64', [], CACHE_ON, { packages: PLUS_ONE });
    t.diagnostic(`one package added: ${run.result.duration_seconds} s`);
    assert.match(run.log, /image cache: 0 of 2 image\(s\) cached; a cached tree lacks only less/);
    assert.match(run.log, /"step":"simulate-install","agrees":true/);
    assert.ok(!run.log.includes('"step":"bootstrap-download"'), 'no bootstrap');
    assert.deepEqual(Object.keys(run.result.stages), ['helper-image', 'helper-start', 'bootstrap', 'cache', 'install', 'clean', 'filesystems', 'stream-out', 'publish']);
    const installed = run.metadata.fuel_image.installed_packages as Record<string, string>;
    assert.ok(installed.less, 'less is installed');
    for (const [name, version] of Object.entries(first.metadata.fuel_image.installed_packages as Record<string, string>)) assert.equal(installed[name], version, name);
    // Its tree is cached in turn: the same list again is an exact hit.
    assert.match(await cacheDecision('plus-one-again', { packages: PLUS_ONE }), /2 of 2 image\(s\) cached/);
  });

  it('--no-cache neither reads nor writes it, and builds the same tree from scratch as the delta install', async (t) => {
    const before = (await cache(['ls'])).result.entries;
    const run = await build('env_4_debian_12_amd64', ['--no-cache'], undefined, { packages: PLUS_ONE });
    t.diagnostic(`cold, alone, --no-cache: ${run.result.duration_seconds} s`);
    assert.ok(run.log.includes('"step":"bootstrap-download"'), 'bootstrapped');
    assert.ok(!/"step":"(cache|cache-get|cache-put|cache-restore)"/.test(run.log), 'no cache step');
    assert.equal(run.metadata.fuel_image.cache, null);
    // Not the cache's: the up-to-date check compares them with the mirrors' later state.
    assert.equal(run.metadata.fuel_image.release_digests.length, 2);
    assert.deepEqual((await cache(['ls'])).result.entries, before, 'the same entries, none used since');
    assert.deepEqual(run.metadata.fuel_image.installed_packages, built.env_6_debian_12_amd64!.metadata.fuel_image.installed_packages);
    // File lists, owners, modes and contents of the delta-installed root image and this one.
    const [delta, scratch] = [await rootTree('env_6_debian_12_amd64', volatile), await rootTree('env_4_debian_12_amd64', volatile)];
    assert.ok(delta.size > 1000, `${delta.size} entries`);
    assert.deepEqual(diffTrees(delta, scratch), []);
  });

  it('another package list (no cached tree holds a subset of it) starts from the cached bootstrap, and ends as from scratch', async (t) => {
    const first = built.env_1_debian_12_amd64!.metadata.fuel_image;
    const run = await build('env_7_debian_12_amd64', [], CACHE_ON, { packages: ['ifupdown', 'less'] });
    t.diagnostic(`from the cached bootstrap: ${run.result.duration_seconds} s`);
    assert.match(run.log, /image cache: 0 of 2 image\(s\) cached; no cached tree; the bootstrap is cached/);
    assert.ok(!run.log.includes('"step":"bootstrap-download"'), 'no bootstrap');
    assert.deepEqual(Object.keys(run.result.stages), ['helper-image', 'helper-start', 'bootstrap', 'cache', 'install', 'clean', 'filesystems', 'stream-out', 'publish']);
    // The metadata names the entries: the bootstrap the first builds stored, under the same key.
    assert.equal(first.cache_trees.bootstrap.hit, false);
    assert.deepEqual(run.metadata.fuel_image.cache_trees.bootstrap, { key: first.cache_trees.bootstrap.key, hit: true });
    assert.equal(run.metadata.fuel_image.cache_trees.installed.hit, false);
    const { 'fuel-test-pkg': _test, ...fromScratch } = built.env_4_debian_12_amd64!.metadata.fuel_image.installed_packages as Record<string, string>;
    assert.deepEqual(run.metadata.fuel_image.installed_packages, fromScratch);
    // Its root tree equals the --no-cache build's (the previous case's) but for the test package it lacks.
    const ignore = (rel: string) => volatile(rel) || rel === '/var/lib/dpkg/status' || rel.includes('fuel-test-pkg');
    const [bootstrapped, scratch] = [await rootTree('env_7_debian_12_amd64', ignore), await rootTree('env_4_debian_12_amd64', ignore)];
    assert.ok(bootstrapped.size > 1000, `${bootstrapped.size} entries`);
    assert.deepEqual(diffTrees(bootstrapped, scratch), []);
  });

  it('a delta install apt disagrees with is not made: the build starts from the (cached) bootstrap', async (t) => {
    await build('env_8_debian_12_amd64', [], CACHE_ON, { packages: ['ifupdown', 'alt-a'] });
    const run = await build('env_9_debian_12_amd64', [], CACHE_ON, { packages: ['ifupdown', 'alt-p', 'alt-a'] });
    t.diagnostic(`delta refused, then from the cached bootstrap: ${run.result.duration_seconds} s`);
    assert.match(run.log, /a cached tree lacks only alt-p; the bootstrap is cached/);
    assert.match(run.log, /"step":"simulate-install","agrees":false/);
    assert.match(run.log, /no delta install \([^)]*alt-q/);
    assert.ok(!run.log.includes('"step":"bootstrap-download"'), 'the bootstrap came from the cache');
    const installed = run.metadata.fuel_image.installed_packages as Record<string, string>;
    assert.deepEqual(['alt-a', 'alt-p', 'alt-q', 'alt-r'].map((name) => installed[name]), ['1.0', '1.0', '1.0', '1.0'], 'as from scratch: alt-q too');
    const { cache_trees: trees } = run.metadata.fuel_image;
    assert.equal(trees.delta_from, undefined);
    assert.equal(trees.bootstrap.hit, true);
  });

  it('misses for a changed package list, root password or Release file', async () => {
    const again = await runCli([JSON.stringify(spec('env_3_debian_12_amd64')), '--allow-unsigned'], { env: CACHE_ON });
    assert.equal(again.result.outcome, 'up-to-date', 'nothing changed yet: the output is up to date, Release files included');
    assert.equal(again.result.warnings, undefined);
    assert.match(await cacheDecision('same', {}), /2 of 2 image\(s\) cached/, 'the unchanged spec hits');
    assert.match(await cacheDecision('packages', { packages: ['ifupdown', 'fuel-test-pkg', 'bzip2'] }), /0 of 2 image\(s\) cached/);
    assert.match(await cacheDecision('password', { root_password: 'another' }), /0 of 2 image\(s\) cached/);
    // The local repo re-published with a new version: its Release file changes.
    await writeRepo(path.join(repoDir, 'flat'), [{ name: 'fuel-test-pkg', version: '1.1' }], { flat: true, suite: './', origin: 'fuel-image tests' });
    assert.match(await cacheDecision('release', {}), /0 of 2 image\(s\) cached/);
    assert.deepEqual(await helperContainers(), []);
  });

  it('an up-to-date output is rebuilt once a repo\u2019s Release file changed, and kept (with a warning) when the mirror does not answer', async () => {
    // env_3 was built before the local repo was re-published (previous test).
    const name = 'env_3_debian_12_amd64';
    const log = path.join(workDir(), 'stale.log');
    const child = startCli([JSON.stringify(spec(name)), '--allow-unsigned', '--log-file', log], CACHE_ON);
    const decided = logHas(log, (l) => typeof l.msg === 'string' && /^(building|up to date)/.test(l.msg));
    try {
      await waitFor('the up-to-date decision', decided, 60_000);
    } finally {
      child.kill('SIGTERM');
      await child;
    }
    const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string });
    assert.match(lines.find((l) => /^(building|up to date)/.test(l.msg))!.msg, /^building: the Release file of "local-flat" changed since the last build/);

    // The same spec, the same files, the mirror gone: up to date, with a warning and no helper.
    await repo.close();
    repoClosed = true;
    const since = Math.floor(Date.now() / 1000) - 1;
    // env_3 again: the stopped rebuild above left its files as they were.
    const kept = await runCli([JSON.stringify(spec(name)), '--allow-unsigned'], { env: CACHE_ON });
    assert.equal(kept.exitCode, 0, kept.stderr.slice(-2000));
    assert.equal(kept.result.outcome, 'up-to-date');
    assert.deepEqual(kept.result.warnings.length, 1);
    assert.match(kept.result.warnings[0], /could not read the Release file of "local-flat": the output is kept as up to date/);
    assert.deepEqual(await containersCreatedSince(since, kept.pid), [], 'no helper for an up-to-date check');
  });

  it('cache prune keeps it within --cache-max, least recently used first; prune --all empties it', async () => {
    const listed = (await cache(['ls'])).result;
    // The images of both /boot formats, of the list with one more package, of the one from the bootstrap and of both
    // lists with alternatives; their five trees; the one bootstrap.
    const kinds = listed.entries.map((e: { kind: string }) => e.kind);
    assert.deepEqual([kinds.filter((k: string) => k === 'image').length, kinds.filter((k: string) => k === 'tree').length, kinds.filter((k: string) => k === 'bootstrap').length], [11, 5, 1]);
    const largest = Math.max(...listed.entries.map((e: { bytes: number }) => e.bytes));
    const pruned = await cache(['prune', '--cache-max', String(largest)]);
    assert.equal(pruned.exitCode, 0, pruned.stderr.slice(-2000));
    assert.ok(pruned.result.removed.length >= 1);
    assert.ok(pruned.result.total_bytes <= largest);
    assert.equal((await cache(['ls'])).result.entries.length, listed.entries.length - pruned.result.removed.length);
    const all = await cache(['prune', '--all']);
    assert.equal(all.exitCode, 0);
    assert.deepEqual((await cache(['ls'])).result.entries, []);
    assert.ok(built.env_3_debian_12_amd64, 'outputs stay');
  });
});
