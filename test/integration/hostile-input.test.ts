import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { containersCreatedSince, runCli } from '../helpers/engine.js';
import { exampleSpec } from '../helpers/specs.js';

type Spec = Record<string, any>;
const root = (s: Spec, patch: Record<string, unknown>) => ({ ...s, image_data: { ...s.image_data, '/': { ...s.image_data['/'], ...patch } } });
const repo0 = (s: Spec, patch: Record<string, unknown>) => ({ ...s, repos: [{ ...s.repos[0], ...patch }] });

/** Each malformed spec, the field its error must name, all refused with exit 2 before anything exists. */
const CASES: Array<[string, (s: Spec) => unknown, RegExp]> = [
  ['image_data not an object', (s) => ({ ...s, image_data: [] }), /image_data/],
  ['image_data missing', (s) => ({ ...s, image_data: undefined }), /image_data: is required/],
  ['no "/" mount point', (s) => ({ ...s, image_data: { '/boot': s.image_data['/boot'] } }), /image_data.*"\/"/],
  ['relative mount point', (s) => ({ ...s, image_data: { ...s.image_data, boot: s.image_data['/boot'] } }), /image_data\.boot/],
  ['mount point with ..', (s) => ({ ...s, image_data: { ...s.image_data, '/var/../etc': { uri: 'http://x/e.gz' } } }), /image_data\["\/var\/\.\.\/etc"\]/],
  ['mount point with //', (s) => ({ ...s, image_data: { ...s.image_data, '//boot': { uri: 'http://x/e.gz' } } }), /image_data\["\/\/boot"\]/],
  ['mount point with a space', (s) => ({ ...s, image_data: { ...s.image_data, '/my data': { uri: 'http://x/e.gz' } } }), /image_data\["\/my data"\]/],
  ['duplicate mount point (as /boot/)', (s) => ({ ...s, image_data: { ...s.image_data, '/boot/': s.image_data['/boot'] } }), /image_data\["\/boot\/"\]/],
  ['format xfs', (s) => root(s, { format: 'xfs' }), /image_data\["\/"\]\.format/],
  ['format as number', (s) => root(s, { format: 4 }), /image_data\["\/"\]\.format/],
  ['container bzip2', (s) => root(s, { container: 'bzip2' }), /image_data\["\/"\]\.container/],
  ['uri basename ..', (s) => root(s, { uri: 'http://x/..' }), /image_data\["\/"\]\.uri/],
  ['uri ending in /', (s) => root(s, { uri: 'http://x/images/' }), /image_data\["\/"\]\.uri/],
  ['uri basename with ../ encoded', (s) => root(s, { uri: 'http://x/..%2F..%2Fetc%2Fpasswd' }), /image_data\["\/"\]\.uri/],
  ['uri basename with shell', (s) => root(s, { uri: 'http://x/$(reboot).img.gz' }), /image_data\["\/"\]\.uri/],
  ['uri basename hidden file', (s) => root(s, { uri: 'http://x/.bashrc' }), /image_data\["\/"\]\.uri/],
  ['uri not a string', (s) => root(s, { uri: ['a'] }), /image_data\["\/"\]\.uri/],
  ['two images, one file name', (s) => ({ ...s, image_data: { ...s.image_data, '/boot': { ...s.image_data['/boot'], uri: s.image_data['/'].uri } } }), /image_data\["\/boot"\]\.uri/],
  ['output relative', (s) => ({ ...s, output: '../out' }), /output/],
  ['output a number', (s) => ({ ...s, output: 42 }), /output/],
  ['repos empty', (s) => ({ ...s, repos: [] }), /repos/],
  ['repos not a list', (s) => ({ ...s, repos: { name: 'x' } }), /repos/],
  ['repo uri javascript:', (s) => repo0(s, { uri: 'javascript:alert(1)' }), /repos\[0\]\.uri/],
  ['repo uri with space', (s) => repo0(s, { uri: 'http://x/a b' }), /repos\[0\]\.uri/],
  ['suite with ;', (s) => repo0(s, { suite: 'bookworm; rm -rf /' }), /repos\[0\]\.suite/],
  ['suite with ..', (s) => repo0(s, { suite: '../../etc' }), /repos\[0\]\.suite/],
  ['section with $()', (s) => repo0(s, { section: 'main $(touch /tmp/pwned)' }), /repos\[0\]\.section/],
  ['section with backtick', (s) => repo0(s, { section: 'main `id`' }), /repos\[0\]\.section/],
  ['priority a string', (s) => repo0(s, { priority: 'high' }), /repos\[0\]\.priority/],
  ['priority fractional', (s) => repo0(s, { priority: 1000.5 }), /repos\[0\]\.priority/],
  ['type rpm', (s) => repo0(s, { type: 'rpm' }), /repos\[0\]\.type/],
  ['codename with |', (s) => ({ ...s, codename: 'bookworm|reboot' }), /codename/],
  ['codename with newline', (s) => ({ ...s, codename: 'bookworm\nreboot' }), /codename/],
  ['codename missing', (s) => ({ ...s, codename: undefined }), /codename: is required/],
  ['package with &&', (s) => ({ ...s, packages: ['vim && reboot'] }), /packages\[0\]/],
  ['package option-like', (s) => ({ ...s, packages: ['-o=APT::Get::Trivial-Only=1'] }), /packages\[0\]/],
  ['package with $', (s) => ({ ...s, packages: ['ok', '$HOME'] }), /packages\[1\]/],
  ['packages not a list', (s) => ({ ...s, packages: 'vim' }), /packages/],
  ['proxy not a URL', (s) => ({ ...s, proxies: { protocols: { http: 'not a url' } } }), /proxies\.protocols\.http/],
  ['proxy breaking apt.conf', (s) => ({ ...s, proxies: { protocols: { http: 'http://p:3128/";Dir "/' } } }), /proxies\.protocols\.http/],
  ['direct address with shell', (s) => ({ ...s, proxies: { direct_repo_addr_list: ['10.0.0.1;id'] } }), /proxies\.direct_repo_addr_list\[0\]/],
  ['root password with newline', (s) => ({ ...s, root_password: 'a\nroot2:b' }), /root_password/],
  ['hashed password not crypt', (s) => ({ ...s, hashed_root_password: 'secret' }), /hashed_root_password/],
];

describe('hostile and malformed input', () => {
  let dir: string;
  let since: number;
  const pids: number[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fuel-image-hostile-'));
    since = Math.floor(Date.now() / 1000) - 1;
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const [name, mutate, field] of CASES) {
    it(`refuses ${name}`, async () => {
      const spec = mutate(exampleSpec({ output: dir, root_password: 'Sup3r-secret-pw' }));
      const run = await runCli([JSON.stringify(spec)]);
      pids.push(run.pid);
      assert.equal(run.exitCode, 2, run.stdout);
      assert.equal(run.result.code, 'INVALID_SPEC');
      assert.match(run.result.message, field);
      assert.doesNotMatch(run.stdout + run.stderr, /Sup3r-secret-pw/, 'the password is never echoed');
    });
  }

  it('refuses huge and deeply nested input', async () => {
    const huge = await runCli(['-'], { input: JSON.stringify({ ...exampleSpec({ output: dir }), junk: 'x'.repeat(3 * 1024 * 1024) }) });
    assert.equal(huge.exitCode, 2);
    assert.match(huge.result.message, /larger than/);
    const deep = await runCli([`{"image_data": ${'['.repeat(5000)}${']'.repeat(5000)}}`]);
    assert.equal(deep.exitCode, 2);
    assert.match(deep.result.message, /nested deeper/);
  });

  it('created no container and wrote nothing for any of them', async () => {
    assert.ok(CASES.length >= 30);
    assert.equal(pids.length, CASES.length);
    // One look at the engine's events for all of them (each look waits a second past now), by label: none was created at all.
    assert.deepEqual(await containersCreatedSince(since), []);
    assert.deepEqual(await readdir(dir), []);
  });
});
