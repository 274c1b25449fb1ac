import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { printExample } from '../../src/cli/print-example.js';
import { parseCliArgs } from '../../src/cli/parse-args.js';
import { FuelImageError } from '../../src/errors.js';
import { fillExampleSpec, MIRROR_PLACEHOLDER, readExampleTemplate } from '../../src/input/example-spec.js';
import { findDebianMirror, hostDebianCodename, parseDeb822Sources, parseOneLineSources, pickDebianMirror } from '../../src/input/host-mirror.js';
import { parseSpec } from '../../src/input/read-spec.js';

// Made-up hosts only: no real package registry is named in fixtures.
const DEB822 = `Types: deb
# a comment between fields, as the host's own files have
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# the security archive
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

const DISABLED_FIRST = `# Types: deb
Enabled: no
Types: deb deb-src
URIs: http://disabled.example/debian
Suites: bookworm
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://127.0.0.1:3142/debian
 http://second.example/debian
Suites: bookworm
Components: main contrib
`;

const ONE_LINE = `# deb http://commented.example/debian bookworm main
deb-src http://src.example/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian/ bookworm main # trailing comment
deb [ trusted=yes ] http://local.example/debian-security bookworm-security main
  deb http://indented.example/debian bookworm-updates main
`;

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A fake root with the given files under etc/. */
function fakeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'fuel-image-mirror-'));
  roots.push(root);
  mkdirSync(path.join(root, 'etc/apt/sources.list.d'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, 'etc', name), text);
  return root;
}

const DEBIAN_OS = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n';

describe('host mirror: parsing apt sources', () => {
  it('reads every deb822 stanza, with comments between fields', () => {
    assert.deepEqual(parseDeb822Sources(DEB822, 'f.sources'), [
      { uri: 'http://mirror.example/debian/', suites: ['bookworm', 'bookworm-updates'], file: 'f.sources' },
      { uri: 'http://mirror.example/debian-security', suites: ['bookworm-security'], file: 'f.sources' },
    ]);
  });

  it('skips Enabled: no and deb-src-only stanzas and reads continued URIs', () => {
    assert.deepEqual(
      parseDeb822Sources(DISABLED_FIRST).map((s) => s.uri),
      ['http://127.0.0.1:3142/debian', 'http://second.example/debian'],
    );
  });

  it('reads one-line sources with [options], comments and indentation; no deb-src', () => {
    assert.deepEqual(
      parseOneLineSources(ONE_LINE).map((s) => [s.uri, s.suites.join()]),
      [
        ['http://mirror.example/debian/', 'bookworm'],
        ['http://local.example/debian-security', 'bookworm-security'],
        ['http://indented.example/debian', 'bookworm-updates'],
      ],
    );
  });

  it('skips security archives by suite ("-security", "/updates") and by URI path', () => {
    const pick = (uri: string, suites: string[]) => pickDebianMirror([{ uri, suites, file: '' }])?.uri;
    assert.equal(pick('http://a.example/debian', ['bookworm-security']), undefined);
    assert.equal(pick('http://a.example/debian', ['buster/updates']), undefined);
    assert.equal(pick('http://a.example/debian-security/', ['bookworm']), undefined);
    assert.equal(pick('http://a.example/debian', ['bookworm-security', 'bookworm-updates']), 'http://a.example/debian');
  });

  it('skips third-party repos, other distributions and unusable schemes', () => {
    const sources = [
      { uri: 'https://vendor.example/node_20.x', suites: ['nodistro'], file: '' },
      { uri: 'https://vendor.example/apt', suites: ['cloud-sdk-bookworm'], file: '' },
      { uri: 'cdrom:[Debian', suites: ['bookworm'], file: '' },
      { uri: 'file:/srv/debian', suites: ['bookworm'], file: '' },
      { uri: 'http://other.example/ubuntu', suites: ['jammy'], file: '' },
      { uri: 'http://mirror.example/debian', suites: ['stable'], file: '' },
    ];
    assert.equal(pickDebianMirror(sources)?.uri, 'http://mirror.example/debian');
    assert.equal(pickDebianMirror(sources.slice(0, 5)), undefined);
  });

  it("prefers a mirror serving the host's codename, which may be newer than the known list", () => {
    const sources = [
      { uri: 'http://old.example/debian', suites: ['bullseye'], file: '' },
      { uri: 'http://new.example/debian', suites: ['newname', 'newname-updates'], file: '' },
    ];
    assert.equal(pickDebianMirror(sources, 'newname')?.uri, 'http://new.example/debian');
    assert.equal(pickDebianMirror(sources)?.uri, 'http://old.example/debian');
    assert.equal(hostDebianCodename(DEBIAN_OS), 'bookworm');
    assert.equal(hostDebianCodename('ID=ubuntu\nVERSION_CODENAME=jammy\nID_LIKE=debian\n'), undefined);
  });
});

describe('host mirror: lookup order', () => {
  it('takes the first suitable deb822 entry, files sorted by name, without trailing slash', () => {
    const root = fakeRoot({
      'os-release': DEBIAN_OS,
      'apt/sources.list.d/b.sources': DEB822,
      'apt/sources.list.d/a.sources': DISABLED_FIRST,
      'apt/sources.list': 'deb http://one-line.example/debian bookworm main\n',
    });
    assert.equal(findDebianMirror({ env: {}, root }), 'http://127.0.0.1:3142/debian');
  });

  it('falls back to sources.list, then sources.list.d/*.list, when no .sources file has a Debian mirror', () => {
    const vendor = 'Types: deb\nURIs: https://vendor.example/node_20.x\nSuites: nodistro\nComponents: main\n';
    const root = fakeRoot({ 'apt/sources.list.d/vendor.sources': vendor, 'apt/sources.list': ONE_LINE });
    assert.equal(findDebianMirror({ env: {}, root }), 'http://mirror.example/debian');
    const listOnly = fakeRoot({ 'apt/sources.list.d/local.list': 'deb [signed-by=/k.gpg] http://127.0.0.1:3142/debian/ bookworm main\n' });
    assert.equal(findDebianMirror({ env: {}, root: listOnly }), 'http://127.0.0.1:3142/debian');
  });

  it('FUEL_IMAGE_MIRROR wins over the host files', () => {
    const root = fakeRoot({ 'apt/sources.list.d/b.sources': DEB822 });
    assert.equal(findDebianMirror({ env: { FUEL_IMAGE_MIRROR: ' http://env.example/debian/ ' }, root }), 'http://env.example/debian');
    assert.equal(findDebianMirror({ env: { FUEL_IMAGE_MIRROR: '' }, root }), 'http://mirror.example/debian');
    assert.throws(() => findDebianMirror({ env: { FUEL_IMAGE_MIRROR: 'not a url' }, root }), /FUEL_IMAGE_MIRROR: "not a url" is not/);
  });

  it('fails with a USAGE error naming FUEL_IMAGE_MIRROR when nothing suitable is found', () => {
    for (const root of [
      fakeRoot({}),
      fakeRoot({ 'apt/sources.list.d/b.sources': DEB822.split('\n\n')[1]!, 'apt/sources.list': '# deb http://x.example/debian bookworm main\n' }),
      fakeRoot({ 'os-release': 'ID=ubuntu\nVERSION_CODENAME=jammy\n', 'apt/sources.list': 'deb http://other.example/ubuntu jammy main\n' }),
    ]) {
      assert.throws(
        () => findDebianMirror({ env: {}, root }),
        (error: unknown) => {
          assert.ok(error instanceof FuelImageError, String(error));
          assert.equal(error.code, 'USAGE');
          assert.match(error.message, /no Debian mirror found.*set FUEL_IMAGE_MIRROR/);
          return true;
        },
      );
    }
    const nowhere = path.join(tmpdir(), 'fuel-image-no-such-root');
    assert.throws(() => findDebianMirror({ env: {}, root: nowhere }), /set FUEL_IMAGE_MIRROR/);
  });
});

describe('example spec template', () => {
  it('has the placeholder, and filled it is a valid spec with that mirror', () => {
    const template = readExampleTemplate();
    assert.ok(template.includes(JSON.stringify(MIRROR_PLACEHOLDER)));
    const spec = parseSpec(fillExampleSpec(template, 'http://mirror.example/debian'));
    assert.equal(spec.repos[0]!.uri, 'http://mirror.example/debian');
    assert.equal(spec.codename, 'bookworm');
    assert.throws(() => fillExampleSpec('{"repos": []}', 'http://mirror.example/debian'), /no "\$\{FUEL_IMAGE_MIRROR\}"/);
  });

  it('`fuel-image example` fills --mirror, else the lookup; `fuel-image mirror` prints the lookup', () => {
    const root = fakeRoot({ 'apt/sources.list.d/b.sources': DEB822 });
    const example = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
      JSON.parse(printExample(parseCliArgs(argv) as Parameters<typeof printExample>[0], { env, root })) as Record<string, any>;
    assert.equal(example(['example']).repos[0].uri, 'http://mirror.example/debian');
    assert.equal(example(['example'], { FUEL_IMAGE_MIRROR: 'http://env.example/debian' }).repos[0].uri, 'http://env.example/debian');
    assert.equal(example(['example', '--mirror', 'http://flag.example/debian/']).repos[0].uri, 'http://flag.example/debian');
    assert.equal(printExample({ command: 'mirror' }, { env: {}, root }), 'http://mirror.example/debian\n');
    assert.throws(() => parseCliArgs(['example', 'extra']), /takes no arguments/);
  });
});
