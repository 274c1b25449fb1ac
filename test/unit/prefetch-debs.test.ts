import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { signRepo, writeRepo } from '../helpers/apt-repo.js';
import { serveDirectory, type RunningServer } from '../helpers/http-servers.js';
import { prefetchPreferences, prefetchSources } from '../../src/stages/prefetch-debs.js';
import type { Repo } from '../../src/input/schema.js';

/*
 * prefetch-debs.sh run for real on the host's apt (the helper's is Debian's
 * too) against local repositories on 127.0.0.1, with the sources lines the
 * builder writes for it.
 */
const SCRIPT = fileURLToPath(new URL('../../images/helper/scripts/prefetch-debs.sh', import.meta.url));
const run = promisify(execFile);

const repo = (fields: Partial<Repo>): Repo => ({ name: 'r', type: 'deb', uri: 'http://127.0.0.1/', suite: 'bookworm', section: 'main', priority: null, ...fields }) as Repo;
const debs = async (dir: string) => (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.deb')).sort();

describe('prefetch-debs.sh: .debs fetched ahead into a directory of their own', () => {
  let work = '';
  let server: RunningServer;
  let keyring = '';

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'fuel-image-prefetch-test-'));
    const served = path.join(work, 'served');
    await writeRepo(path.join(served, 'signed'), [
      { name: 'app', version: '1.0', depends: 'lib (>= 1)' },
      { name: 'lib', version: '1.2' },
      { name: 'base', version: '3' },
      // As bookworm's init-system-helpers: "usrmerge | usr-is-merged".
      { name: 'helpers', version: '1.65', depends: 'merger | is-merged' },
      { name: 'merger', version: '35', depends: 'lib' },
      { name: 'is-merged', version: '35' },
    ], { flat: false, suite: 'bookworm', origin: 'signed' });
    keyring = await signRepo(path.join(served, 'signed'), 'bookworm', work);
    // A second signed repo (the same key), and an unsigned flat one.
    await writeRepo(path.join(served, 'updates'), [{ name: 'extra', version: '2.0', depends: 'app' }], { flat: false, suite: 'bookworm-updates', origin: 'updates' });
    const release = path.join(served, 'updates/dists/bookworm-updates');
    await run('gpg', ['--homedir', path.join(work, 'gnupg'), '--batch', '--yes', '--clearsign', '--output', path.join(release, 'InRelease'), path.join(release, 'Release')]);
    await writeRepo(path.join(served, 'flat'), [{ name: 'extra', version: '2.0', depends: 'app' }], { flat: true, suite: './', origin: 'flat' });
    server = await serveDirectory(served);
  });
  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  async function prefetch(name: string, repos: Repo[], packages: string[], options: { seed?: string; keyring?: string; never?: string[] } = {}) {
    const state = path.join(work, name, 'state');
    const archives = path.join(state, 'debs');
    await mkdir(state, { recursive: true });
    await writeFile(path.join(state, 'sources.list'), prefetchSources(repos, options.keyring));
    if (options.never) await writeFile(path.join(state, 'preferences'), prefetchPreferences(options.never));
    const result = await run('bash', [SCRIPT, state, archives, options.seed ?? '', ...packages]).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    return { ...result, state, archives };
  }

  it('fetches the packages and their dependencies from every repo, signatures checked; the seed\u2019s .debs are neither fetched nor left', async () => {
    const seed = path.join(work, 'seed');
    await mkdir(seed);
    await copyFile(path.join(work, 'served/signed/pool/base_3_all.deb'), path.join(seed, 'base_3_all.deb'));
    await copyFile(path.join(work, 'served/signed/pool/lib_1.2_all.deb'), path.join(seed, 'lib_1.2_all.deb'));
    const before = server.stats.ok!;
    const repos = [repo({ uri: `${server.url}/signed` }), repo({ uri: `${server.url}/updates`, suite: 'bookworm-updates' })];
    const result = await prefetch('both', repos, ['base', 'extra'], { seed, keyring });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^prefetched 2$/m);
    assert.deepEqual(await debs(result.archives), ['app_1.0_all.deb', 'extra_2.0_all.deb']);
    assert.deepEqual(await debs(seed), ['base_3_all.deb', 'lib_1.2_all.deb'], 'the seed is untouched');
    // Two InRelease files, two Packages and the two .debs: neither seeded .deb was asked for.
    assert.ok(server.stats.ok! - before <= 6, `${server.stats.ok! - before} files served`);
    // An unsigned repo is refused with a keyring, as in the target without --allow-unsigned.
    const flat = await prefetch('flat', [repo({ uri: `${server.url}/flat`, suite: './', section: '' })], ['extra'], { keyring });
    assert.notEqual(flat.code, 0);
    assert.match(flat.stderr, /not signed/);
  });

  it('never picks what the preferences keep out: the other alternative of a dependency is fetched instead', async () => {
    const signed = [repo({ uri: `${server.url}/signed` })];
    const first = await prefetch('alternative', signed, ['helpers'], { keyring });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(await debs(first.archives), ['helpers_1.65_all.deb', 'lib_1.2_all.deb', 'merger_35_all.deb'], 'apt takes the first alternative');
    const kept = await prefetch('kept-out', signed, ['helpers'], { keyring, never: ['merger', 'not-in-any-repo'] });
    assert.equal(kept.code, 0, kept.stderr);
    assert.deepEqual(await debs(kept.archives), ['helpers_1.65_all.deb', 'is-merged_35_all.deb'], 'as debootstrap takes it');
    // Nothing to keep out: an empty preferences file.
    const none = await prefetch('kept-none', signed, ['app'], { keyring, never: [] });
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(await debs(none.archives), ['app_1.0_all.deb', 'lib_1.2_all.deb']);
  });

  it('keeps its lists for a second call, and a repo that fails leaves the others usable', async () => {
    const good = repo({ uri: `${server.url}/signed` });
    const first = await prefetch('again', [good], ['lib'], { keyring });
    assert.equal(first.code, 0, first.stderr);
    assert.ok((await readdir(path.join(first.state, 'lists'))).some((f) => f.endsWith('InRelease')), 'the lists stay in STATE');
    // A suite the mirror lacks beside the good repo: apt's update fails for it alone.
    const second = await prefetch('again', [good, repo({ uri: `${server.url}/signed`, suite: 'nosuch' })], ['app'], { keyring });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /going on with the rest/);
    assert.match(second.stdout, /^prefetched 2$/m, 'app, and lib still there from the first call');
  });

  it('fails (the build then ignores it) when the signature cannot be checked or a package is not found', async () => {
    const other = path.join(work, 'other.gpg');
    await writeFile(other, '');
    const unsigned = await prefetch('badkey', [repo({ uri: `${server.url}/signed` })], ['app'], { keyring: other });
    assert.notEqual(unsigned.code, 0);
    assert.deepEqual(await debs(unsigned.archives), []);
    const missing = await prefetch('missing', [repo({ uri: `${server.url}/signed` })], ['no-such-package'], { keyring });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no-such-package/);
    // Without a keyring every repo is trusted, as the target trusts it under --no-check-gpg.
    const trusted = await prefetch('trusted', [repo({ uri: `${server.url}/flat`, suite: './', section: '' })], ['extra', 'app'], {});
    assert.notEqual(trusted.code, 0, 'app is in the other repo');
    const alone = await prefetch('trusted-alone', [repo({ uri: `${server.url}/signed` })], ['app']);
    assert.equal(alone.code, 0, alone.stderr);
    assert.ok((await stat(path.join(alone.archives, 'app_1.0_all.deb'))).size > 0);
  });
});

describe('the preferences the prefetch uses', () => {
  it('pins each package it must not pick below zero, and is empty when there is none', () => {
    assert.equal(prefetchPreferences(['usrmerge']), 'Package: usrmerge\nPin: version *\nPin-Priority: -1\n');
    assert.equal(prefetchPreferences(['a', 'b']), 'Package: a\nPin: version *\nPin-Priority: -1\n\nPackage: b\nPin: version *\nPin-Priority: -1\n');
    assert.equal(prefetchPreferences([]), '');
  });
});

describe('the sources the prefetch uses', () => {
  it('one line per repo as the target has it, signed by the keyring, or trusted without one', () => {
    const repos = [repo({ uri: 'http://m/debian', section: 'main contrib' }), repo({ uri: 'http://u:p%40w@m/flat', suite: './', section: '' })];
    assert.equal(prefetchSources(repos, '/k.gpg'), 'deb [signed-by=/k.gpg] http://m/debian bookworm main contrib\ndeb [signed-by=/k.gpg] http://u:p%40w@m/flat ./\n');
    assert.equal(prefetchSources(repos, undefined), 'deb [trusted=yes] http://m/debian bookworm main contrib\ndeb [trusted=yes] http://u:p%40w@m/flat ./\n');
  });
});
