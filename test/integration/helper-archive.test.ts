import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { DEFAULT_BASE_IMAGE } from '../../src/cli/parse-args.js';
import { helperContextHash } from '../../src/helper/helper-image.js';
import { LABEL } from '../../src/helper/labels.js';
import { docker, ensureBaseImage, runCli } from '../helpers/engine.js';
import { freePort } from '../helpers/ports.js';
import { startSmallEngine } from '../helpers/small-engine.js';
import { waitFor } from '../helpers/processes.js';
import { useWorkDir } from '../helpers/temp-dir.js';

async function imagesLabelled(engine: Docker, hash: string): Promise<string[]> {
  return (await engine.listImages({ filters: { label: [`${LABEL.contextHash}=${hash}`] } })).map((image) => image.Id);
}

/*
 * An air-gapped master without debootstrap gets its helper as an archive
 * (`helper save` where a mirror is, `helper load` there), or pulls the base
 * from a registry it can reach.
 */
describe('the helper image as an archive, and a base from a registry', () => {
  const workDir = useWorkDir('helper-archive');
  before(ensureBaseImage);

  /*
   * The engine that lacks the helper is a second, empty one: deleting the
   * helper from the machine's engine is not possible while an image made
   * FROM it (bench/peers', a user's own) is there, and would take it from
   * whatever else uses that engine.
   */
  it('saves the helper, and loads it into an engine that lacks it; builds there then use it', async (t) => {
    const built = await runCli(['helper', 'build']);
    assert.equal(built.exitCode, 0, built.stderr);
    const hash = await helperContextHash('helper', DEFAULT_BASE_IMAGE);
    const id = (await docker.getImage(built.result.image as string).inspect()).Id;

    const file = path.join(workDir(), 'helper.tar.gz');
    const saved = await runCli(['helper', 'save', file]);
    assert.equal(saved.exitCode, 0, saved.stderr);
    assert.equal(saved.result.file, file);
    assert.equal(saved.result.bytes, (await stat(file)).size);
    assert.deepEqual((await execa('gzip', ['-t', file], { reject: false })).exitCode, 0, 'a gzip archive');

    const empty = await startSmallEngine(1024);
    t.after(() => empty.stop());
    const env = { DOCKER_HOST: empty.url };
    assert.deepEqual(await imagesLabelled(empty.docker, hash), [], 'the engine lacks the helper');

    const loaded = await runCli(['helper', 'load', file], { env });
    assert.equal(loaded.exitCode, 0, loaded.stderr);
    assert.deepEqual(await imagesLabelled(empty.docker, hash), [id], 'the same image is there, label and all');
    assert.equal(loaded.result.current_helper, built.result.image);

    // That engine has no base image either: a rebuild would fail, so success means the loaded helper was taken.
    const again = await runCli(['helper', 'build', '-v'], { env });
    assert.equal(again.exitCode, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /building the helper image/, 'found by its label, not rebuilt');
    assert.equal(again.result.image, built.result.image);
  });

  it('a missing archive is a usage error', async () => {
    const run = await runCli(['helper', 'load', path.join(workDir(), 'nothing.tar')]);
    assert.equal(run.exitCode, 2);
    assert.equal(run.result.code, 'USAGE');
  });

  describe('a base image named from a registry', () => {
    let registry: ChildProcess | undefined;
    let port = 0;
    const made: string[] = [];

    before(async () => {
      port = await freePort();
      const config = path.join(workDir(), 'registry.yml');
      await writeFile(config, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(workDir(), 'registry')}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
      // Debian's docker-registry (.ci/run installs it): a registry on this machine only.
      registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
      await waitFor('the registry', async () => (await fetch(`http://127.0.0.1:${port}/v2/`).catch(() => undefined))?.ok === true, 30_000, 200);
    });
    after(async () => {
      registry?.kill();
      for (const ref of made.reverse()) await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
    });

    it('is pulled when missing, and the helper is built on it', async () => {
      const base = `127.0.0.1:${port}/fuel-image-base:trixie`;
      await docker.getImage(DEFAULT_BASE_IMAGE).tag({ repo: `127.0.0.1:${port}/fuel-image-base`, tag: 'trixie' });
      const pushed = await execa('docker', ['push', base], { reject: false });
      assert.equal(pushed.exitCode, 0, pushed.stderr);
      await docker.getImage(base).remove();
      assert.equal(await docker.getImage(base).inspect().then(() => true, () => false), false, 'not on the engine before the build');

      const run = await runCli(['helper', 'build', '--base-image', base]);
      made.push(base);
      const hash = await helperContextHash('helper', base);
      made.push(...(await imagesLabelled(docker, hash)));
      assert.equal(run.exitCode, 0, run.stderr.slice(-2000));
      assert.match(run.stderr, new RegExp(`pulled ${base.replace(/[.]/g, '\\.')}`));
      assert.equal(await docker.getImage(base).inspect().then(() => true, () => false), true);
      assert.equal((await imagesLabelled(docker, hash)).length, 1);
    });

    it('a bare name that is missing is not pulled (it would mean Docker Hub): the error says how to make it', async () => {
      const run = await runCli(['helper', 'build', '--base-image', 'fuel-image-base:no-such-tag']);
      assert.equal(run.exitCode, 1);
      assert.equal(run.result.code, 'BASE_IMAGE_MISSING');
      assert.match(run.result.message, /make-base\.sh/);
      assert.doesNotMatch(run.stderr, /pulling/);
    });
  });
});
