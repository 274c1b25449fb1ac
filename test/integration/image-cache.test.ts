import assert from 'node:assert/strict';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { writeRepo } from '../helpers/apt-repo.js';
import { helperContainers, runCli } from '../helpers/engine.js';
import { serveDirectory, type RunningServer } from '../helpers/http-servers.js';
import { gunzipTo } from '../helpers/image-tools.js';
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

describe('the image cache', () => {
  const workDir = useWorkDir('cache');
  let repo: RunningServer;
  let repoDir: string;
  const built: Record<string, { out: string; result: Record<string, any>; metadata: Record<string, any> }> = {};

  before(async () => {
    repoDir = path.join(workDir(), 'www');
    await writeRepo(path.join(repoDir, 'flat'), [{ name: 'fuel-test-pkg', version: '1.0' }], { flat: true, suite: './', origin: 'fuel-image tests' });
    repo = await serveDirectory(repoDir);
    const pruned = await cache(['prune', '--all']);
    assert.equal(pruned.exitCode, 0, pruned.stderr.slice(-2000));
  });

  after(async () => {
    await repo?.close();
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
    assert.deepEqual(listed.result.entries.map((e: { mount_point: string }) => e.mount_point).sort(), ['/', '/boot'], 'one entry per image, not one per build');
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
    // The entries hold the images of whichever of the two builds stored first.
    const md5s = (result: Record<string, any>) => (result.images as Array<{ md5: string }>).map((i) => i.md5).join(' ');
    assert.ok([built.env_1_debian_12_amd64!, built.env_2_debian_12_amd64!].some((b) => md5s(b.result) === md5s(run.result)), `${md5s(run.result)} is one build's`);
    assert.deepEqual(run.result.images.map((i: { file: string }) => path.basename(i.file)), ['env_3_debian_12_amd64.img.gz', 'env_3_debian_12_amd64-boot.img.gz']);
    assert.ok(Object.values(run.metadata.fuel_image.cache as Record<string, { hit: boolean }>).every((e) => e.hit));
    assert.deepEqual(run.metadata.fuel_image.installed_packages, first.metadata.fuel_image.installed_packages);
    assert.deepEqual(run.metadata.images.map((i: { container_name: string }) => i.container_name).sort(), ['env_3_debian_12_amd64-boot.img.gz', 'env_3_debian_12_amd64.img.gz']);
    const verify = await runCli(['verify', run.out, '--progress=json']);
    assert.equal(verify.exitCode, 0, verify.stderr.slice(-3000));
  });

  it('--no-cache neither reads nor writes it, and builds the same tree from scratch', async (t) => {
    const before = (await cache(['ls'])).result.entries;
    const run = await build('env_4_debian_12_amd64', ['--no-cache']);
    t.diagnostic(`cold, alone, --no-cache: ${run.result.duration_seconds} s`);
    assert.ok(run.log.includes('"step":"bootstrap-download"'), 'bootstrapped');
    assert.ok(!/"step":"(cache|cache-get|cache-put|release-digests)"/.test(run.log), 'no cache step');
    assert.equal(run.metadata.fuel_image.cache, null);
    assert.deepEqual((await cache(['ls'])).result.entries, before, 'the same entries, none used since');
    assert.deepEqual(run.metadata.fuel_image.installed_packages, built.env_3_debian_12_amd64!.metadata.fuel_image.installed_packages);
    // File lists, owners, modes and contents of the cached root image and this one.
    const trees = [];
    for (const name of ['env_3_debian_12_amd64', 'env_4_debian_12_amd64']) {
      const raw = path.join(workDir(), `${name}.img`);
      await gunzipTo(path.join(workDir(), name, `${name}.img.gz`), raw);
      const dir = path.join(workDir(), `${name}.tree`);
      await mkdir(dir);
      await extractImage(raw, dir);
      // What differs between any two builds (as in repos.test.ts): logs, caches, apt's lists, the password's salt.
      const volatile = (rel: string) =>
        /^\/(var\/log|var\/cache|var\/lib\/apt|var\/lib\/dpkg\/.*-old$|etc\/(shadow|gshadow)-?$|etc\/ssh\/ssh_host_|lost\+found|dev)/.test(rel) || rel === '/etc/ld.so.cache';
      trees.push(await fingerprintTree(dir, volatile, { owners: true }));
      await rm(raw);
    }
    assert.ok(trees[0]!.size > 1000, `${trees[0]!.size} entries`);
    assert.deepEqual(diffTrees(trees[0]!, trees[1]!), []);
  });

  it('misses for a changed package list, root password or Release file', async () => {
    assert.match(await cacheDecision('same', {}), /2 of 2 image\(s\) cached/, 'the unchanged spec hits');
    assert.match(await cacheDecision('packages', { packages: ['ifupdown', 'fuel-test-pkg', 'less'] }), /0 of 2 image\(s\) cached/);
    assert.match(await cacheDecision('password', { root_password: 'another' }), /0 of 2 image\(s\) cached/);
    // The local repo re-published with a new version: its Release file changes.
    await writeRepo(path.join(repoDir, 'flat'), [{ name: 'fuel-test-pkg', version: '1.1' }], { flat: true, suite: './', origin: 'fuel-image tests' });
    assert.match(await cacheDecision('release', {}), /0 of 2 image\(s\) cached/);
    assert.deepEqual(await helperContainers(), []);
  });

  it('cache prune keeps it within --cache-max, least recently used first; prune --all empties it', async () => {
    const listed = (await cache(['ls'])).result;
    assert.equal(listed.entries.length, 2);
    const largest = Math.max(...listed.entries.map((e: { bytes: number }) => e.bytes));
    const pruned = await cache(['prune', '--cache-max', String(largest)]);
    assert.equal(pruned.exitCode, 0, pruned.stderr.slice(-2000));
    assert.equal(pruned.result.removed.length, 1);
    assert.ok(pruned.result.total_bytes <= largest);
    assert.equal((await cache(['ls'])).result.entries.length, 1);
    const all = await cache(['prune', '--all']);
    assert.equal(all.exitCode, 0);
    assert.deepEqual((await cache(['ls'])).result.entries, []);
    assert.ok(built.env_3_debian_12_amd64, 'outputs stay');
  });
});
