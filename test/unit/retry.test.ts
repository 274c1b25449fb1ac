import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { classifyTimeout, withTimeout } from '../../src/helper/attempt-timeout.js';
import { retryStep } from '../../src/helper/retry-policy.js';
import { FuelImageError } from '../../src/errors.js';

const result = (exitCode: number) => ({ exitCode, stdout: '', outputTail: '' });

describe('retries of network steps', () => {
  const logger = pino({ level: 'silent' });
  const options = (signal = new AbortController().signal) => ({ retry: { retries: 3, minTimeout: 0 }, logger, signal });

  it('retries transient failures until one attempt succeeds', async () => {
    let attempts = 0;
    const value = await retryStep('x', async () => {
      attempts++;
      if (attempts < 3) throw new FuelImageError('STEP_FAILED', 'connection reset');
      return 'ok';
    }, options());
    assert.equal(value, 'ok');
    assert.equal(attempts, 3);
  });

  it('gives up after the configured retries with the last error', async () => {
    let attempts = 0;
    await assert.rejects(
      retryStep('x', async () => {
        attempts++;
        throw new FuelImageError('NETWORK', `attempt ${attempts}`);
      }, options()),
      /attempt 4/,
    );
  });

  it('does not retry a missing package or repo', async () => {
    for (const code of ['PACKAGE_NOT_FOUND', 'REPO_NOT_FOUND'] as const) {
      let attempts = 0;
      await assert.rejects(
        retryStep('x', async () => {
          attempts++;
          throw new FuelImageError(code, 'nope');
        }, options()),
        { code },
      );
      assert.equal(attempts, 1, code);
    }
  });

  it('stops at once when the build is interrupted, reporting the signal', async () => {
    const controller = new AbortController();
    controller.abort('SIGTERM');
    await assert.rejects(retryStep('x', async () => 'never', options(controller.signal)), { code: 'ABORTED' });
  });

  it('bounds each attempt with timeout(1) and reports a stall as a network error', () => {
    assert.deepEqual(withTimeout(600, ['apt-get', 'update']), ['timeout', '--kill-after=30', '600', 'apt-get', 'update']);
    assert.equal(classifyTimeout(result(124), 'apt-get update', 600)?.code, 'NETWORK');
    assert.equal(classifyTimeout(result(100), 'apt-get update', 600), undefined);
  });
});
