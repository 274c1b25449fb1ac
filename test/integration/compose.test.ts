import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import YAML from 'yaml';
import { ensureBaseImage, helperContainers } from '../helpers/engine.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { lightSpec } from '../helpers/specs.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The compose CLIs on this machine: Debian bookworm ships docker-compose 1.29; newer hosts have `docker compose` v2. */
async function composeCommands(): Promise<string[][]> {
  const found: string[][] = [];
  if ((await execa('docker-compose', ['version'], { reject: false })).exitCode === 0) found.push(['docker-compose']);
  if ((await execa('docker', ['compose', 'version'], { reject: false })).exitCode === 0) found.push(['docker', 'compose']);
  return found;
}

/*
 * compose.yaml as a developer uses it: the builder builds into a named
 * volume, the image server beside it serves that volume at the spec's
 * /targetimages/ paths on 127.0.0.1, so the URIs in image_data resolve.
 */
describe('compose: the builder and an image server', () => {
  const project = `fuel-image-test-${process.pid}`;
  let compose: string[] = [];
  let port = 0;
  const env = () => ({ FUEL_IMAGE_HTTP_PORT: String(port) });
  const run = (args: string[], input?: string) => execa(compose[0]!, [...compose.slice(1), '-p', project, '-f', 'compose.yaml', ...args], { cwd: ROOT, env: env(), reject: false, input });

  before(async () => {
    const commands = await composeCommands();
    assert.ok(commands.length > 0, 'docker-compose or docker compose is installed (.ci/run installs docker-compose)');
    compose = commands[0]!;
    port = await freePort();
    await ensureBaseImage();
  });
  after(async () => {
    if (compose.length) await run(['down', '-v', '--remove-orphans']);
  });

  it('validates with every compose CLI on the machine', async () => {
    for (const command of await composeCommands()) {
      const config = await execa(command[0]!, [...command.slice(1), '-f', 'compose.yaml', 'config'], { cwd: ROOT, env: env(), reject: false });
      assert.equal(config.exitCode, 0, `${command.join(' ')} config: ${config.stderr}`);
      const parsed = YAML.parse(config.stdout) as { services: Record<string, { network_mode?: string }> };
      assert.deepEqual(Object.keys(parsed.services).sort(), ['fuel-image', 'images']);
      for (const service of Object.values(parsed.services)) assert.equal(service.network_mode, 'host');
    }
  });

  it('builds into the volume, and the server returns each image with the md5 in the metadata', async () => {
    const built = await run(['build']);
    assert.equal(built.exitCode, 0, built.stderr.slice(-3000));
    const spec = lightSpec('/ignored', 'env_7_debian_12_amd64');
    const build = await run(['run', '--rm', '-T', 'fuel-image', '-'], JSON.stringify(spec));
    assert.equal(build.exitCode, 0, build.stderr.slice(-3000));
    const result = JSON.parse(build.stdout.trim().split('\n').at(-1)!) as { outcome: string };
    assert.equal(result.outcome, 'success');
    assert.deepEqual(await helperContainers(), [], 'the helper is gone');

    const base = `http://127.0.0.1:${port}`;
    await waitFor('the image server', async () => (await fetch(`${base}/targetimages/`).catch(() => undefined)) !== undefined, 30_000, 200);
    const metadata = YAML.parse(await (await fetch(`${base}/targetimages/env_7_debian_12_amd64.yaml`)).text()) as { images: Array<{ raw_md5?: string; md5?: string; container_md5?: string; container_name: string }> };
    assert.equal(metadata.images.length, 2);
    for (const uri of Object.values(spec.image_data as Record<string, { uri: string }>).map((d) => d.uri)) {
      const path = new URL(uri).pathname;
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 200, path);
      const md5 = createHash('md5').update(Buffer.from(await response.arrayBuffer())).digest('hex');
      const entry = metadata.images.find((image) => path.endsWith(`/${image.container_name}`));
      assert.ok(entry, `${path} is in the metadata`);
      assert.equal(md5, entry.container_md5, path);
    }
    assert.equal((await fetch(`${base}/targetimages/.fuel-image.lock`)).status, 404, 'no dotfiles');
  });
});
