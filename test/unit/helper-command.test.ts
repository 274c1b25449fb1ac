import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_BASE_IMAGE, parseCliArgs } from '../../src/cli/parse-args.js';
import { FuelImageError } from '../../src/errors.js';
import { namesRegistry } from '../../src/helper/pull-image.js';

describe('fuel-image helper build|save|load', () => {
  it('parses each action', () => {
    assert.deepEqual(parseCliArgs(['helper', 'build']), { command: 'helper', action: 'build', baseImage: process.env.FUEL_IMAGE_BASE ?? DEFAULT_BASE_IMAGE, level: 'info', progress: 'auto' });
    assert.deepEqual(parseCliArgs(['helper', 'save', 'h.tar.gz', '--base-image', 'r.example:5000/b:1']), { command: 'helper', action: 'save', file: 'h.tar.gz', baseImage: 'r.example:5000/b:1', level: 'info', progress: 'auto' });
    assert.equal((parseCliArgs(['helper', 'load', 'h.tar', '-v']) as { level: string }).level, 'debug');
  });

  it('refuses a missing or extra argument as a usage error', () => {
    for (const argv of [['helper'], ['helper', 'save'], ['helper', 'load'], ['helper', 'build', 'x'], ['helper', 'save', 'a', 'b'], ['helper', 'push', 'x']]) {
      assert.throws(() => parseCliArgs(argv), (error: unknown) => error instanceof FuelImageError && error.code === 'USAGE', argv.join(' '));
    }
  });
});

describe('which base images are pulled when missing', () => {
  it('those whose name names a registry, as Docker reads references', () => {
    for (const ref of ['127.0.0.1:5000/fuel-image-base:trixie', 'localhost/base', 'localhost:5000/a/b:c', 'registry.example.org/fuel/base:trixie']) assert.equal(namesRegistry(ref), true, ref);
  });

  it('never a bare name, which would mean Docker Hub', () => {
    for (const ref of ['fuel-image-base:trixie', 'library/debian:bookworm', 'fuel/base', 'base@sha256:abc']) assert.equal(namesRegistry(ref), false, ref);
  });
});
