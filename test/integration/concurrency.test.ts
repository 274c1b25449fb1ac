import assert from 'node:assert/strict';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { useWorkDir } from '../helpers/temp-dir.js';
import YAML from 'yaml';
import { containersCreatedSince, labelledContainers, runCli } from '../helpers/engine.js';
import { e2fsck, gunzipTo, md5File } from '../helpers/image-tools.js';
import { lightSpec } from '../helpers/specs.js';

/** Checks an output directory the way the node agent would: metadata md5s and sizes, clean filesystems. */
async function verifyOutput(out: string, name = 'env_9_debian_12_amd64'): Promise<Record<string, any>> {
  const meta = YAML.parse(await readFile(path.join(out, `${name}.yaml`), 'utf8')) as Record<string, any>;
  for (const image of meta.images as Array<Record<string, any>>) {
    const file = path.join(out, image.container_name);
    assert.equal((await stat(file)).size, image.container_size);
    assert.equal(await md5File(file), image.container_md5);
    const raw = `${file}.raw`;
    await gunzipTo(file, raw);
    assert.equal(await md5File(raw), image.raw_md5);
    assert.equal((await e2fsck(raw)).exitCode, 0);
    await rm(raw);
  }
  return meta;
}

describe('builds side by side, and up-to-date builds', () => {
  const workDir = useWorkDir('conc');

  it('two builds into different outputs run at once and both verify', async () => {
    const [a, b] = [path.join(workDir(), 'a'), path.join(workDir(), 'b')];
    await Promise.all([mkdir(a), mkdir(b)]);
    const runs = await Promise.all([runCli([JSON.stringify(lightSpec(a))]), runCli([JSON.stringify(lightSpec(b, 'env_9_debian_12_amd64', ['ifupdown', 'less']))])]);
    for (const run of runs) assert.equal(run.exitCode, 0, run.stderr.slice(-2000));
    assert.deepEqual((await verifyOutput(a)).packages, ['ifupdown']);
    assert.deepEqual((await verifyOutput(b)).packages, ['ifupdown', 'less']);
    assert.deepEqual(await labelledContainers(), []);
  });

  it('two builds into the same output take turns and leave one consistent result', async () => {
    const out = path.join(workDir(), 'same');
    await mkdir(out);
    const runs = await Promise.all([
      runCli([JSON.stringify(lightSpec(out, 'env_9_debian_12_amd64', ['ifupdown']))]),
      runCli([JSON.stringify(lightSpec(out, 'env_9_debian_12_amd64', ['ifupdown', 'less']))]),
    ]);
    for (const run of runs) assert.equal(run.exitCode, 0, run.stderr.slice(-2000));
    assert.ok(runs.some((r) => /another build is writing to this output directory/.test(r.stderr)), 'one of them waited');
    const meta = await verifyOutput(out);
    assert.ok(meta.fuel_image.installed_packages.ifupdown);
    assert.equal(Boolean(meta.fuel_image.installed_packages.less), meta.packages.includes('less'), 'files and metadata come from the same build');
  });

  it('the same spec again is skipped in seconds; a changed package list or --force rebuilds', async () => {
    const out = path.join(workDir(), 'same');
    const meta = YAML.parse(await readFile(path.join(out, 'env_9_debian_12_amd64.yaml'), 'utf8')) as Record<string, any>;
    const spec = lightSpec(out, 'env_9_debian_12_amd64', meta.packages as string[]);
    const since = Math.floor(Date.now() / 1000) - 1;
    const again = await runCli([JSON.stringify(spec)]);
    assert.equal(again.exitCode, 0);
    assert.equal(again.result.outcome, 'up-to-date');
    assert.deepEqual(await containersCreatedSince(since, again.pid), [], 'no helper for an up-to-date build');

    const forced = await runCli([JSON.stringify(spec), '--force']);
    assert.equal(forced.result.outcome, 'success');
    const changed = await runCli([JSON.stringify({ ...spec, packages: [...spec.packages, 'bzip2'] })]);
    assert.equal(changed.exitCode, 0, changed.stderr.slice(-2000));
    assert.equal(changed.result.outcome, 'success');
    assert.ok((await verifyOutput(out)).fuel_image.installed_packages.bzip2);
  });
});
