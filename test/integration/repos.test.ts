import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeRepo } from '../helpers/apt-repo.js';
import { ensureBaseImage, labelledContainers, runCli, type CliRun } from '../helpers/engine.js';
import { serveDirectory, startFlakyProxy, type RunningServer } from '../helpers/http-servers.js';
import { debugfs, gunzipTo } from '../helpers/image-tools.js';
import { diffTrees, extractImage, fingerprintTree } from '../helpers/tree-diff.js';
import { exampleSpec, testMirror } from '../helpers/specs.js';

/*
 * Several repos at once: the Debian mirror plus two local unsigned repos on
 * one host (as Fuel's MOS repos shared the master's 127.0.0.1:8080), one of
 * them flat, holding the same package in two versions.
 */
describe('repositories, pins and a flaky mirror', () => {
  let dir: string;
  let repos: RunningServer;
  const builds: Record<string, { raw: string; log: string }> = {};

  before(async () => {
    await ensureBaseImage();
    dir = await mkdtemp(path.join(tmpdir(), 'fuel-image-repos-'));
    await writeRepo(path.join(dir, 'www/mos'), [{ name: 'fuel-test-pkg', version: '2.0' }], { flat: false, suite: 'fueltest', origin: 'Mirantis' });
    await writeRepo(path.join(dir, 'www/flat'), [{ name: 'fuel-test-pkg', version: '1.0' }], { flat: true, suite: './', origin: 'Mirantis' });
    repos = await serveDirectory(path.join(dir, 'www'));
  });
  after(async () => {
    await repos?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function spec(name: string, flatPriority: number | null, extra: Record<string, unknown> = {}) {
    const base = exampleSpec();
    return exampleSpec({
      output: path.join(dir, name),
      image_data: { '/': { uri: `http://127.0.0.1:8080/targetimages/${name}.img.gz`, format: 'ext4', container: 'gzip' } },
      repos: [
        base.repos[0],
        { name: 'mos-updates', uri: `${repos.url}/mos`, suite: 'fueltest', section: 'main', priority: null, type: 'deb' },
        { name: 'local-flat', uri: `${repos.url}/flat`, suite: './', section: '', priority: flatPriority, type: 'deb' },
      ],
      packages: ['fuel-test-pkg'],
      ...extra,
    });
  }

  async function build(name: string, specJson: Record<string, unknown>): Promise<{ raw: string; log: string }> {
    await mkdir(path.join(dir, name));
    const log = path.join(dir, `${name}.log`);
    const run = await runCli([JSON.stringify(specJson), '--allow-unsigned', '--retry-delay', '500', '--log-file', log]);
    assert.equal(run.exitCode, 0, `${name} failed:\n${run.stderr.slice(-3000)}`);
    const raw = path.join(dir, `${name}.img`);
    await gunzipTo(path.join(dir, name, `${name}.img.gz`), raw);
    builds[name] = { raw, log };
    return builds[name]!;
  }

  const installedVersion = async (raw: string) => (await debugfs(raw, 'cat /usr/share/doc/fuel-test-pkg/version')).trim();
  const dpkgVersion = async (raw: string) => /Package: fuel-test-pkg\n(?:.+\n)*?Version: (\S+)/.exec(await debugfs(raw, 'cat /var/lib/dpkg/status'))?.[1];

  // Builds that do not depend on each other run two at a time (the suite's time); each test reads its own.
  let unpinned: Promise<{ raw: string; log: string }> | undefined;
  let badSuite: Promise<CliRun> | undefined;

  it('a flat repo pinned above 1000 wins over a higher version on the same host', async () => {
    unpinned = build('unpinned', spec('unpinned', null));
    unpinned.catch(() => undefined);
    const { raw } = await build('pinned', spec('pinned', 1001));
    assert.equal(await installedVersion(raw), '1.0');
    assert.equal(await dpkgVersion(raw), '1.0');
  });

  it('without pins the higher version is installed', async () => {
    assert.ok(unpinned, 'started beside the pinned build');
    const { raw } = await unpinned;
    assert.equal(await installedVersion(raw), '2.0');
    assert.equal(await dpkgVersion(raw), '2.0');
  });

  it('a pinned repo behind a proxy failing a third of requests and a 12-request outage (503s, dropped connections) still gives the same image, the pin holding', async () => {
    const proxy = await startFlakyProxy({ failShare: 0.3, seed: 42, allowHosts: [new URL(testMirror()).hostname, '127.0.0.1'], outage: { from: 40, count: 12 } });
    let flaky;
    try {
      // Every repo goes through the proxy: retried `apt-get update`s meet Release files the build relabelled.
      flaky = await build('flaky', spec('flaky', 1001, { proxies: { protocols: { http: proxy.url }, direct_repo_addr_list: [] } }));
    } finally {
      await proxy.close();
    }
    assert.ok(proxy.stats.status503! + proxy.stats.dropped! >= 10, JSON.stringify(proxy.stats));
    assert.equal(proxy.stats.refused, 0);
    const log = await readFile(flaky.log, 'utf8');
    assert.match(log, /attempt \d+ failed, retrying/, 'the log shows the retries');
    assert.equal(await dpkgVersion(flaky.raw), '1.0', 'the pin held');

    // Same files with the same content as the undisturbed build, except what differs between any two builds.
    const volatile = (rel: string) =>
      /^\/(var\/log|var\/cache|var\/lib\/apt|var\/lib\/dpkg\/.*-old$|etc\/(shadow|gshadow)-?$|etc\/ssh\/ssh_host_|lost\+found|dev)/.test(rel.slice(0)) ||
      rel === '/etc/ld.so.cache';
    const trees = await Promise.all(
      ['pinned', 'flaky'].map(async (name) => {
        const target = path.join(dir, `${name}-tree`);
        await mkdir(target);
        await extractImage(builds[name]!.raw, target);
        return fingerprintTree(target, volatile);
      }),
    );
    assert.ok(trees[0]!.size > 1000, `${trees[0]!.size} entries`);
    assert.deepEqual(diffTrees(trees[0]!, trees[1]!), []);
  });

  it('a bootstrap mirror that answers 404 fails fast, naming it', async () => {
    const bad = spec('bad-mirror', null);
    bad.repos[0] = { ...bad.repos[0], uri: `${repos.url}/no-such-mirror` };
    await mkdir(bad.output);
    const log = path.join(dir, 'bad-mirror.log');
    const run = await runCli([JSON.stringify(bad), '--allow-unsigned', '--log-file', log]);
    assert.equal(run.exitCode, 1);
    assert.equal(run.result.code, 'REPO_NOT_FOUND');
    assert.match(run.result.message, /no-such-mirror/);
    assert.doesNotMatch(await readFile(log, 'utf8'), /retrying/);
  });

  it('a section the repo does not have fails without retrying, naming the repo and the section', async () => {
    const suiteSpec = spec('bad-suite', null);
    suiteSpec.repos[1] = { ...suiteSpec.repos[1], suite: 'no-such-suite' };
    await mkdir(suiteSpec.output);
    badSuite = runCli([JSON.stringify(suiteSpec), '--log-file', path.join(dir, 'bad-suite.log')]);
    badSuite.catch(() => undefined);
    const bad = spec('bad-section', null);
    bad.repos[1] = { ...bad.repos[1], section: 'nosuch' };
    await mkdir(bad.output);
    const log = path.join(dir, 'bad-section.log');
    const run = await runCli([JSON.stringify(bad), '--allow-unsigned', '--log-file', log]);
    assert.equal(run.exitCode, 1, run.stderr.slice(-2000));
    assert.equal(run.result.code, 'REPO_NOT_FOUND');
    assert.match(run.result.message, /mos-updates.*"nosuch"/);
    assert.doesNotMatch(await readFile(log, 'utf8'), /retrying/);
  });

  it('a repo whose suite does not exist fails without retrying, naming the repo', async () => {
    assert.ok(badSuite, 'started beside the bad-section build');
    const log = path.join(dir, 'bad-suite.log');
    const run = await badSuite;
    assert.equal(run.exitCode, 1, run.stderr.slice(-2000));
    assert.equal(run.result.code, 'REPO_NOT_FOUND');
    assert.match(run.result.message, /mos-updates/);
    assert.doesNotMatch(await readFile(log, 'utf8'), /retrying/);
    assert.deepEqual(await labelledContainers(), []);
  });
});
