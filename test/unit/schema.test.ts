import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FuelImageError } from '../../src/errors.js';
import { jsonErrorPosition, parseSpec } from '../../src/input/read-spec.js';
import { encodeUserinfo, metadataFileName, uriBasename } from '../../src/input/schema.js';
import { parseCliArgs, type BuildArgs } from '../../src/cli/parse-args.js';
import { planBuild } from '../../src/plan/plan-build.js';
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

describe('a spec that is not JSON: no spec text in the error', () => {
  const SECRET = 'hunter2-S3cret';
  /** The error parseSpec throws for `text`, checked to quote nothing of it. */
  function jsonError(text: string): FuelImageError {
    let caught: unknown;
    assert.throws(() => parseSpec(text), (error: unknown) => ((caught = error), true));
    assert.ok(caught instanceof FuelImageError, String(caught));
    assert.equal(caught.code, 'INVALID_SPEC');
    assert.match(caught.message, /^spec: not valid JSON( \(line \d+, column \d+\)| \(it ends too early\))?$/);
    // cli.ts logs String(cause): the SyntaxError, whose message quotes the text, is not kept.
    assert.equal(caught.cause, undefined);
    for (const shown of [caught.message, String(caught), JSON.stringify(caught.details), String(caught.stack)]) {
      assert.ok(!shown.includes(SECRET.slice(0, 4)), `spec text in ${shown}`);
      assert.ok(!shown.includes('root_pas'), `spec text in ${shown}`);
    }
    return caught;
  }

  it('gives the line and column of the offset JSON.parse names', () => {
    const text = `{\n  "codename": "bookworm",\n  "root_password": "${SECRET}" "y"\n}`;
    const error = jsonError(text);
    assert.equal(error.message, 'spec: not valid JSON (line 3, column 37)');
    assert.deepEqual(error.details, { line: 3, column: 37 });
    assert.equal(text.split('\n')[2]![36], '"', 'column 37 of line 3 is where the second string starts');
  });

  it('quotes nothing when JSON.parse quotes a snippet (and names no position)', () => {
    // V8: Unexpected token 'h', ..."assword": hunter2-S3cret}" is not valid JSON
    assert.equal(jsonError(`{"root_password": ${SECRET}}`).message, 'spec: not valid JSON');
    assert.equal(jsonError(`{"root_password": "${SECRET}"`).message, 'spec: not valid JSON (line 1, column 35)');
    jsonError(`{"root_password": "${SECRET}", }`);
    jsonError(`{"root_password": "${SECRET}"}}`);
    jsonError(`{"root_password": "${SECRET}\\q"}`);
    jsonError(`{"root_password": "hunt\u0001${SECRET}"}`);
    jsonError(`{"root_password": tru${SECRET}}`);
    assert.equal(jsonError(`{"root_password": "${SECRET}`).message, 'spec: not valid JSON (line 1, column 34)');
    assert.equal(jsonError(`{"root_password":`).message, 'spec: not valid JSON (it ends too early)');
  });

  it('reads only the position at the end of the message, never digits from the quoted snippet', () => {
    assert.deepEqual(jsonErrorPosition('ab\ncd\nef', 'Unexpected token in JSON at position 4'), { line: 2, column: 2 });
    assert.deepEqual(jsonErrorPosition('abc', 'Unexpected token in JSON at position 0'), { line: 1, column: 1 });
    assert.deepEqual(jsonErrorPosition('x', "Expected ',' in JSON at position 1234 (line 7 column 3)"), { line: 7, column: 3 });
    assert.equal(jsonErrorPosition('x', `Unexpected token 'a', "at position 9" is not valid JSON`), undefined);
    assert.equal(jsonErrorPosition('x', 'Unexpected end of JSON input'), undefined);
  });
});

describe('credentials in repo and proxy URIs', () => {
  it('are percent-encoded, so no tool splits the userinfo at a raw "@" in the password', () => {
    assert.equal(encodeUserinfo('http://u:p@ss@host/debian'), 'http://u:p%40ss@host/debian');
    assert.equal(encodeUserinfo('http://u@corp:p@ss:w@host:3128'), 'http://u%40corp:p%40ss%3Aw@host:3128');
    assert.equal(encodeUserinfo('HTTP://u:a"b@Host:80/x?y#z'), 'HTTP://u:a%22b@Host:80/x?y#z');
    assert.equal(encodeUserinfo("http://u:a'b`c@host/"), 'http://u:a%27b%60c@host/');
    assert.equal(encodeUserinfo('http://u:100%@host/'), 'http://u:100%25@host/');
    assert.equal(encodeUserinfo('http://:p@ss@host/'), 'http://:p%40ss@host/');
    assert.equal(encodeUserinfo('ftp://token@host'), 'ftp://token@host');
  });

  it('keeps what is already encoded, and everything after the userinfo as written', () => {
    for (const uri of ['http://u:p%40ss@host/x', 'http://u:p%2540ss@host/x', 'http://host/a@b/c', 'http://Host:8080/Debian/./x//', 'file:///srv/repo', 'http://127.0.0.1:8080/x?a=@'])
      assert.equal(encodeUserinfo(uri), uri);
    assert.equal(encodeUserinfo(encodeUserinfo('http://u:p@s@s@host/x')), 'http://u:p%40s%40s@host/x');
  });

  it('decode to the same credentials', () => {
    const url = new URL(encodeUserinfo('http://us@r:p@ss:w%rd@host/x'));
    assert.equal(decodeURIComponent(url.username), 'us@r');
    assert.equal(decodeURIComponent(url.password), 'p@ss:w%rd');
    assert.equal(url.host, 'host');
  });

  it('are encoded in the parsed spec: every repo uri and proxy', () => {
    const spec = parseSpec(
      JSON.stringify(
        exampleSpec({
          repos: [{ ...exampleSpec().repos[0], uri: 'http://fuel:p@ss@mirror.example/debian' }],
          proxies: { protocols: { http: 'http://u:pr@xy@127.0.0.1:3128', https: 'http://u:pr%40xy@127.0.0.1:3129' } },
        }),
      ),
    );
    assert.equal(spec.repos[0]!.uri, 'http://fuel:p%40ss@mirror.example/debian');
    assert.deepEqual(spec.proxies?.protocols, { http: 'http://u:pr%40xy@127.0.0.1:3128', https: 'http://u:pr%40xy@127.0.0.1:3129' });
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

describe('a spec argument that is neither JSON nor a file', () => {
  it('is refused without quoting it back (it may be a mangled spec holding a password)', async () => {
    const { readSpecText } = await import('../../src/input/read-spec.js');
    const mangled = '"codename": "bookworm", "root_password": "s3cret-pw"}';
    const error = await readSpecText(mangled).then(
      () => assert.fail('expected a usage error'),
      (e: unknown) => e as FuelImageError,
    );
    assert.equal(error.code, 'USAGE');
    assert.doesNotMatch(`${error.message} ${String(error.cause ?? '')}`, /s3cret-pw/);
    const missing = await readSpecText('/no/such/spec.json').catch((e: unknown) => e as FuelImageError);
    assert.match((missing as FuelImageError).message, /\/no\/such\/spec\.json.*no such file/);
  });
});

describe('--gzip-level', () => {
  it('is 4 by default, any of 1 to 9 when given, and reaches the plan', () => {
    assert.equal((parseCliArgs(['spec.json']) as BuildArgs).gzipLevel, 4);
    assert.equal((parseCliArgs(['spec.json', '--gzip-level', '9']) as BuildArgs).gzipLevel, 9);
    assert.equal((parseCliArgs(['spec.json', '--gzip-level=1']) as BuildArgs).gzipLevel, 1);
    assert.equal(planBuild(parseSpec(JSON.stringify(exampleSpec())), { gzipLevel: 9 }).gzipLevel, 9);
    assert.equal(planBuild(parseSpec(JSON.stringify(exampleSpec()))).gzipLevel, 4);
  });

  it('refuses anything else, naming the option', () => {
    for (const bad of ['0', '10', 'fast', '4.5', '']) {
      assert.throws(
        () => parseCliArgs(['spec.json', `--gzip-level=${bad}`]),
        (error: unknown) => error instanceof FuelImageError && error.code === 'USAGE' && /^--gzip-level: expected a whole number from 1 to 9/.test(error.message),
      );
    }
  });
});
