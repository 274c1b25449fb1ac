import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FuelImageError } from '../../src/errors.js';
import { compareReleaseDigests, fetchReleaseDigests, proxyFor } from '../../src/output/fetch-release-digests.js';
import { Spec, type Repo } from '../../src/input/schema.js';
import { checkRepoReleases, parseReleaseDigests, type RepoRelease } from '../../src/stages/read-release-digests.js';
import { unitSpec } from '../helpers/specs.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the up-to-date check\u2019s Release files', () => {
  it('compares: equal is same, a different one is changed, an unread one is unknown unless another changed', () => {
    const a = `${sha('a')} InRelease`;
    const b = `${sha('b')} Release`;
    assert.equal(compareReleaseDigests([a, b], [a, b]), 'same');
    assert.equal(compareReleaseDigests([a, b], [a, `${sha('c')} Release`]), 'changed');
    assert.equal(compareReleaseDigests([a, b], ['missing', b]), 'unknown');
    assert.equal(compareReleaseDigests([a, b], ['missing', `${sha('c')} Release`]), 'changed');
    assert.equal(compareReleaseDigests(['missing', b], [a, b]), 'unknown', 'the last build could not read it');
    assert.equal(compareReleaseDigests(null, [a, b]), 'unknown');
  });

  it('picks the proxy for the scheme, and none for a host on direct_repo_addr_list', () => {
    const proxies = { protocols: { http: 'http://proxy:3128', https: 'http://sproxy:3128' }, direct_repo_addr_list: ['127.0.0.1', '.mirror.test'] };
    assert.equal(proxyFor(new URL('http://archive.test/debian/'), proxies), 'http://proxy:3128');
    assert.equal(proxyFor(new URL('https://archive.test/debian/'), proxies), 'http://sproxy:3128');
    assert.equal(proxyFor(new URL('http://127.0.0.1:8080/'), proxies), undefined);
    assert.equal(proxyFor(new URL('http://a.mirror.test/'), proxies), undefined);
    assert.equal(proxyFor(new URL('http://archive.test/'), undefined), undefined);
  });

  it('fetches InRelease, else Release, with the URI\u2019s credentials as a header, and "missing" for none', async () => {
    const seen: Array<{ url: string; auth?: string }> = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url!, auth: req.headers.authorization });
      if (req.url === '/signed/dists/bookworm/InRelease') return res.end('signed release');
      if (req.url === '/plain/Release') return res.end('plain release');
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const spec = Spec.parse(
        unitSpec({
          repos: [
            { name: 'signed', type: 'deb', uri: `http://us%40er:p%3Ass@${base.slice(7)}/signed`, suite: 'bookworm', section: 'main', priority: null },
            { name: 'plain', type: 'deb', uri: `${base}/plain`, suite: './', section: '', priority: null },
            { name: 'gone', type: 'deb', uri: `${base}/gone`, suite: 'bookworm', section: 'main', priority: null },
          ],
        }),
      );
      const digests = await fetchReleaseDigests(spec, AbortSignal.timeout(10_000));
      assert.deepEqual(digests, [`${sha('signed release')} InRelease`, `${sha('plain release')} Release`, 'missing']);
      assert.equal(seen.find((s) => s.url.startsWith('/signed'))!.auth, `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
      assert.equal(seen.find((s) => s.url.startsWith('/plain'))!.auth, undefined);
    } finally {
      server.close();
    }
  });
});

const SCRIPT = fileURLToPath(new URL('../../images/helper/scripts/release-digests.sh', import.meta.url));

describe('the build\u2019s first look at every repo (before the bootstrap)', () => {
  const signed = [
    '-----BEGIN PGP SIGNED MESSAGE-----',
    'Hash: SHA512',
    '',
    'Origin: Debian',
    'Suite: testing',
    'Valid-Until: Fri, 06 Nov 2026 08:08:01 UTC',
    'Components: main contrib',
    'SHA256:',
    ` ${sha('p')} 1200 main/binary-amd64/Packages`,
    ` ${sha('t')} 800 main/i18n/Translation-en`,
    ` ${sha('q')} 900 main/binary-amd64/Packages.xz`,
    ` ${sha('c')} 700 Contents-amd64`,
    '',
    '-----BEGIN PGP SIGNATURE-----',
    'Components: fake',
    '-----END PGP SIGNATURE-----',
    '',
  ].join('\n');
  const plain = 'Origin: Local\nSuite: ./\n';
  const crlf = 'Origin: Private\r\nComponents: main\r\nMD5Sum:\r\n 0123456789abcdef0123456789abcdef 10 main/binary-amd64/Packages\r\n';

  it('release-digests.sh: the digest, Valid-Until, Components and index directories of InRelease (else Release), "absent" for 404s, "missing" otherwise', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? 'no-auth'}`);
      if (req.url === '/signed/dists/forky/InRelease') return res.end(signed);
      if (req.url === '/flat/Release') return res.end(plain);
      // A private repo that hides itself (404) from requests without credentials, as apt sends them at once.
      if (req.url === '/private/dists/x/InRelease' && req.headers.authorization === `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`) return res.end(crlf);
      if (req.url!.startsWith('/moved/')) {
        res.writeHead(302, { location: req.url!.replace('/moved/', '/gone/') });
        return res.end();
      }
      res.statusCode = req.url!.startsWith('/broken/') ? 500 : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;
    try {
      const bases = [`${base}/signed/dists/forky/`, `${base}/flat/`, `${base}/gone/dists/x/`, `${base}/broken/dists/x/`, `http://us%40er:p%3Ass@127.0.0.1:${port}/private/dists/x/`, `${base}/moved/dists/x/`];
      const { stdout } = await promisify(execFile)('bash', [SCRIPT, ...bases]);
      assert.deepEqual(stdout.split('\n'), [
        `${sha(signed)} InRelease\tFri, 06 Nov 2026 08:08:01 UTC\tmain contrib\tmain/binary-amd64 main/i18n`,
        `${sha(plain)} Release\t-\t-\t-`,
        'absent',
        'missing',
        `${sha(crlf)} InRelease\t-\tmain\tmain/binary-amd64`,
        'absent',
        '',
      ]);
      assert.ok(!seen.some((line) => line.startsWith('/private/') && line.endsWith('no-auth')), 'credentials go with the first request');
      const parsed = parseReleaseDigests(stdout, 6);
      assert.equal(parsed.digests, undefined, 'no digests unless every repo was read');
      assert.deepEqual(parsed.repos.slice(0, 4), [
        { state: 'read', digest: `${sha(signed)} InRelease`, validUntil: new Date('2026-11-06T08:08:01Z'), components: ['main', 'contrib'], indexDirs: ['main/binary-amd64', 'main/i18n'] },
        { state: 'read', digest: `${sha(plain)} Release`, validUntil: undefined, components: undefined, indexDirs: undefined },
        { state: 'absent' },
        { state: 'missing' },
      ]);
      assert.deepEqual(parseReleaseDigests(stdout.split('\n').slice(0, 2).join('\n'), 2).digests, [`${sha(signed)} InRelease`, `${sha(plain)} Release`]);
    } finally {
      server.close();
    }
  });

  const repo = (name: string, extra: Partial<Repo> = {}): Repo => ({ name, type: 'deb', uri: `http://user:s3cret@127.0.0.1:8080/${name}`, suite: 'forky', section: 'main', priority: null, ...extra });
  const read = (extra: Partial<Extract<RepoRelease, { state: 'read' }>> = {}): RepoRelease => ({
    state: 'read',
    digest: `${sha('x')} InRelease`,
    components: ['main', 'contrib'],
    indexDirs: ['main/binary-amd64', 'main/i18n', 'main/debian-installer/binary-amd64', 'contrib/binary-amd64'],
    ...extra,
  });
  const trust = { checkGpg: true, allowUnsigned: false, checkValidUntil: true };
  const now = new Date('2026-11-27T00:00:00Z');
  const refusal = (repos: Repo[], releases: RepoRelease[], options: { trust?: typeof trust; aptVersion?: string } = {}): FuelImageError | undefined => {
    try {
      checkRepoReleases(repos, releases, { trust: options.trust ?? trust, aptVersion: 'aptVersion' in options ? options.aptVersion : '3.1.11', now });
      return undefined;
    } catch (error) {
      assert.ok(error instanceof FuelImageError);
      assert.doesNotMatch(error.message, /s3cret/);
      return error;
    }
  };

  it('refuses a later repo whose Release file expired, naming it, unless --no-check-valid-until', () => {
    const repos = [repo('base'), repo('updates')];
    const expired = [read(), read({ validUntil: new Date('2026-11-06T08:08:01Z') })];
    const error = refusal(repos, expired);
    assert.equal(error?.code, 'REPO_EXPIRED');
    assert.match(error!.message, /^repos\[1\] "updates" \(http:\/\/\*+@127\.0\.0\.1:8080\/updates\): its Release file expired on 2026-11-06T08:08:01\.000Z.*--no-check-valid-until/);
    assert.equal(refusal(repos, expired, { trust: { ...trust, checkValidUntil: false } }), undefined);
    assert.equal(refusal(repos, [read(), read({ validUntil: new Date('2026-12-01T00:00:00Z') })]), undefined);
  });

  it('refuses a section apt would skip (neither in Components nor among the indexes), naming the repo and the section', () => {
    const error = refusal([repo('base'), repo('mos', { section: 'main nosuch' })], [read(), read()]);
    assert.equal(error?.code, 'REPO_NOT_FOUND');
    assert.match(error!.message, /^repos\[1\] "mos" .* has no section "nosuch" in suite "forky" \(its Release file lists main, contrib\)/);
    // What apt takes: indexes listed under a section Components leaves out, a component's subdirectory, and "updates/main" for "main".
    assert.equal(refusal([repo('ftparchive', { section: 'main extra' })], [read({ components: ['main'], indexDirs: ['main/binary-amd64', 'extra/binary-amd64'] })]), undefined);
    assert.equal(refusal([repo('d-i', { section: 'main/debian-installer' })], [read()]), undefined);
    assert.equal(refusal([repo('security', { section: 'main contrib' })], [read({ components: ['updates/main', 'updates/contrib'], indexDirs: ['updates/main/binary-amd64'] })]), undefined);
  });

  it('leaves the section to apt where the check could be wrong: apt before 1.5 (it skips silently), an unknown codename, a flat repo, a Release file without Components or indexes', () => {
    const bad = [repo('mos', { section: 'nosuch' })];
    assert.equal(refusal(bad, [read()], { aptVersion: '1.2.10ubuntu1' }), undefined, 'xenial');
    assert.equal(refusal(bad, [read()], { aptVersion: '1.6.1' })?.code, 'REPO_NOT_FOUND', 'bionic');
    assert.equal(refusal(bad, [read()], { aptVersion: undefined }), undefined);
    assert.equal(refusal([repo('flat', { suite: './', section: '' })], [read({ components: undefined, indexDirs: undefined })]), undefined);
    assert.equal(refusal(bad, [read({ components: undefined })]), undefined);
    assert.equal(refusal(bad, [read({ indexDirs: undefined })]), undefined);
  });

  it('refuses a suite with no Release file only where apt will demand a signature; leaves an unreadable one to apt', () => {
    const repos = [repo('base'), repo('gone', { suite: 'no-such-suite' })];
    const error = refusal(repos, [read(), { state: 'absent' }]);
    assert.equal(error?.code, 'REPO_NOT_FOUND');
    assert.match(error!.message, /^repos\[1\] "gone" .* answers 404 for suite "no-such-suite" \(dists\/no-such-suite\/Release\)/);
    assert.equal(refusal(repos, [read(), { state: 'absent' }], { trust: { ...trust, allowUnsigned: true } }), undefined);
    assert.equal(refusal(repos, [read(), { state: 'absent' }], { trust: { ...trust, checkGpg: false } }), undefined);
    assert.equal(refusal(repos, [read(), { state: 'missing' }]), undefined);
    assert.match(refusal([repo('flat', { suite: 'pool', section: '' })], [{ state: 'absent' }])!.message, /answers 404 for suite "pool" \(pool\/Release\)/);
  });
});
