import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { FuelImageError } from '../../src/errors.js';
import { LOCK_NAME, lockOutput, OWNER_NAME, writeUnderLock } from '../../src/output/lock-output.js';
import { createStaging, publish, removeStaleStaging } from '../../src/output/staging.js';

/*
 * Two holders of one output directory's lock in one process: the first
 * "stalls" (its lock directory's mtime is set into the past, as if it had
 * not refreshed it for longer than the stale time), the second takes the
 * lock over. The first must then publish nothing and must not remove the
 * second's lock. proper-lockfile's shortest stale time (2 s) keeps it quick.
 */
describe('output lock: a build that lost its lock publishes nothing', () => {
  const logger = pino({ level: 'silent' });
  const signal = new AbortController().signal;
  const STALE_MS = 2000;
  let output = '';
  const lockDir = () => path.join(output, LOCK_NAME);
  const token = () => readFile(path.join(lockDir(), OWNER_NAME), 'utf8');
  const lock = () => lockOutput(output, { waitSeconds: 5, logger, signal, staleMs: STALE_MS });
  const makeStale = () => utimes(lockDir(), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  const lostLock = (error: unknown) => error instanceof FuelImageError && error.code === 'OUTPUT' && /lost the output lock to another build/.test(error.message);

  beforeEach(async () => {
    output = await mkdtemp(path.join(tmpdir(), 'fuel-image-lock-'));
  });
  afterEach(async () => {
    await rm(output, { recursive: true, force: true });
  });

  it('holds: the token stays ours through refreshes, and release removes the lock directory', async () => {
    const held = await lock();
    assert.match(await token(), /^[0-9a-f]{32}$/);
    // Two refreshes (every second at this stale time): writing the token must not look like a takeover.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await held.assertHeld();
    await held.release();
    assert.deepEqual(await readdir(output), []);
  });

  it('taken over by a second build: the first fails before renaming anything; the second publishes', async () => {
    const first = await lock();
    const firstToken = await token();
    await makeStale();
    const second = await lock();
    assert.notEqual(await token(), firstToken);

    const staging = path.join(output, '.fuel-image-tmp-first');
    await mkdir(staging);
    await writeFile(path.join(staging, 'root.img.gz'), 'first build');
    await writeFile(path.join(staging, 'root.yaml'), 'first build');
    await assert.rejects(publish(staging, output, ['root.img.gz', 'root.yaml'], { assertLockHeld: () => first.assertHeld() }), lostLock);
    assert.deepEqual((await readdir(output)).sort(), ['.fuel-image-tmp-first', LOCK_NAME]);
    assert.deepEqual((await readdir(staging)).sort(), ['root.img.gz', 'root.yaml']);

    await second.assertHeld();
    const secondStaging = path.join(output, '.fuel-image-tmp-second');
    await mkdir(secondStaging);
    await writeFile(path.join(secondStaging, 'root.img.gz'), 'second build');
    await publish(secondStaging, output, ['root.img.gz'], { assertLockHeld: () => second.assertHeld() });
    assert.equal(await readFile(path.join(output, 'root.img.gz'), 'utf8'), 'second build');

    // The loser's release leaves the winner's lock in place.
    const secondToken = await token();
    await first.release();
    assert.equal(await token(), secondToken);
    await second.release();
    assert.ok(!(await readdir(output)).includes(LOCK_NAME));
  });

  it('a write that fails after the lock was taken over (the new holder removed the staging) is reported as the lost lock', async () => {
    const first = await lock();
    const staging = await createStaging(output);
    await makeStale();
    const second = await lock();
    // The second build takes the first for dead and removes its staging directory.
    await removeStaleStaging(output, logger);
    const write = () => writeFile(path.join(staging, 'root.img.gz'), 'first build');
    await assert.rejects(writeUnderLock(first, write), (error: unknown) => lostLock(error) && (error as Error & { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT');
    await first.release();
    await second.assertHeld();
    // While the lock is held, a failure is the step's own.
    await assert.rejects(writeUnderLock(second, write), (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT' && !(error instanceof FuelImageError));
    assert.equal(await writeUnderLock(second, async () => 'written'), 'written');
    await second.release();
    assert.deepEqual(await readdir(output), []);
  });

  it('a stale lock left by a killed build (token and all) is taken over', async () => {
    await mkdir(lockDir());
    await writeFile(path.join(lockDir(), OWNER_NAME), 'a killed build');
    await makeStale();
    const held = await lock();
    await held.assertHeld();
    await held.release();
    assert.deepEqual(await readdir(output), []);
  });

  it('proper-lockfile finding the lock changed under it is enough to lose it', async () => {
    const held = await lock();
    // No second build: only the mtime changed, so the token is still ours.
    await makeStale();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await assert.rejects(held.assertHeld(), lostLock);
    await held.release();
  });

  it('a fresh lock is waited for, then refused after --lock-wait', async () => {
    const held = await lock();
    const started = Date.now();
    await assert.rejects(lockOutput(output, { waitSeconds: 1, logger, signal, staleMs: STALE_MS }), (error: unknown) => error instanceof FuelImageError && /is locked by another fuel-image build/.test(error.message));
    assert.ok(Date.now() - started >= 1000);
    await held.assertHeld();
    await held.release();
  });
});
