import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeTreeKey, imageCacheKey, treeKeyText } from '../../src/cache/cache-keys.js';
import { parseEntries } from '../../src/cache/image-cache.js';
import { parseListing } from '../../src/cache/list-entries.js';
import { CacheEntry, TreeEntry } from '../../src/cache/schema.js';
import { allCached, type CachePlan } from '../../src/cache/plan-cache.js';
import { byteSize, DEFAULT_CACHE_MAX_BYTES } from '../../src/cli/parse-args.js';
import { Spec } from '../../src/input/schema.js';
import { planBuild } from '../../src/plan/plan-build.js';
import { treeKeyInputs, unitSpec } from '../helpers/specs.js';

const SECRET = Buffer.alloc(32, 7);

const inputs = treeKeyInputs;

describe('cache keys', () => {
  it('the tree key ignores what never reaches the tree: output, image file names and formats, proxies', () => {
    const base = treeKeyText(inputs());
    const spec = unitSpec();
    const renamed = Object.fromEntries(Object.entries(spec.image_data as Record<string, { uri: string }>).map(([m, d]) => [m, { ...d, uri: d.uri.replace(/env_\d+/, 'env_77'), format: 'ext3' }]));
    assert.equal(treeKeyText(inputs({ output: '/elsewhere', image_data: renamed, proxies: { protocols: { http: 'http://127.0.0.1:3128' } } })), base);
  });

  it('the tree key changes with packages, repos, root password, Release files, trust options, keyring and helper', () => {
    const base = treeKeyText(inputs());
    const changed = [
      treeKeyText(inputs({ packages: ['ifupdown', 'less'] })),
      treeKeyText(inputs({ root_password: 'another' })),
      treeKeyText(inputs({ codename: 'trixie' })),
      treeKeyText(inputs({}, { releaseDigests: ['2222 InRelease'] })),
      treeKeyText(inputs({}, { allowUnsigned: true })),
      treeKeyText(inputs({}, { checkGpg: false })),
      treeKeyText(inputs({}, { keyring: Buffer.from('key') })),
      treeKeyText(inputs({}, { helper: 'context:def' })),
      treeKeyText(inputs({}, { baseImage: 'other:1' })),
    ];
    for (const text of changed) assert.notEqual(text, base);
    assert.equal(new Set(changed).size, changed.length);
  });

  it('the tree key is keyed: the same inputs give the same key under one secret, another under another', async () => {
    const a = await computeTreeKey(SECRET, inputs());
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.equal(await computeTreeKey(SECRET, inputs()), a);
    assert.notEqual(await computeTreeKey(Buffer.alloc(32, 8), inputs()), a);
  });

  it('an image key depends on its mount point, format, container, the layout, the feature set and (gzip only) the level, not its file name', () => {
    const plan = planBuild(Spec.parse(unitSpec()));
    const mounts = plan.images.map((i) => i.mountPoint);
    const root = plan.images.find((i) => i.mountPoint === '/')!;
    const key = imageCacheKey('t'.repeat(64), root, mounts, 'compatible', 4);
    assert.equal(imageCacheKey('t'.repeat(64), { ...root, fileName: 'other.img.gz' } as typeof root, mounts, 'compatible', 4), key);
    for (const other of [
      imageCacheKey('u'.repeat(64), root, mounts, 'compatible', 4),
      imageCacheKey('t'.repeat(64), { ...root, format: 'ext3' }, mounts, 'compatible', 4),
      imageCacheKey('t'.repeat(64), { ...root, container: 'raw' }, mounts, 'compatible', 4),
      imageCacheKey('t'.repeat(64), root, ['/'], 'compatible', 4),
      imageCacheKey('t'.repeat(64), root, mounts, 'target', 4),
      imageCacheKey('t'.repeat(64), root, mounts, 'compatible', 9),
    ])
      assert.notEqual(other, key);
    const raw = { ...root, container: 'raw' as const };
    assert.equal(imageCacheKey('t'.repeat(64), raw, mounts, 'compatible', 1), imageCacheKey('t'.repeat(64), raw, mounts, 'compatible', 9), 'a raw image is not compressed');
  });
});

describe('cache entries', () => {
  const entry = {
    mountPoint: '/',
    format: 'ext4',
    container: 'gzip',
    containerSize: 10,
    containerMd5: 'a'.repeat(32),
    rawSize: 20,
    rawMd5: 'b'.repeat(32),
    createdAt: '2026-11-26T00:00:00.000Z',
    codename: 'bookworm',
    facts: { os: { name: 'debian', major: 12, minor: 8 }, installed: { bash: '5.2' }, tree: { grubInstall: true, grubMkconfig: true, ifupdown: true, sshd: false } },
    warnings: [],
  };

  it('reads what cache.sh prints, and skips an entry that does not parse', () => {
    const k1 = '1'.repeat(64);
    const k2 = '2'.repeat(64);
    const found = parseEntries(`### ${k1} 1234 1795000000\n${JSON.stringify(entry)}\n\n### ${k2}\n{"mountPoint": "/"}\n`, CacheEntry);
    assert.deepEqual([...found.keys()], [k1]);
    assert.equal(found.get(k1)!.containerMd5, 'a'.repeat(32));
  });

  it('lists images, trees and bootstraps, each read with its own schema', () => {
    const tree: TreeEntry = { codename: 'bookworm', baseKey: 'b'.repeat(64), packages: ['ifupdown'], io: 'eatmydata', createdAt: entry.createdAt, facts: entry.facts, warnings: [] };
    const [k1, k2, k3, k4] = ['1', '2', '3', '4'].map((c) => c.repeat(64));
    const listed = parseListing(
      `### ${k1} 1000 1795000000 trees\n${JSON.stringify(tree)}\n### ${k2} 10 1794000000 images\n${JSON.stringify(entry)}\n### ${k3} 5 1 trees\n${JSON.stringify(entry)}\n### ${k4} 300 1 bootstraps\n{"codename":"bookworm","io":"unsafe-io","createdAt":"${entry.createdAt}"}\n`,
    );
    assert.deepEqual(
      listed.map((e) => [e.kind, e.key, e.bytes, e.mount_point, e.packages]),
      [
        ['tree', k1, 1000, undefined, ['ifupdown']],
        ['image', k2, 10, '/', undefined],
        ['bootstrap', k4, 300, undefined, undefined],
      ],
      'an image entry filed under trees does not parse as a tree',
    );
    assert.equal(listed[0]!.last_used, new Date(1795000000 * 1000).toISOString());
  });

  it('a build uses the cache only when every image is there', () => {
    const plan = planBuild(Spec.parse(unitSpec()));
    const parsed = parseEntries(`### ${'1'.repeat(64)}\n${JSON.stringify(entry)}\n`, CacheEntry).get('1'.repeat(64))!;
    const some: CachePlan = { treeKey: 't', baseKey: 'b', bootstrapKey: 's', images: plan.images.map((image, i) => ({ image, key: String(i), entry: i === 0 ? parsed : undefined })) };
    assert.equal(allCached(some), undefined);
    assert.equal(allCached(undefined), undefined);
    const every: CachePlan = { treeKey: 't', baseKey: 'b', bootstrapKey: 's', images: plan.images.map((image, i) => ({ image, key: String(i), entry: parsed })) };
    assert.equal(allCached(every)!.length, plan.images.length);
  });
});

describe('--cache-max sizes', () => {
  it('reads bytes and K/M/G/T suffixes, and names the option when it cannot', () => {
    assert.equal(byteSize('--cache-max', undefined), DEFAULT_CACHE_MAX_BYTES);
    assert.equal(byteSize('--cache-max', '1048576'), 1048576);
    assert.equal(byteSize('--cache-max', '500M'), 500 * 1024 ** 2);
    assert.equal(byteSize('--cache-max', '10G'), 10 * 1024 ** 3);
    assert.equal(byteSize('--cache-max', '1.5g'), 1.5 * 1024 ** 3);
    assert.equal(byteSize('--cache-max', '2GiB'), 2 * 1024 ** 3);
    assert.throws(() => byteSize('--cache-max', 'lots'), /--cache-max: expected a size/);
    assert.throws(() => byteSize('--cache-max', '-1G'), /--cache-max/);
  });
});
