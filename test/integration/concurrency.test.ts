import assert from 'node:assert/strict';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { useWorkDir } from '../helpers/temp-dir.js';
import YAML from 'yaml';
import { containersCreatedSince, labelledContainers, runCli } from '../helpers/engine.js';
import { debugfs, e2fsck, gunzipTo, md5File } from '../helpers/image-tools.js';
import { logHas, startCli, waitFor } from '../helpers/processes.js';
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

  it('two builds into different outputs run at once and both verify; root passwords are set and never logged', async () => {
    const [a, b] = [path.join(workDir(), 'a'), path.join(workDir(), 'b')];
    await Promise.all([mkdir(a), mkdir(b)]);
    const hash = '$6$fuelsalt$4X9o8bq6mN2o1eH0bJ0Yk7m2zQvJ9yS6iQ3kR8lZ1pC5hT0wE7uD3aF2gB4nM6vL9xK1cY8jP5sW0qR2tU4iO.';
    const logs = [path.join(workDir(), 'a.log'), path.join(workDir(), 'b.log')];
    const runs = await Promise.all([
      runCli([JSON.stringify({ ...lightSpec(a), root_password: 'Sup3r-secret-pw' }), '--log-file', logs[0]!, '-v']),
      runCli([JSON.stringify({ ...lightSpec(b, 'env_9_debian_12_amd64', ['ifupdown', 'less']), hashed_root_password: hash }), '--log-file', logs[1]!, '-v']),
    ]);
    for (const run of runs) assert.equal(run.exitCode, 0, run.stderr.slice(-2000));
    assert.deepEqual((await verifyOutput(a)).packages, ['ifupdown']);
    assert.deepEqual((await verifyOutput(b)).packages, ['ifupdown', 'less']);
    assert.deepEqual(await labelledContainers(), []);

    const shadowRoot = async (out: string) => {
      const raw = path.join(out, 'root.raw');
      await gunzipTo(path.join(out, 'env_9_debian_12_amd64.img.gz'), raw);
      const line = (await debugfs(raw, 'cat /etc/shadow')).split('\n').find((l) => l.startsWith('root:'));
      await rm(raw);
      return line?.split(':')[1];
    };
    assert.match((await shadowRoot(a)) ?? '', /^\$(y|6|5|1)\$/, 'a crypt hash of the password');
    assert.equal(await shadowRoot(b), hash);
    for (const [i, run] of runs.entries()) {
      const everything = run.stdout + run.stderr + (await readFile(logs[i]!, 'utf8'));
      assert.doesNotMatch(everything, /Sup3r-secret-pw/);
      assert.ok(!everything.includes(hash), 'the hash is not logged either');
    }
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

  it('the same spec again is skipped in seconds; a changed package list or --force starts a rebuild', async () => {
    const out = path.join(workDir(), 'same');
    const meta = YAML.parse(await readFile(path.join(out, 'env_9_debian_12_amd64.yaml'), 'utf8')) as Record<string, any>;
    const spec = lightSpec(out, 'env_9_debian_12_amd64', meta.packages as string[]);
    const since = Math.floor(Date.now() / 1000) - 1;
    const again = await runCli([JSON.stringify(spec)]);
    assert.equal(again.exitCode, 0);
    assert.equal(again.result.outcome, 'up-to-date');
    assert.deepEqual(await containersCreatedSince(since, again.pid), [], 'no helper for an up-to-date build');

    // Each rebuild is seen deciding to build, then stopped: a stopped build leaves the earlier output as it was.
    const decision = async (name: string, args: string[], reason: RegExp) => {
      const log = path.join(workDir(), `${name}.log`);
      const child = startCli([...args, '--log-file', log]);
      await waitFor(`${name} to start building`, logHas(log, (l) => l.stage === 'bootstrap'), 120_000);
      child.kill('SIGTERM');
      const run = await child;
      assert.equal(run.exitCode, 143, run.stderr.slice(-2000));
      const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string });
      assert.ok(lines.some((l) => reason.test(l.msg)), `${name}: ${lines.map((l) => l.msg).join('\n')}`);
    };
    await decision('forced', [JSON.stringify(spec), '--force'], /^starting helper container/);
    await decision('changed', [JSON.stringify({ ...spec, packages: [...spec.packages, 'bzip2'] })], /^building: the spec, options or fuel-image version changed/);
    assert.deepEqual(await verifyOutput(out), meta, 'the earlier output is intact');
  });
});
