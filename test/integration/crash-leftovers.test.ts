import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { useWorkDir } from '../helpers/temp-dir.js';
import { labelledContainers, runCli } from '../helpers/engine.js';
import { logHas, startCli, waitFor } from '../helpers/processes.js';
import { startSocketRelay } from '../helpers/socket-relay.js';
import { lightSpec } from '../helpers/specs.js';

/*
 * What no cleanup code can handle: the builder SIGKILLed, or the engine
 * connection lost. `fuel-image gc` removes the leftovers, and a new build
 * neither trips over them nor over the dead build's lock and staging files.
 */
describe('leftovers of crashed builds', () => {
  const workDir = useWorkDir('crash');

  it('a lost engine connection fails with a clear error; gc removes the orphaned helper', async () => {
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
    assert.equal((await labelledContainers()).length, 1, 'the helper could not be removed without an engine');

    const gc = await runCli(['gc', out]);
    assert.equal(gc.exitCode, 0, gc.stderr);
    assert.equal(gc.result.removed_containers.length, 1);
    assert.deepEqual(await labelledContainers(), []);
    assert.deepEqual(await readdir(out), []);
  });

  it('after a SIGKILL, gc removes the helper and a new build into the same output succeeds', async () => {
    const out = path.join(workDir(), 'killed');
    await mkdir(out);
    const log = path.join(workDir(), 'killed.log');
    const child = startCli([JSON.stringify(lightSpec(out)), '--log-file', log]);
    await waitFor('package install', logHas(log, (l) => l.step === 'install-packages'), 120_000);
    child.kill('SIGKILL');
    await child;
    assert.equal((await labelledContainers()).length, 1);
    // A staging directory as a build killed while streaming would leave it.
    await writeFile(path.join(out, 'env_9_debian_12_amd64.img.gz'), 'earlier');
    await mkdir(path.join(out, '.fuel-image-tmp-dead'));

    const dry = await runCli(['gc', '--dry-run']);
    assert.equal(dry.result.removed_containers.length, 1);
    assert.equal((await labelledContainers()).length, 1, '--dry-run removes nothing');

    const rebuild = await runCli([JSON.stringify(lightSpec(out))]);
    assert.equal(rebuild.exitCode, 0, rebuild.stderr.slice(-2000));
    assert.deepEqual(await labelledContainers(), [], 'the new build swept the dead build\'s helper');
    assert.deepEqual((await readdir(out)).sort(), ['env_9_debian_12_amd64-boot.img.gz', 'env_9_debian_12_amd64.img.gz', 'env_9_debian_12_amd64.yaml']);
  });
});
