import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/engine.js';
import { startFakeEngine, type FakeEngineMode } from '../helpers/fake-engine.js';
import { startCli, waitFor } from '../helpers/processes.js';
import { lightSpec } from '../helpers/specs.js';
import { useWorkDir } from '../helpers/temp-dir.js';

/*
 * Against an engine that accepts the connection and then does not answer,
 * the build ends (ENGINE_UNREACHABLE, naming the engine and the call), and
 * SIGTERM ends it within seconds; a second signal ends it at once. The
 * engine is a fake served by the test on a unix socket: no real engine is
 * used. Times are measured for liveness (the build ends), with wide bounds.
 */
describe('a hung Docker engine', () => {
  // Signals go through process.kill: execa's child.kill() would follow up with SIGKILL after 5 s.
  const workDir = useWorkDir('hung-engine', { needsEngine: false });

  async function setUp(name: string, mode: FakeEngineMode) {
    const dir = path.join(workDir(), name);
    const out = path.join(dir, 'out');
    await mkdir(out, { recursive: true });
    const engine = await startFakeEngine(path.join(dir, 'engine.sock'), mode);
    return { out, engine, spec: JSON.stringify(lightSpec(out)) };
  }

  const resultOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, any>;

  for (const [mode, call, seconds] of [
    ['silent', 'ping', 10],
    // The first call after the ping: reading the build key's secret (src/helper/key-secret.ts).
    ['ping-only', 'inspect volume', 60],
  ] as const) {
    it(`${mode}: fails with ENGINE_UNREACHABLE naming the engine and "${call}", in bounded time`, { timeout: 180_000 }, async (t) => {
      const { out, engine, spec } = await setUp(mode, mode);
      try {
        const started = Date.now();
        const run = await runCli([spec], { env: { DOCKER_HOST: engine.url } });
        const took = (Date.now() - started) / 1000;
        t.diagnostic(`ended ${took} s after the start`);
        assert.equal(run.exitCode, 1, run.stderr.slice(-2000));
        assert.equal(run.result.code, 'ENGINE_UNREACHABLE', run.stdout);
        assert.ok(run.result.message.includes(engine.url), run.result.message);
        assert.ok(run.result.message.includes(`"${call}"`), run.result.message);
        assert.ok(run.result.message.includes(`within ${seconds} s`), run.result.message);
        assert.ok(took < 120, `ended after ${took} s`);
        assert.deepEqual(await readdir(out), [], 'no lock or staging directory left');
      } finally {
        await engine.close();
      }
    });
  }

  for (const mode of ['silent', 'ping-only'] as const) {
    it(`${mode}: SIGTERM 3 s after the start ends the build with 143 within 15 s`, { timeout: 60_000 }, async (t) => {
      const { out, engine, spec } = await setUp(`${mode}-sigterm`, mode);
      try {
        const child = startCli([spec], { DOCKER_HOST: engine.url });
        await new Promise((resolve) => setTimeout(resolve, 3000));
        const signalled = Date.now();
        process.kill(child.pid!, 'SIGTERM');
        const run = await child;
        const took = (Date.now() - signalled) / 1000;
        t.diagnostic(`ended ${took} s after SIGTERM`);
        assert.equal(run.exitCode, 143, run.stderr.slice(-2000));
        assert.equal(resultOf(run.stdout).code, 'ABORTED');
        assert.ok(took < 15, `ended ${took} s after SIGTERM`);
        assert.deepEqual(await readdir(out), [], 'no lock or staging directory left');
      } finally {
        await engine.close();
      }
    });
  }

  it('helper started, then the engine hangs: SIGTERM ends it once the removal has had its 10 s', { timeout: 60_000 }, async (t) => {
    const { out, engine, spec } = await setUp('exec-sigterm', 'hangs-exec');
    try {
      const child = startCli([spec, '--helper-image', 'fuel-image-helper:fake'], { DOCKER_HOST: engine.url });
      await waitFor('the exec to start', async () => engine.requests.some((r) => r.startsWith('POST /exec/')), 30_000);
      const signalled = Date.now();
      process.kill(child.pid!, 'SIGTERM');
      const run = await child;
      const took = (Date.now() - signalled) / 1000;
      t.diagnostic(`ended ${took} s after the last SIGTERM`);
      assert.equal(run.exitCode, 143, run.stderr.slice(-2000));
      assert.equal(resultOf(run.stdout).code, 'ABORTED');
      assert.ok(took < 15, `ended ${took} s after SIGTERM`);
      assert.ok(took >= 9, `ended ${took} s after SIGTERM: before the removal's limit?`);
      assert.equal(engine.requests.filter((r) => r.startsWith('DELETE /containers/')).length, 1, engine.requests.join('\n'));
      assert.match(run.stderr, /could not remove the helper container \(no answer within 10 s\)/);
      assert.deepEqual(await readdir(out), []);
    } finally {
      await engine.close();
    }
  });

  it('helper started, then the engine hangs: a second SIGTERM exits at once, after requesting the removal again', { timeout: 60_000 }, async (t) => {
    const { out, engine, spec } = await setUp('exec-twice', 'hangs-exec');
    try {
      const child = startCli([spec, '--helper-image', 'fuel-image-helper:fake'], { DOCKER_HOST: engine.url });
      await waitFor('the exec to start', async () => engine.requests.some((r) => r.startsWith('POST /exec/')), 30_000);
      process.kill(child.pid!, 'SIGTERM');
      await waitFor('the removal', async () => engine.requests.some((r) => r.startsWith('DELETE /containers/')), 5000, 20);
      const signalled = Date.now();
      process.kill(child.pid!, 'SIGTERM');
      const run = await child;
      const took = (Date.now() - signalled) / 1000;
      t.diagnostic(`ended ${took} s after the last SIGTERM`);
      assert.equal(run.exitCode, 143, run.stderr.slice(-2000));
      assert.equal(resultOf(run.stdout).code, 'ABORTED');
      assert.equal(run.stdout.trim().split('\n').length, 1, 'one result line');
      assert.ok(took < 3, `ended ${took} s after the second SIGTERM`);
      assert.equal(engine.requests.filter((r) => r.startsWith('DELETE /containers/')).length, 2, engine.requests.join('\n'));
      assert.deepEqual(await readdir(out), [], 'the lock is released on the way out');
    } finally {
      await engine.close();
    }
  });
});
