import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FuelImageError } from '../../src/errors.js';
import { parseSpec } from '../../src/input/read-spec.js';
import { metadataFileName, uriBasename } from '../../src/input/schema.js';
import { blueprintSpec, unitSpec as exampleSpec } from '../helpers/specs.js';

function rejects(spec: unknown, field: RegExp): void {
  assert.throws(
    () => parseSpec(typeof spec === 'string' ? spec : JSON.stringify(spec)),
    (error: unknown) => {
      assert.ok(error instanceof FuelImageError, String(error));
      assert.equal(error.code, 'INVALID_SPEC');
      assert.match(error.message, field);
      return true;
    },
  );
}

describe('spec validation', () => {
  it('accepts the blueprint spec and fills defaults', () => {
    const spec = parseSpec(JSON.stringify(blueprintSpec()));
    assert.equal(spec.codename, 'precise');
    assert.equal(spec.repos[0]!.priority, 1001);
    assert.equal(spec.image_data['/boot']!.format, 'ext2');
    assert.equal(spec.packages, undefined);
  });

  it('ignores unknown fields', () => {
    const spec = parseSpec(JSON.stringify({ ...exampleSpec(), flavour: 'x', repos: [{ ...exampleSpec().repos[0], extra: 1 }] }));
    assert.equal((spec as Record<string, unknown>).flavour, undefined);
  });

  it('defaults container to gzip, priority to null, section to flat', () => {
    const spec = parseSpec(
      JSON.stringify({
        ...exampleSpec(),
        image_data: { '/': { uri: 'http://x/a.img.gz', format: 'ext4' } },
        repos: [{ name: 'r', uri: 'http://x/r', suite: '/' }],
      }),
    );
    assert.equal(spec.image_data['/']!.container, 'gzip');
    assert.equal(spec.repos[0]!.priority, null);
    assert.equal(spec.repos[0]!.section, '');
  });

  const bad: Array<[string, (s: Record<string, any>) => unknown, RegExp]> = [
    ['missing "/"', (s) => ({ ...s, image_data: { '/boot': s.image_data['/boot'] } }), /image_data: .*root mount point/],
    ['relative mount point', (s) => ({ ...s, image_data: { ...s.image_data, boot2: s.image_data['/boot'] } }), /image_data\.boot2: mount point "boot2" must be absolute/],
    ['mount point with ..', (s) => ({ ...s, image_data: { ...s.image_data, '/a/../b': { uri: 'http://x/c.gz', format: 'ext4' } } }), /image_data\["\/a\/\.\.\/b"\]/],
    ['trailing slash mount point', (s) => ({ ...s, image_data: { ...s.image_data, '/var/': { uri: 'http://x/c.gz', format: 'ext4' } } }), /"\/var\/" must be normalised/],
    ['unknown format', (s) => ({ ...s, image_data: { ...s.image_data, '/': { ...s.image_data['/'], format: 'xfs' } } }), /image_data\["\/"\]\.format/],
    ['unknown container', (s) => ({ ...s, image_data: { ...s.image_data, '/': { ...s.image_data['/'], container: 'bzip2' } } }), /image_data\["\/"\]\.container/],
    ['uri ending in /', (s) => ({ ...s, image_data: { ...s.image_data, '/': { ...s.image_data['/'], uri: 'http://x/dir/' } } }), /image_data\["\/"\]\.uri/],
    ['uri basename ..', (s) => ({ ...s, image_data: { ...s.image_data, '/': { ...s.image_data['/'], uri: 'http://x/..' } } }), /image_data\["\/"\]\.uri/],
    ['uri basename with encoded slash', (s) => ({ ...s, image_data: { ...s.image_data, '/': { ...s.image_data['/'], uri: 'http://x/a%2F..%2Fb' } } }), /\.uri/],
    ['duplicate file names', (s) => ({ ...s, image_data: { ...s.image_data, '/boot': { ...s.image_data['/boot'], uri: s.image_data['/'].uri } } }), /also used by/],
    ['relative output', (s) => ({ ...s, output: 'out' }), /output: must be an absolute path/],
    ['no repos', (s) => ({ ...s, repos: [] }), /repos: at least one/],
    ['repo uri not a URL', (s) => ({ ...s, repos: [{ ...s.repos[0], uri: 'mirror.example/debian' }] }), /repos\[0\]\.uri/],
    ['suite with shell', (s) => ({ ...s, repos: [{ ...s.repos[0], suite: 'bookworm;reboot' }] }), /repos\[0\]\.suite/],
    ['section with $()', (s) => ({ ...s, repos: [{ ...s.repos[0], section: 'main $(id)' }] }), /repos\[0\]\.section/],
    ['priority as string', (s) => ({ ...s, repos: [{ ...s.repos[0], priority: '1001' }] }), /repos\[0\]\.priority/],
    ['codename with backtick', (s) => ({ ...s, codename: 'book`id`' }), /codename/],
    ['package with ;', (s) => ({ ...s, packages: ['vim', 'a;rm -rf /'] }), /packages\[1\]/],
    ['package upper case', (s) => ({ ...s, packages: ['Vim'] }), /packages\[0\]/],
    ['packages not a list', (s) => ({ ...s, packages: 'vim' }), /packages/],
    ['proxy with quote', (s) => ({ ...s, proxies: { protocols: { http: 'http://p:3128/";x' } } }), /proxies\.protocols\.http/],
    ['both passwords', (s) => ({ ...s, root_password: 'a', hashed_root_password: '$6$s$h' }), /root_password/],
    ['hash not crypt', (s) => ({ ...s, hashed_root_password: 'plain' }), /hashed_root_password/],
  ];
  for (const [name, mutate, field] of bad) it(`refuses ${name}`, () => rejects(mutate(exampleSpec()), field));

  it('refuses non-JSON, non-objects, deep nesting and huge input', () => {
    rejects('{not json', /not valid JSON/);
    rejects('[1,2]', /must be a JSON object/);
    rejects(`{"a":${'['.repeat(100)}${']'.repeat(100)}}`, /nested deeper/);
    rejects(JSON.stringify({ ...exampleSpec(), junk: 'x'.repeat(2 * 1024 * 1024) }), /larger than/);
  });

  it('names every missing required field', () => {
    rejects('{}', /image_data: is required.*output: is required.*repos: is required.*codename: is required/);
  });
});

describe('file names from uris', () => {
  it('takes the last path part and ignores query strings', () => {
    assert.equal(uriBasename('http://127.0.0.1:8080/targetimages/env_4.img.gz?x=1'), 'env_4.img.gz');
    assert.equal(uriBasename('file:///var/www/a.img'), 'a.img');
    assert.equal(uriBasename('http://host'), '');
  });
  it('names the metadata after the root image up to its first dot', () => {
    assert.equal(metadataFileName('http://x/env_4_ubuntu_1204_amd64.img.gz'), 'env_4_ubuntu_1204_amd64.yaml');
  });
});
