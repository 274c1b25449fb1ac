import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { DEFAULT_BASE_IMAGE } from '../../src/cli/parse-args.js';
import { LABEL } from '../../src/helper/labels.js';
import { docker, ensureBaseImage, runCli } from '../helpers/engine.js';

/*
 * `fuel-image gc --all` removes helper containers, found by their role, and
 * nothing else: a container someone started from the base image carries the
 * org.openstack.fuel-image label (the image has it) but is no helper.
 */
describe('gc --all removes only helpers', () => {
  let container: Docker.Container | undefined;

  before(async () => {
    await ensureBaseImage();
    container = await docker.createContainer({
      Image: DEFAULT_BASE_IMAGE,
      name: `fuel-image-gc-selection-${process.pid}`,
      Cmd: ['sleep', 'infinity'],
      Labels: { [LABEL.managed]: 'true' },
      HostConfig: { NetworkMode: 'host', Init: true },
    });
    await container.start();
  });

  after(async () => {
    await container?.remove({ force: true }).catch(() => undefined);
  });

  it('leaves a labelled container started from the base image alone', async () => {
    const gc = await runCli(['gc', '--all']);
    assert.equal(gc.exitCode, 0, gc.stderr);
    const info = await container!.inspect();
    assert.equal(info.State.Running, true, 'still running');
    assert.ok(!gc.result.removed_containers.includes(info.Name.replace(/^\//, '')), 'not in the removed list');
  });
});
