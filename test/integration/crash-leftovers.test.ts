import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { useWorkDir } from '../helpers/temp-dir.js';
import { docker, labelledContainers, runCli } from '../helpers/engine.js';
import { buildLabels, HELPER_ROLE } from '../../src/helper/labels.js';
import { logHas, startCli, waitFor } from '../helpers/processes.js';
import { startSocketRelay } from '../helpers/socket-relay.js';
import { lightSpec } from '../helpers/specs.js';

/*
 * What no cleanup code can handle: the builder SIGKILLed, or the engine
 * connection lost. The helper stops and removes itself (its first process
 * watches the builder's attach connection); `fuel-image gc` removes any other
 * leftover, and a new build neither trips over them nor over the dead
 * build's lock and staging files.
 */
describe('leftovers of crashed builds', () => {
  const workDir = useWorkDir('crash');

  it('a lost engine connection fails with a clear error; the helper removes itself', async () => {
    const out = path.join(workDir(), 'lost');
    await mkdir(out);
    const socket = path.join(workDir(), 'engine.sock');
    const relay = await startSocketRelay(socket);
    const log = path.join(workDir(), 'lost.log');
    const child = startCli([JSON.stringify(lightSpec(out)), '--log-file', log], { DOCKER_HOST: `unix://${socket}` });
    await waitFor('bootstrap', logHas(log, (l) => l.step === 'bootstrap-download'), 60_000);
    await relay.cut();
    const run = await child;
    assert.equal(run.exitCode, 1, run.stderr.slice(-2000));
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, string>;
    assert.equal(result.code, 'ENGINE_UNREACHABLE');
    assert.match(String(result.message), /Docker engine/);
    // The builder could not remove it (no engine): its closed attach connection did.
    await waitFor('the helper to remove itself', async () => (await labelledContainers()).length === 0, 60_000, 500);

    const gc = await runCli(['gc', out]);
    assert.equal(gc.exitCode, 0, gc.stderr);
    assert.deepEqual(gc.result.removed_containers, []);
    assert.deepEqual(await readdir(out), []);
  });

  it('after a SIGKILL the helper removes itself; gc and a new build sweep other leftovers', async () => {
    const out = path.join(workDir(), 'killed');
    await mkdir(out);
    const log = path.join(workDir(), 'killed.log');
    const child = startCli([JSON.stringify(lightSpec(out)), '--log-file', log]);
    await waitFor('package install', logHas(log, (l) => l.step === 'install-packages'), 120_000);
    assert.equal((await labelledContainers()).length, 1);
    child.kill('SIGKILL');
    await child;
    await waitFor('the helper to remove itself', async () => (await labelledContainers()).length === 0, 60_000, 500);
    // A stopped helper the engine did not remove (an older version's, or a failed auto-removal).
    await stoppedHelper();
    // A staging directory as a build killed while streaming would leave it.
    await writeFile(path.join(out, 'env_9_debian_12_amd64.img.gz'), 'earlier');
    await mkdir(path.join(out, '.fuel-image-tmp-dead'));

    const dry = await runCli(['gc', '--dry-run']);
    assert.equal(dry.result.removed_containers.length, 1);
    assert.equal((await labelledContainers()).length, 1, '--dry-run removes nothing');

    // A new build sweeps both before it starts its own helper; it is stopped there (the rest is any build).
    const rebuildLog = path.join(workDir(), 'rebuild.log');
    const rebuild = startCli([JSON.stringify(lightSpec(out)), '--log-file', rebuildLog]);
    await waitFor('the new build to start its helper', logHas(rebuildLog, (l) => l.stage === 'bootstrap'), 120_000);
    assert.deepEqual((await readdir(out)).filter((name) => name.startsWith('.fuel-image-tmp-')), [], 'the dead build\'s staging directory is gone');
    rebuild.kill('SIGTERM');
    assert.equal((await rebuild).exitCode, 143);
    assert.deepEqual(await labelledContainers(), [], 'the new build swept the dead build\'s helper');
    assert.equal(await readFile(path.join(out, 'env_9_debian_12_amd64.img.gz'), 'utf8'), 'earlier');
  });
});

async function stoppedHelper(): Promise<void> {
  const [image] = await docker.listImages({ filters: { reference: ['fuel-image-helper'] } });
  const container = await docker.createContainer({ Image: image!.Id, Cmd: ['true'], Labels: buildLabels('leftover', HELPER_ROLE), HostConfig: { NetworkMode: 'host' } });
  await container.start();
  await container.wait();
}
