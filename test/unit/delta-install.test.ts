import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deltaAgrees } from '../../src/apt/delta-agrees.js';
import { computeBaseKey, computeBootstrapKey, computeTreeKey } from '../../src/cache/cache-keys.js';
import type { TreeEntry } from '../../src/cache/schema.js';
import { partsSuffice, pickBaseTree } from '../../src/cache/tree-cache.js';
import { treeKeyInputs } from '../helpers/specs.js';

const SECRET = Buffer.alloc(32, 9);

const inputs = (specOverrides: Record<string, unknown>) => treeKeyInputs(specOverrides);

function tree(packages: string[]): TreeEntry {
  return {
    codename: 'bookworm',
    baseKey: 'b'.repeat(64),
    packages,
    io: 'eatmydata',
    createdAt: '2026-11-27T00:00:00.000Z',
    facts: { os: { name: 'Debian', major: 12, minor: 8 }, installed: {}, tree: { grubInstall: false, grubMkconfig: false, ifupdown: true, sshd: false } },
    warnings: [],
  };
}

describe('delta installs', () => {
  it('the base key ignores the package list and nothing else', async () => {
    const base = await computeBaseKey(SECRET, inputs({ packages: ['ifupdown'] }));
    assert.equal(await computeBaseKey(SECRET, inputs({ packages: ['ifupdown', 'less'] })), base);
    assert.notEqual(await computeTreeKey(SECRET, inputs({ packages: ['ifupdown', 'less'] })), await computeTreeKey(SECRET, inputs({ packages: ['ifupdown'] })));
    assert.notEqual(await computeBaseKey(SECRET, inputs({ packages: ['ifupdown'], root_password: 'other' })), base);
    assert.notEqual(await computeBaseKey(SECRET, { ...inputs({ packages: ['ifupdown'] }), releaseDigests: ['2222 InRelease'] }), base);
  });

  it('the bootstrap key follows the codename, the first repo, its Release file and the trust options, and nothing else', async () => {
    const first = inputs({ packages: ['ifupdown'] });
    const key = await computeBootstrapKey(SECRET, first);
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.notEqual(key, await computeTreeKey(SECRET, first));
    const mirror = first.spec.repos[0]!;
    const other = { name: 'extra', uri: 'http://127.0.0.1:9/extra', suite: 'extra', section: 'main', priority: null, type: 'deb' };
    // The same: another package list, password, later repos (and their Release files), proxies.
    assert.equal(await computeBootstrapKey(SECRET, inputs({ packages: ['ifupdown', 'less'], root_password: 'other' })), key);
    assert.equal(await computeBootstrapKey(SECRET, { ...inputs({ packages: ['ifupdown'], repos: [mirror, other] }), releaseDigests: ['1111 InRelease', '3333 Release'] }), key);
    // Another: the first repo's URI or Release file, the codename, a trust option, a keyring, the helper.
    assert.notEqual(await computeBootstrapKey(SECRET, inputs({ packages: ['ifupdown'], repos: [{ ...mirror, uri: `${mirror.uri}/other` }] })), key);
    assert.notEqual(await computeBootstrapKey(SECRET, { ...first, releaseDigests: ['2222 InRelease'] }), key);
    assert.notEqual(await computeBootstrapKey(SECRET, inputs({ packages: ['ifupdown'], codename: 'trixie', repos: [{ ...mirror, suite: 'trixie' }] })), key);
    assert.notEqual(await computeBootstrapKey(SECRET, { ...first, checkGpg: false }), key);
    assert.notEqual(await computeBootstrapKey(SECRET, { ...first, keyring: Buffer.from('key') }), key);
    assert.notEqual(await computeBootstrapKey(SECRET, { ...first, helper: 'context:def' }), key);
  });

  it('starts from the tree with the most of the packages and no other', () => {
    const trees = new Map([
      ['1'.repeat(64), tree(['ifupdown'])],
      ['2'.repeat(64), tree(['ifupdown', 'less'])],
      ['3'.repeat(64), tree(['ifupdown', 'vim'])],
      ['4'.repeat(64), tree(['ifupdown', 'less', 'curl'])],
    ]);
    assert.deepEqual(pickBaseTree(trees, ['ifupdown', 'less', 'openssh-server'])?.key, '2'.repeat(64));
    assert.deepEqual(pickBaseTree(trees, ['ifupdown', 'less', 'openssh-server'])?.extra, ['openssh-server']);
    assert.equal(pickBaseTree(trees, ['ifupdown']), undefined, 'the same list is the exact tree, not a delta');
    assert.equal(pickBaseTree(trees, ['openssh-server']), undefined, 'a tree with a package not asked for is never a start');
  });

  it('agrees only when both simulations end with the same packages at the same versions and nothing is removed', () => {
    const scratch = 'base libc6 2.36-9\nbase apt 2.6.1\nA ifupdown 0.8.41\nA less 590-2\n';
    const cached = 'now libc6 2.36-9\nnow apt 2.6.1\nnow ifupdown 0.8.41\n';
    assert.equal(deltaAgrees(`${scratch}${cached}B less 590-2\n`).agrees, true);
    assert.deepEqual(deltaAgrees(`${scratch}${cached}B less 590-2\n`).extra, ['less']);
    // A mirror that moved on: the cached tree's ifupdown is older than what a fresh install picks.
    const moved = deltaAgrees(`${scratch.replace('A ifupdown 0.8.41', 'A ifupdown 0.8.42')}${cached}B less 590-2\n`);
    assert.equal(moved.agrees, false);
    assert.match(moved.reason, /ifupdown \(0\.8\.42 from scratch, 0\.8\.41 by the delta\)/);
    // An upgrade of a bootstrap package from scratch shows as "Inst libc6 [old] (new ...)".
    assert.equal(deltaAgrees(`${scratch}A libc6 2.36-10\n${cached}B less 590-2\n`).agrees, false);
    assert.equal(deltaAgrees(`${scratch}${cached}B less 590-2\nRemv ifupdown\n`).agrees, false);
    assert.equal(deltaAgrees('').agrees, false, 'no report is no agreement');
  });

  it('another /boot format needs /boot\u2019s subtree alone; "/" or a mount point with one below it needs the tree', () => {
    const mounts = (...m: string[]) => m.map((mountPoint) => ({ mountPoint }));
    assert.equal(partsSuffice(mounts('/boot'), mounts('/', '/boot')), true);
    assert.equal(partsSuffice(mounts('/'), mounts('/', '/boot')), false);
    assert.equal(partsSuffice(mounts('/boot'), mounts('/', '/boot', '/boot/efi')), false);
    assert.equal(partsSuffice(mounts('/boot/efi', '/var'), mounts('/', '/boot', '/boot/efi', '/var')), true);
  });
});
