import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { compareReleaseDigests, fetchReleaseDigests, proxyFor } from '../../src/output/fetch-release-digests.js';
import { Spec } from '../../src/input/schema.js';
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
