import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { parseInstalled, parseOs } from '../../src/stages/inspect-target.js';
import { planBuild } from '../../src/plan/plan-build.js';
import { renderMetadata } from '../../src/output/metadata.js';
import { parseSpec } from '../../src/input/read-spec.js';
import { blueprintSpec } from '../helpers/specs.js';

const tree = { sshd: true, grubInstall: true, grubMkconfig: true, ifupdown: true };

describe('metadata', () => {
  it('has exactly the contract keys for os, packages, repos and images', () => {
    const plan = planBuild(parseSpec(JSON.stringify(blueprintSpec())));
    const packed = plan.images.map((image, i) => ({ image, rawSize: 100 + i, rawMd5: 'a'.repeat(32), containerSize: 50 + i, containerMd5: 'b'.repeat(32) }));
    const doc = YAML.parse(
      renderMetadata(plan, { os: { name: 'Ubuntu', major: 12, minor: 4 }, installed: { bash: '4.2' }, tree }, packed, {
        warnings: [], version: '0', helperImage: 'h', buildKey: 'x', durationSeconds: 1, builtAt: 'now',
      }),
    );
    assert.deepEqual(doc.os, { name: 'Ubuntu', major: 12, minor: 4 });
    assert.deepEqual(doc.repos, [{ type: 'deb', name: 'MOS', uri: 'http://127.0.0.1:8080/2014.2-6.1/ubuntu/x86_64', suite: 'precise', section: 'main', priority: 1001, meta: null }]);
    assert.ok(doc.packages.includes('linux-image-generic'));
    assert.deepEqual(Object.keys(doc.images[0]).sort(), ['container', 'container_md5', 'container_name', 'container_size', 'format', 'raw_md5', 'raw_name', 'raw_size']);
    assert.equal(doc.images[0].container_name, 'env_4_ubuntu_1204_amd64.img.gz');
    assert.equal(doc.images[1].container_name, 'env_4_ubuntu_1204_amd64-boot.img.gz');
    assert.equal(doc.images[1].format, 'ext2');
  });

  it('records pigz\u2019s level under fuel_image, null when no image is gzip', () => {
    const render = (spec: Record<string, any>, gzipLevel: number) => {
      const plan = planBuild(parseSpec(JSON.stringify(spec)), { gzipLevel });
      const packed = plan.images.map((image) => ({ image, rawSize: 1, rawMd5: 'a'.repeat(32), containerSize: 1, containerMd5: 'b'.repeat(32) }));
      return YAML.parse(renderMetadata(plan, { os: { name: 'Ubuntu', major: 12, minor: 4 }, installed: {}, tree }, packed, { warnings: [], version: '0', helperImage: 'h', buildKey: 'x', durationSeconds: 1, builtAt: 'now' })).fuel_image;
    };
    assert.equal(render(blueprintSpec(), 7).gzip_level, 7);
    const raw = blueprintSpec();
    raw.image_data = { '/': { uri: 'http://127.0.0.1:8080/targetimages/raw.img', format: 'ext4', container: 'raw' } };
    assert.equal(render(raw, 7).gzip_level, null);
  });

  it('keeps md5s that look like numbers as strings', () => {
    const plan = planBuild(parseSpec(JSON.stringify(blueprintSpec())));
    const packed = plan.images.map((image) => ({ image, rawSize: 1, rawMd5: '0'.repeat(32), containerSize: 1, containerMd5: '1234e5678901234567890123456789012'.slice(0, 32) }));
    const doc = YAML.parse(renderMetadata(plan, { os: { name: 'Ubuntu', major: 12, minor: 4 }, installed: {}, tree }, packed, { warnings: [], version: '0', helperImage: 'h', buildKey: 'x', durationSeconds: 1, builtAt: 'now' }));
    assert.equal(doc.images[0].raw_md5, '0'.repeat(32));
    assert.equal(typeof doc.images[0].container_md5, 'string');
  });

  it('writes repo uris without their credentials', () => {
    const spec = blueprintSpec();
    spec.repos = [
      { ...spec.repos[0], uri: 'http://mos:p@ss%40w:rd@127.0.0.1:8080/ubuntu/x86_64', meta: { mirror: 'http://u:m1rr0r@m/x', n: 1 } },
      { ...spec.repos[0], name: 'quoted', uri: `http://u:q"uo'te@127.0.0.1:8080/q` },
      { ...spec.repos[0], name: 'plain', uri: 'http://127.0.0.1:8080/plain' },
    ];
    const plan = planBuild(parseSpec(JSON.stringify(spec)));
    const packed = plan.images.map((image) => ({ image, rawSize: 1, rawMd5: 'a'.repeat(32), containerSize: 1, containerMd5: 'b'.repeat(32) }));
    const text = renderMetadata(plan, { os: { name: 'Ubuntu', major: 12, minor: 4 }, installed: {}, tree }, packed, { warnings: [], version: '0', helperImage: 'h', buildKey: 'x', durationSeconds: 1, builtAt: 'now' });
    const doc = YAML.parse(text);
    assert.deepEqual(
      doc.repos.map((r: { uri: string }) => r.uri),
      ['http://***@127.0.0.1:8080/ubuntu/x86_64', 'http://***@127.0.0.1:8080/q', 'http://127.0.0.1:8080/plain'],
    );
    assert.deepEqual(doc.repos[0].meta, { mirror: 'http://***@m/x', n: 1 });
    for (const secret of ['mos', 'p@ss', 'w:rd', 'q"uo', 'm1rr0r']) assert.ok(!text.includes(secret), `${secret} in the metadata`);
  });

  it('reads the os entry Fuel expects from os-release', () => {
    assert.deepEqual(parseOs('NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="14.04"\n', 'jessie/sid'), { name: 'Ubuntu', major: 14, minor: 4 });
    assert.deepEqual(parseOs('ID=debian\nVERSION_ID="12"\n', '12.10\n'), { name: 'Debian', major: 12, minor: 10 });
  });

  it('keeps only installed packages from dpkg-query', () => {
    assert.deepEqual(parseInstalled('bash\t5.2\tinstall ok installed\nfoo\t1\tdeinstall ok config-files\n'), { bash: '5.2' });
  });
});
