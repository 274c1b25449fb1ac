import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCliArgs } from '../../src/cli/parse-args.js';
import { parseListen, servedName } from '../../src/cli/serve-images.js';
import { FuelImageError } from '../../src/errors.js';

const usage = (error: unknown) => error instanceof FuelImageError && error.code === 'USAGE';

describe('fuel-image serve', () => {
  it('serves files directly in the directory under the prefix', () => {
    assert.equal(servedName('/targetimages/env_1.img.gz', '/targetimages/'), 'env_1.img.gz');
    assert.equal(servedName('/targetimages/env%201.yaml', '/targetimages/'), 'env 1.yaml');
    assert.equal(servedName('/env_1.img.gz', '/'), 'env_1.img.gz');
  });

  it('never a path outside it, a dotfile (lock, staging) or another prefix', () => {
    for (const url of ['/targetimages/', '/targetimages/../etc/passwd', '/targetimages/%2e%2e%2fetc', '/targetimages/a/b', '/targetimages/.fuel-image.lock', '/targetimages/%2Efuel-image-tmp-x', '/other/env.img.gz', '/targetimages/%E0%A4%A', '/targetimages/a%00b']) {
      assert.equal(servedName(url, '/targetimages/'), undefined, url);
    }
  });

  it('parses --listen and the defaults: 127.0.0.1:8080 at /targetimages/, as a master serves them', () => {
    assert.deepEqual(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseListen('[::1]:81'), { host: '::1', port: 81 });
    for (const bad of ['8080', '127.0.0.1:', '127.0.0.1:70000', 'x:0']) assert.throws(() => parseListen(bad), usage, bad);
    assert.deepEqual(parseCliArgs(['serve', 'out']), { command: 'serve', directory: 'out', listen: '127.0.0.1:8080', prefix: '/targetimages/', level: 'info', progress: 'auto' });
    assert.equal((parseCliArgs(['serve', 'out', '--prefix', 'images']) as { prefix: string }).prefix, '/images/');
    assert.equal((parseCliArgs(['serve', 'out', '--prefix', '/']) as { prefix: string }).prefix, '/');
    assert.throws(() => parseCliArgs(['serve']), usage);
  });
});

describe('fuel-image --example', () => {
  it('builds the bundled example, with --mirror if given', () => {
    assert.deepEqual((parseCliArgs(['--example', '-o', 'out']) as { spec: unknown }).spec, { example: true, mirror: undefined });
    assert.deepEqual((parseCliArgs(['build', '--example', '--mirror', 'http://m.example/debian']) as { spec: unknown }).spec, { example: true, mirror: 'http://m.example/debian' });
  });

  it('refuses a spec beside it', () => {
    assert.throws(() => parseCliArgs(['--example', 'spec.json']), usage);
  });
});
