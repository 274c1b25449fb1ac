import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { BUILDER_TEST_IMAGE, ensureBuilderImage, helperContainers, runCli } from '../helpers/engine.js';
import { logHas, startCli, waitFor } from '../helpers/processes.js';
import { lightSpec } from '../helpers/specs.js';
import { useWorkDir } from '../helpers/temp-dir.js';

/*
 * The builder as compose runs it: the builder image from the Dockerfile, host
 * network (so the host's hostname), its own PID namespace (so PID 1), the
 * engine socket mounted. Helpers must be told apart from leftovers without
 * host names or PIDs: a build here and a build on the host never remove each
 * other's live helpers, and a builder killed with SIGKILL leaves no helper.
 */
describe('builders in other PID namespaces', () => {
  const workDir = useWorkDir('pidns');
  const builderName = `fuel-image-test-builder-${process.pid}`;
  const runBuilder = (args: string[], detach = false) =>
    execa('docker', ['run', ...(detach ? ['-d', '--name', builderName] : ['--rm']), '--network', 'host', '-v', '/var/run/docker.sock:/var/run/docker.sock', BUILDER_TEST_IMAGE, ...args], { reject: false });

  before(async () => {
    await ensureBuilderImage();
  });
  after(async () => {
    await execa('docker', ['rm', '-f', builderName], { reject: false });
  });

  it("a builder in a container leaves a host build's live helper alone", async () => {
    const out = path.join(workDir(), 'host-build');
    await mkdir(out);
    const log = path.join(workDir(), 'host-build.log');
    const host = startCli([JSON.stringify(lightSpec(out)), '--log-file', log]);
    try {
      await waitFor('the host build to bootstrap', logHas(log, (l) => l.step === 'bootstrap-download'), 120_000);
      const [live] = await helperContainers();
      assert.ok(live, 'the host build has a helper');
      const gc = await runBuilder(['gc']);
      assert.equal(gc.exitCode, 0, gc.stderr);
      assert.deepEqual(JSON.parse(gc.stdout.trim().split('\n').at(-1)!).removed_containers, []);
      assert.deepEqual((await helperContainers()).map((c) => c.Id), [live.Id], 'the live helper is still there');
      assert.equal(host.exitCode, null, 'the host build is still running');
    } finally {
      host.kill('SIGKILL');
      await host;
    }
    await waitFor("the killed host build's helper to remove itself", async () => (await helperContainers()).length === 0, 60_000, 500);
  });

  it('a builder container killed with SIGKILL leaves no helper; a host build meanwhile leaves its helper alone', async () => {
    // --no-cache: the build must bootstrap (what the test waits for), whatever an earlier build left in the cache.
    const started = await runBuilder([JSON.stringify(lightSpec('/tmp')), '-v', '--no-cache'], true);
    assert.equal(started.exitCode, 0, started.stderr);
    const builderLog = async () => (await execa('docker', ['logs', builderName], { reject: false })).stderr;
    await waitFor('the containerised build to bootstrap', async () => (await builderLog()).includes('bootstrap-download'), 120_000, 500);
    const [live] = await helperContainers();
    assert.ok(live, 'the containerised build has a helper');

    // A second build on the host sweeps leftovers before it starts its own helper.
    const out = path.join(workDir(), 'second');
    await mkdir(out);
    const log = path.join(workDir(), 'second.log');
    const second = startCli([JSON.stringify(lightSpec(out)), '--log-file', log]);
    try {
      await waitFor("the second build's helper", async () => (await helperContainers()).length === 2, 60_000, 200);
      assert.ok((await helperContainers()).some((c) => c.Id === live.Id), "the containerised build's helper survived the second build's sweep");
      const gc = await runCli(['gc']);
      assert.deepEqual(gc.result.removed_containers, [], 'gc on the host takes no live helper');
    } finally {
      second.kill('SIGKILL');
      await second;
    }

    const killed = Date.now();
    const kill = await execa('docker', ['kill', '--signal', 'KILL', builderName], { reject: false });
    assert.equal(kill.exitCode, 0, kill.stderr);
    await waitFor('every helper to remove itself', async () => (await helperContainers()).length === 0, 60_000, 500);
    const seconds = (Date.now() - killed) / 1000;
    assert.ok(seconds < 60, `helpers gone ${seconds} s after the SIGKILL`);
  });
});
