import assert from 'node:assert/strict';
import { access, chmod, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { DEFAULT_BASE_IMAGE } from '../../src/cli/parse-args.js';
import { helperContextHash } from '../../src/helper/helper-image.js';
import { LABEL } from '../../src/helper/labels.js';
import { useWorkDir } from '../helpers/temp-dir.js';
import { ensureBaseImage } from '../helpers/engine.js';
import { startSmallEngine, type SmallEngine } from '../helpers/small-engine.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/*
 * The RPM as a Fuel master gets it: built by its one command, installed into
 * a scratch root (rpm --root --nodeps: this host is Debian), and run both with
 * the host's Node.js and, with Node.js hidden (a CentOS 7 master), through
 * the builder image it ships. Each run that needs images gets an engine of
 * its own that has none, so the shipped archive is what supplies them.
 */
describe('the RPM', () => {
  const workDir = useWorkDir('rpm');
  let rpmFile: string;
  let root: string;
  let noNode: string;
  const engines: SmallEngine[] = [];

  before(async () => {
    await ensureBaseImage();
    const built = await execa('bash', ['rpm/build-rpm.sh'], { cwd: ROOT });
    rpmFile = path.join(ROOT, built.stdout.trim().split('\n').at(-1)!);
    root = path.join(workDir(), 'root');
    await mkdir(root);
    await execa('rpm', ['--root', root, '--nodeps', '-i', rpmFile]);
    // A PATH with everything the system has but Node.js.
    noNode = path.join(workDir(), 'no-node-bin');
    await mkdir(noNode);
    for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (/^(node|nodejs|npm|npx|corepack)$/.test(name)) continue;
        await symlink(path.join(dir, name), path.join(noNode, name)).catch(() => undefined);
      }
    }
  });

  after(async () => {
    for (const engine of engines) await engine.stop();
  });

  const wrapper = () => path.join(root, 'usr/bin/fuel-image');
  const hostNode = (args: string[], env: Record<string, string> = {}) => execa(wrapper(), args, { cwd: ROOT, reject: false, env });
  const hiddenNode = (args: string[], env: Record<string, string> = {}, input?: string) =>
    execa(wrapper(), args, { cwd: ROOT, reject: false, env: { ...env, PATH: noNode }, extendEnv: true, ...(input === undefined ? {} : { input }) });
  const emptyEngine = async () => {
    const engine = await startSmallEngine(2048);
    engines.push(engine);
    return engine;
  };
  const currentHelpers = async (engine: SmallEngine) => {
    const hash = await helperContextHash('helper', DEFAULT_BASE_IMAGE);
    return engine.docker.listImages({ filters: { label: [`${LABEL.contextHash}=${hash}`] } });
  };

  it('is x86_64, requires Docker, reads on CentOS 7 (gzip payload), and installs the wrapper, code, docs, license, changelog and image archive', async () => {
    const query = await execa('rpm', ['-qp', '--qf', '%{NAME} %{VERSION} %{ARCH} %{PAYLOADCOMPRESSOR}\n', rpmFile]);
    assert.equal(query.stdout.trim(), `fuel-image ${VERSION} x86_64 gzip`);
    const requires = (await execa('rpm', ['-qpR', rpmFile])).stdout.split('\n').map((l) => l.trim());
    assert.ok(requires.includes('docker'), requires.join(', '));
    assert.ok(!requires.some((r) => /nodejs|PayloadIsZstd/.test(r)), `no Node.js or zstd requirement: ${requires.join(', ')}`);
    for (const file of [
      'usr/bin/fuel-image',
      'usr/lib/fuel-image/bin/fuel-image.js',
      'usr/lib/fuel-image/dist/cli.js',
      'usr/lib/fuel-image/images/helper/Dockerfile',
      'usr/lib/fuel-image/node_modules/dockerode/package.json',
      'usr/lib/fuel-image/image-archives/fuel-image-images.tar.gz',
      `usr/share/licenses/fuel-image-${VERSION}/LICENSE`,
      `usr/share/doc/fuel-image-${VERSION}/CHANGELOG.md`,
      `usr/share/doc/fuel-image-${VERSION}/README.md`,
    ])
      await access(path.join(root, file));
    // No TypeScript tooling or sources.
    for (const absent of ['usr/lib/fuel-image/node_modules/typescript', 'usr/lib/fuel-image/node_modules/tsx', 'usr/lib/fuel-image/src'])
      await assert.rejects(access(path.join(root, absent)), absent);
  });

  it('runs --version and --help with the host Node.js', async () => {
    const version = await hostNode(['--version']);
    assert.equal(version.exitCode, 0, version.stderr);
    assert.equal(version.stdout.trim(), VERSION);
    const help = await hostNode(['--help']);
    assert.equal(help.exitCode, 0, help.stderr);
    assert.match(help.stdout, /^Usage:/m);
  });

  it('loads the shipped helper into an engine that lacks it, on first use, with no base image there', async () => {
    const engine = await emptyEngine();
    assert.deepEqual(await currentHelpers(engine), []);
    await assert.rejects(engine.docker.getImage(DEFAULT_BASE_IMAGE).inspect(), 'the empty engine has no base image to build on');
    const run = await hostNode(['helper', 'build', '--progress=json'], { DOCKER_HOST: engine.url });
    assert.equal(run.exitCode, 0, run.stderr.slice(-3000));
    assert.match(run.stderr, /loading the shipped helper and builder images/);
    assert.doesNotMatch(run.stderr, /building the helper image/);
    const [helper] = await currentHelpers(engine);
    assert.ok(helper, 'the current helper is on the engine');
    assert.equal(JSON.parse(run.stdout.trim().split('\n').at(-1)!).image, helper.RepoTags?.[0]);
  });

  it('with Node.js hidden, runs through the builder image it loads on first use: same arguments, output and exit codes', async () => {
    const engine = await emptyEngine();
    const env = { DOCKER_HOST: engine.url };
    const version = await hiddenNode(['--version'], env);
    assert.equal(version.exitCode, 0, version.stderr);
    assert.equal(version.stdout.trim(), VERSION);
    assert.match(version.stderr, /loading the builder and helper images .* \(first use on this engine\)/);
    await engine.docker.getImage(`fuel-image:${VERSION}`).inspect();
    assert.notDeepEqual(await currentHelpers(engine), [], 'the helper came with it');

    const help = await hiddenNode(['--help'], env);
    assert.equal(help.exitCode, 0, help.stderr);
    assert.match(help.stdout, /^Usage:/m);
    assert.doesNotMatch(help.stderr, /loading/, 'loaded once');

    // A bad spec, as a file and on stdin: exit 2, the field named, nothing created, no container left.
    const spec = JSON.parse((await execa('node', ['bin/fuel-image.js', 'example'], { cwd: ROOT })).stdout) as { image_data: Record<string, object> };
    const out = path.join(workDir(), 'out');
    const bad = { ...spec, output: out, image_data: { ...spec.image_data, '/': { ...spec.image_data['/'], format: 'xfs' } } };
    const file = path.join(workDir(), 'bad spec.json');
    await writeFile(file, JSON.stringify(bad));
    await chmod(file, 0o600);
    for (const [args, input] of [[[file], undefined], [['-'], JSON.stringify(bad)]] as const) {
      const run = await hiddenNode([...args, '--progress=json'], env, input);
      assert.equal(run.exitCode, 2, `${args}: ${run.stderr.slice(-2000)}`);
      const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { code: string; message: string };
      assert.equal(result.code, 'INVALID_SPEC');
      assert.match(result.message, /image_data\["\/"\]\.format/);
    }
    await assert.rejects(access(out), 'no output directory was made');
    assert.deepEqual(await engine.docker.listContainers({ all: true }), [], 'the builder containers were removed');

    // A remote engine cannot see this host's paths: refused, clearly.
    const remote = await hiddenNode(['--version'], { DOCKER_HOST: 'tcp://127.0.0.1:1' });
    assert.equal(remote.exitCode, 2);
    assert.match(remote.stderr, /remote engine needs Node\.js 20\.12/);
  });
});
