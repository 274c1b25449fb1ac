import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { pino } from 'pino';
import { buildLabels, LABEL } from '../../src/helper/labels.js';
import { HELPER_FILTERS, isHelperContainer, isLeftover, NOT_STARTED_GRACE_SECONDS, sweepHelpers } from '../../src/helper/sweep-helpers.js';

/*
 * `fuel-image gc --all` removes helper containers only. The base, helper and
 * builder images carry the org.openstack.fuel-image label, so every
 * container started from them does too: the role decides.
 */
const helper = { ...buildLabels('b1', 'helper'), [LABEL.owner]: 'elsewhere:1' };
const fromBase = { [LABEL.managed]: 'true', [LABEL.role]: 'base' };
const fromBuilder = { [LABEL.managed]: 'true', [LABEL.role]: 'builder' };
const fromHelperImage = { [LABEL.managed]: 'true', [LABEL.role]: 'helper-image', [LABEL.contextHash]: 'abc' };
const labelOnly = { [LABEL.managed]: 'true' };

describe('gc selects helper containers by role', () => {
  it('takes a container for a helper only when it has the helper role', () => {
    assert.equal(isHelperContainer(helper), true);
    const others: Array<Record<string, string> | null | undefined> = [fromBase, fromBuilder, fromHelperImage, labelOnly, { [LABEL.role]: 'helper' }, { [LABEL.managed]: 'false', [LABEL.role]: 'helper' }, {}, null, undefined];
    for (const labels of others) assert.equal(isHelperContainer(labels), false, JSON.stringify(labels));
  });

  it('asks the engine for the helper role, not the bare label', () => {
    assert.ok(HELPER_FILTERS.label.includes(`${LABEL.role}=helper`));
    assert.ok(!HELPER_FILTERS.label.includes(LABEL.managed));
  });

  it('gc --all removes the helpers and nothing started from the base, builder or helper image', async () => {
    const listed = [
      { Id: 'h'.repeat(64), Names: ['/fuel-image-b1'], Labels: helper, State: 'running', Created: 0 },
      { Id: 'a'.repeat(64), Names: ['/from-base'], Labels: fromBase, State: 'exited', Created: 0 },
      { Id: 'b'.repeat(64), Names: ['/from-builder'], Labels: fromBuilder, State: 'exited', Created: 0 },
      { Id: 'c'.repeat(64), Names: ['/from-helper-image'], Labels: fromHelperImage, State: 'exited', Created: 0 },
      { Id: 'd'.repeat(64), Names: ['/label-only'], Labels: labelOnly, State: 'exited', Created: 0 },
    ];
    const filtersAsked: unknown[] = [];
    const removed: string[] = [];
    // An engine that ignores the filters: the selection must still hold.
    const docker = {
      listContainers: async (options: { filters: unknown }) => (filtersAsked.push(options.filters), listed),
      getContainer: (id: string) => ({ remove: async () => void removed.push(id) }),
    } as unknown as Docker;
    const result = await sweepHelpers(docker, pino({ level: 'silent' }), { all: true });
    assert.deepEqual(filtersAsked, [HELPER_FILTERS]);
    assert.deepEqual(removed, ['h'.repeat(64)]);
    assert.deepEqual(result, { removed: ['fuel-image-b1'], kept: [] });
  });
});

/*
 * Without --all, gc (and every build, before it starts) removes only helpers
 * that no builder can be using. A running helper always has its builder: its
 * first process ends when the builder's attach connection or heartbeat goes.
 */
describe('a sweep without --all', () => {
  const now = 1_000_000;
  it('never takes a running, paused or restarting helper, whoever started it', () => {
    for (const State of ['running', 'paused', 'restarting', 'removing']) assert.equal(isLeftover({ State, Created: 0 }, now), false, State);
  });

  it('takes stopped helpers, and created ones only after the grace time', () => {
    assert.equal(isLeftover({ State: 'exited', Created: now - 1 }, now), true);
    assert.equal(isLeftover({ State: 'dead', Created: now - 1 }, now), true);
    assert.equal(isLeftover({ State: 'created', Created: now - 5 }, now), false, 'a build between create and start');
    assert.equal(isLeftover({ State: 'created', Created: now - NOT_STARTED_GRACE_SECONDS - 1 }, now), true);
  });

  it('removes only the leftovers, and names what it kept', async () => {
    const old = Math.floor(Date.now() / 1000) - 3600;
    const listed = [
      { Id: '1'.repeat(64), Names: ['/fuel-image-live'], Labels: helper, State: 'running', Created: old },
      { Id: '2'.repeat(64), Names: ['/fuel-image-exited'], Labels: helper, State: 'exited', Created: old },
      { Id: '3'.repeat(64), Names: ['/fuel-image-never-started'], Labels: helper, State: 'created', Created: old },
    ];
    const removed: string[] = [];
    const docker = {
      listContainers: async () => listed,
      getContainer: (id: string) => ({ remove: async () => void removed.push(id) }),
    } as unknown as Docker;
    const result = await sweepHelpers(docker, pino({ level: 'silent' }), { all: false });
    assert.deepEqual(removed, ['2'.repeat(64), '3'.repeat(64)]);
    assert.deepEqual(result, { removed: ['fuel-image-exited', 'fuel-image-never-started'], kept: ['fuel-image-live'] });
  });
});
