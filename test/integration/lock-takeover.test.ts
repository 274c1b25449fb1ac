import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { LOCK_NAME, OWNER_NAME } from '../../src/output/lock-output.js';
import { TEMP_PREFIX } from '../../src/output/staging.js';
import { containersCreatedSince, docker } from '../helpers/engine.js';
import { md5File } from '../helpers/image-tools.js';
import { logHas, startCli, waitFor } from '../helpers/processes.js';
import { lightSpec } from '../helpers/specs.js';
import { useWorkDir } from '../helpers/temp-dir.js';

/*
 * A holder of the output lock that stalls past the stale time (20 s): a
 * stopped process, a frozen VM. Build A is SIGSTOPped while its images
 * stream out; build B into the same output waits, takes the stale lock over
 * and builds (removing A's staging directory as a dead build's). A is
 * resumed while B still holds the lock, so that A's release and cleanup
 * meet B's lock: A must fail with a clear OUTPUT error (the lost lock, not
 * the missing staging directory it trips over), publish nothing, and
 * neither remove B's lock nor touch its files; B then publishes.
 */
describe('a stalled lock holder loses the output lock', () => {
  const workDir = useWorkDir('takeover');

  it('SIGSTOP during stream-out past the stale time: the second build publishes, the first publishes nothing after it resumes', async () => {
    const out = path.join(workDir(), 'out');
    await mkdir(out);
    const [logA, logB] = [path.join(workDir(), 'a.log'), path.join(workDir(), 'b.log')];
    const name = 'env_9_debian_12_amd64';
    const since = Math.floor(Date.now() / 1000) - 1;
    const a = startCli([JSON.stringify(lightSpec(out, name)), '--log-file', logA]);
    let b: ReturnType<typeof startCli> | undefined;
    try {
      // Streaming out is short: poll fast for the first file in A's staging directory.
      const streaming = async () => {
        const staging = (await readdir(out)).find((n) => n.startsWith(TEMP_PREFIX));
        return staging !== undefined && (await readdir(path.join(out, staging)).catch(() => [])).length > 0;
      };
      await waitFor("A's stream-out", streaming, 300_000, 2);
      a.kill('SIGSTOP');
      const stoppedAt = Date.now();
      const atStop = (await readdir(out)).sort();
      assert.ok(atStop.length === 2 && atStop.includes(LOCK_NAME) && atStop.some((n) => n.startsWith(TEMP_PREFIX)), `stopped before publishing: only the lock and A's staging (${atStop.join(', ')})`);
      const tokenA = await readFile(path.join(out, LOCK_NAME, OWNER_NAME), 'utf8');

      // B differs from A (one more package), so its files and metadata cannot be mistaken for A's.
      b = startCli([JSON.stringify(lightSpec(out, name, ['ifupdown', 'less'])), '--log-file', logB, '--lock-wait', '120']);
      // B holds the lock once it starts its helper (the lock, the stale staging's removal, then the helper).
      await waitFor('B to take the lock over', logHas(logB, (l) => l.stage === 'bootstrap'), 120_000);
      // Stale 20 s after A's last refresh (every 5 s), so 15 to 20 s after the stop (with room for a late refresh).
      assert.ok(Date.now() - stoppedAt >= 10_000, 'B waited for the lock to go stale');
      assert.ok(await logHas(logB, (l) => /another build is writing to this output directory/.test(l.msg))(), 'B waited for A first');
      const tokenB = await readFile(path.join(out, LOCK_NAME, OWNER_NAME), 'utf8');
      assert.notEqual(tokenB, tokenA);
      assert.deepEqual(await readdir(out), [LOCK_NAME], "B removed A's staging directory as a dead build's");

      a.kill('SIGCONT');
      const runA = await a;
      assert.equal(runA.exitCode, 1, runA.stderr.slice(-2000));
      const resultA = JSON.parse(runA.stdout.trim().split('\n').at(-1)!) as Record<string, string>;
      assert.equal(resultA.code, 'OUTPUT', JSON.stringify(resultA));
      assert.match(resultA.message!, /lost the output lock to another build.*nothing was published/);
      // B is still building: its lock (token and all) is in place, and A left nothing behind.
      assert.equal(b.exitCode, null, 'B still runs while A fails');
      assert.equal(await readFile(path.join(out, LOCK_NAME, OWNER_NAME), 'utf8'), tokenB, "A did not remove B's lock");
      assert.deepEqual(await readdir(out), [LOCK_NAME], 'A published nothing and removed its staging directory');

      const runB = await b;
      assert.equal(runB.exitCode, 0, runB.stderr.slice(-2000));
      const resultB = JSON.parse(runB.stdout.trim().split('\n').at(-1)!) as Record<string, any>;
      assert.equal(resultB.outcome, 'success');
      assert.deepEqual((await readdir(out)).sort(), [`${name}-boot.img.gz`, `${name}.img.gz`, `${name}.yaml`], "B's files only: no lock, no staging");
      const meta = YAML.parse(await readFile(path.join(out, `${name}.yaml`), 'utf8')) as Record<string, any>;
      assert.deepEqual(meta.packages, ['ifupdown', 'less'], "B's metadata");
      for (const image of meta.images as Array<Record<string, any>>) {
        const file = path.join(out, image.container_name);
        assert.equal((await stat(file)).size, image.container_size, image.container_name);
        assert.equal(await md5File(file), image.container_md5, image.container_name);
        assert.equal(resultB.images.find((i: Record<string, any>) => i.file === file)?.md5, image.container_md5, `${image.container_name} is B's image`);
      }
      // A's helper was removed on its way out (the stopped process kept it alive for B's sweep).
      for (const id of await containersCreatedSince(since, a.pid)) {
        await assert.rejects(docker.getContainer(id).inspect(), (error: { statusCode?: number }) => error.statusCode === 404, `A's helper ${id.slice(0, 12)} removed`);
      }
    } finally {
      // A failed assertion must not leave a stopped build (and its helper) behind.
      for (const child of [a, b]) {
        if (!child || child.exitCode !== null) continue;
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        await child;
      }
    }
  });
});
