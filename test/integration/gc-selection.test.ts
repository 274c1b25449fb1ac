import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { DEFAULT_BASE_IMAGE } from '../../src/cli/parse-args.js';
import { LABEL } from '../../src/helper/labels.js';
import { execa } from 'execa';
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

/*
 * An image made FROM the helper (bench/peers' image, a user's own) inherits
 * its labels, the context hash included: builds must still take the helper,
 * found by hash and role together.
 */
describe('an image derived from the helper is not taken for it', () => {
  const decoy = `fuel-image-decoy:${process.pid}`;

  after(async () => {
    await docker.getImage(decoy).remove({ force: true }).catch(() => undefined);
  });

  it('helper build answers with the helper, not the newer derived image', async () => {
    const helper = await runCli(['helper', 'build', '--progress=json']);
    assert.equal(helper.exitCode, 0, helper.stderr.slice(-2000));
    const image = helper.result.image as string;
    // Newer than the helper, same context hash, another role: listed first by the hash alone.
    await execa('docker', ['build', '-q', '-t', decoy, '-'], { input: `FROM ${image}\nLABEL ${LABEL.role}="decoy"\n` });
    const hash = (await docker.getImage(image).inspect()).Config.Labels[LABEL.contextHash];
    const sameHash = (await docker.listImages({ filters: { label: [`${LABEL.contextHash}=${hash}`] } })).flatMap((i) => i.RepoTags ?? []);
    assert.ok(sameHash.includes(decoy), `the decoy carries the helper's hash: ${sameHash.join(' ')}`);
    const again = await runCli(['helper', 'build', '--progress=json']);
    assert.equal(again.result.image, image);
  });
});
