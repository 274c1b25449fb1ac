import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { containersCreatedSince, ensureBaseImage, labelledContainers, runCli } from '../helpers/engine.js';
import { lightSpec } from '../helpers/specs.js';

/* Small tmpfs mounts (no loop device) stand in for a read-only or full disk. */
describe('output directory read-only or full', () => {
  let dir: string;
  const mounts: string[] = [];
  before(async () => {
    await ensureBaseImage();
    dir = await mkdtemp(path.join(tmpdir(), 'fuel-image-disk-'));
  });
  after(async () => {
    for (const mount of mounts) await execa('umount', [mount], { reject: false });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function tmpfs(name: string, size: string, earlier: string): Promise<string> {
    const mount = path.join(dir, name);
    await mkdir(mount);
    await execa('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount]);
    mounts.push(mount);
    await writeFile(path.join(mount, 'env_9_debian_12_amd64.img.gz'), earlier);
    return mount;
  }

  it('a read-only output fails before any container exists, earlier files intact', async () => {
    const out = await tmpfs('ro', '10m', 'earlier root image');
    await execa('mount', ['-o', 'remount,ro', out]);
    const since = Math.floor(Date.now() / 1000) - 1;
    const run = await runCli([JSON.stringify(lightSpec(out))]);
    assert.equal(run.exitCode, 1);
    assert.equal(run.result.code, 'OUTPUT');
    assert.match(run.result.message, new RegExp(`${out}.*not writable`));
    assert.deepEqual(await containersCreatedSince(since, run.pid), []);
    assert.equal(await readFile(path.join(out, 'env_9_debian_12_amd64.img.gz'), 'utf8'), 'earlier root image');
  });

  it('a full output fails while streaming out: clear error, nothing half-written, earlier files intact', async () => {
    const out = await tmpfs('full', '20m', 'earlier root image');
    const run = await runCli([JSON.stringify(lightSpec(out))]);
    assert.equal(run.exitCode, 1, run.stderr.slice(-2000));
    assert.equal(run.result.code, 'OUTPUT');
    assert.match(run.result.message, /no space left/);
    assert.deepEqual(await readdir(out), ['env_9_debian_12_amd64.img.gz']);
    assert.equal(await readFile(path.join(out, 'env_9_debian_12_amd64.img.gz'), 'utf8'), 'earlier root image');
    assert.deepEqual(await labelledContainers(), []);
  });
});
