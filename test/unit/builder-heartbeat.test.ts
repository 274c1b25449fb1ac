import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { HEARTBEAT, watchBuilderCommand } from '../../src/helper/builder-heartbeat.js';

/*
 * The helper's first process, run here as the helper runs it (bash reading
 * its stdin): it must end when its builder goes, and only then.
 */
describe("the helper's builder watch", () => {
  // A 3 s limit: beats 300 ms apart leave a loaded machine plenty of slack.
  const [shell, ...args] = watchBuilderCommand(3);

  it('keeps running while heartbeats arrive', async () => {
    const watch = execa(shell!, args, { reject: false });
    for (let i = 0; i < 15; i++) {
      watch.stdin.write('\n');
      await sleep(300);
    }
    assert.equal(watch.exitCode, null, 'still running after 4.5 s of heartbeats with a 3 s limit');
    watch.stdin.end();
    await watch;
  });

  it('ends at once when its stdin closes (the builder process or its connection is gone)', async () => {
    const watch = execa(shell!, args, { reject: false });
    watch.stdin.write('\n');
    const started = Date.now();
    watch.stdin.end();
    await watch;
    assert.ok(Date.now() - started < 2500, 'ended before the heartbeat limit');
  });

  it('ends when heartbeats stop but the connection stays open (a frozen builder, a half-open connection)', async () => {
    const [quickShell, ...quickArgs] = watchBuilderCommand(1);
    const watch = execa(quickShell!, quickArgs, { reject: false });
    watch.stdin.write('\n');
    const result = await Promise.race([watch.then(() => 'ended'), sleep(5000).then(() => 'running')]);
    assert.equal(result, 'ended');
    watch.kill();
  });

  it('gives a builder several missed beats, and ends well within a minute', () => {
    assert.ok(HEARTBEAT.timeoutSeconds * 1000 >= 4 * HEARTBEAT.intervalMs);
    assert.ok(HEARTBEAT.timeoutSeconds > 20, 'longer than the output lock stale time');
    assert.ok(HEARTBEAT.timeoutSeconds + 10 <= 60);
  });
});
