import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCliArgs } from '../../src/cli/parse-args.js';
import { formatHostPaths, listHostPaths } from '../../src/cli/list-host-paths.js';
import { shippedArchivePath, SHIPPED_ARCHIVE_NAME } from '../../src/helper/shipped-images.js';

const list = (argv: string[], specOutput?: string) => formatHostPaths(listHostPaths(parseCliArgs(argv), '/srv/work', specOutput));

describe('host paths the builder image needs mounted', () => {
  it('build: the spec file and keyring read-only, the output and the log file directory writable', () => {
    assert.equal(
      list(['spec.json', '--keyring', '/etc/keys/ubuntu.gpg', '--log-file', 'logs/build.log'], '/var/www/nailgun/targetimages'),
      'ro\t/srv/work/spec.json\nrw\t/var/www/nailgun/targetimages\nro\t/etc/keys/ubuntu.gpg\nrw\t/srv/work/logs\n',
    );
  });

  it('build: --output wins over the spec; JSON text and stdin are no paths', () => {
    assert.equal(list(['{"output": "/a"}', '--output', 'out'], '/a'), 'rw\t/srv/work/out\n');
    assert.equal(list(['  {"x": 1}']), '');
    assert.equal(list(['-'], '/from/stdin'), 'rw\t/from/stdin\n');
    assert.equal(list(['--example'], '/var/www/nailgun/targetimages'), 'rw\t/var/www/nailgun/targetimages\n');
  });

  it('a spec that could not be read mounts no output (the real run reports it)', () => {
    assert.equal(list(['missing.json']), 'ro\t/srv/work/missing.json\n');
  });

  it('verify reads a directory, or a metadata file with the images beside it', () => {
    assert.equal(list(['verify', '/out']), 'ro\t/out\n');
    assert.equal(list(['verify', '/out/env_1.yaml', '--log-file', '/tmp/v.log']), 'ro\t/out\nrw\t/tmp\n');
  });

  it('gc, helper save/load and serve', () => {
    assert.equal(list(['gc', '/out1', 'out2']), 'rw\t/out1\nrw\t/srv/work/out2\n');
    assert.equal(list(['helper', 'save', 'archives/helper.tar.gz']), 'rw\t/srv/work/archives\n');
    assert.equal(list(['helper', 'load', '/media/helper.tar']), 'ro\t/media/helper.tar\n');
    assert.equal(list(['helper', 'build']), '');
    assert.equal(list(['serve', '/var/www/nailgun/targetimages']), 'ro\t/var/www/nailgun/targetimages\n');
    assert.equal(list(['--version']), '');
  });
});

describe('the shipped image archive', () => {
  it('is beside images/ unless FUEL_IMAGE_IMAGE_ARCHIVE names it', () => {
    assert.ok(shippedArchivePath({}).endsWith(`/${SHIPPED_ARCHIVE_NAME}`));
    assert.equal(shippedArchivePath({ FUEL_IMAGE_IMAGE_ARCHIVE: '/usr/lib/fuel-image/x.tar.gz' }), '/usr/lib/fuel-image/x.tar.gz');
  });
});
