import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planBuild } from '../../src/plan/plan-build.js';
import { extractionOrder, isInside, sortMounts } from '../../src/plan/mount-order.js';
import { parseSpec } from '../../src/input/read-spec.js';
import { unitSpec as exampleSpec } from '../helpers/specs.js';

describe('mount-point split', () => {
  it('knows what is inside what', () => {
    assert.ok(isInside('/boot', '/'));
    assert.ok(isInside('/var/log', '/var'));
    assert.ok(!isInside('/variable', '/var'));
    assert.ok(!isInside('/var', '/var'));
    assert.ok(!isInside('/', '/'));
  });

  it('moves the deepest subtree out first and never moves "/"', () => {
    assert.deepEqual(extractionOrder(['/', '/var', '/var/log', '/boot']), ['/var/log', '/var', '/boot']);
    assert.deepEqual(extractionOrder(['/']), []);
    assert.deepEqual(sortMounts(['/b', '/a', '/']), ['/', '/a', '/b']);
  });

  it('plans one image per mount point with helper paths that no spec value names', () => {
    const plan = planBuild(
      parseSpec(
        JSON.stringify(
          exampleSpec({
            image_data: {
              '/': { uri: 'http://x/root.img.gz', format: 'ext4' },
              '/boot': { uri: 'http://x/boot.img.gz' },
              '/var': { uri: 'http://x/var.img', container: 'raw' },
            },
          }),
        ),
      ),
    );
    assert.deepEqual(plan.images.map((i) => [i.mountPoint, i.index, i.sourceDir, i.format, i.containerPath]), [
      ['/', 0, '/target', 'ext4', '/work/0.img.gz'],
      ['/boot', 1, '/parts/1', 'ext2', '/work/1.img.gz'],
      ['/var', 2, '/parts/2', 'ext4', '/work/2.img'],
    ]);
    assert.deepEqual(plan.extraction.map((i) => i.mountPoint), ['/var', '/boot']);
    assert.equal(plan.metadataName, 'root.yaml');
    assert.equal(plan.images[1]!.rawName, 'boot.img');
    assert.equal(plan.images[2]!.rawName, 'var.img');
  });
});
