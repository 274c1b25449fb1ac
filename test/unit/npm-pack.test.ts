import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const DEV_ONLY = new Set(['tsx', 'esbuild', '@esbuild', 'typescript']);

// What npm sets for the script running these tests (npm test) must not steer
// the npm commands below, whose packages and prefix are their own.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_(lifecycle|package)_|^npm_config_local_prefix$/i.test(name)));
const npm = (args: string[], cwd: string) => run('npm', args, { cwd, env, maxBuffer: 64 << 20 });

/** Every directory under node_modules, nested ones included, as paths relative to it. */
async function packageDirs(modules: string): Promise<string[]> {
  const entries = await readdir(modules, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => path.relative(modules, path.join(entry.parentPath, entry.name)));
}

// npm pack builds dist/ (the prepare script), then the tarball is installed the
// way a user installs it: production dependencies only, no checkout around it.
describe('the npm package', { timeout: 600_000 }, () => {
  let dir = '';
  let scratch = '';
  let bin = '';

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fuel-image-pack-'));
    scratch = path.join(dir, 'scratch');
    await npm(['pack', '--pack-destination', dir, '--no-audit', '--no-fund'], ROOT);
    const tarballs = (await readdir(dir)).filter((name) => name.endsWith('.tgz'));
    assert.deepEqual(tarballs, [`fuel-image-${version}.tgz`]);
    await mkdir(scratch);
    await writeFile(path.join(scratch, 'package.json'), '{}\n');
    await npm(['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', path.join(dir, tarballs[0]!)], scratch);
    bin = path.join(scratch, 'node_modules', '.bin', 'fuel-image');
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships compiled JavaScript and the helper files, not the TypeScript sources', () => {
    const installed = path.join(scratch, 'node_modules', 'fuel-image');
    for (const file of ['bin/fuel-image.js', 'dist/cli.js', 'dist/version.js', 'dist/helper/helper-session.js', 'images/helper/Dockerfile', 'images/helper/scripts/make-image.sh', 'images/helper/scripts/clean-target.sh', 'examples/bookworm.json', 'package.json'])
      assert.ok(existsSync(path.join(installed, file)), `${file} is in the package`);
    for (const file of ['src', 'tsconfig.json', 'tsconfig.build.json', 'test'])
      assert.ok(!existsSync(path.join(installed, file)), `${file} is not in the package`);
  });

  it('prints its version without tsx', async () => {
    const { stdout } = await run(bin, ['--version'], { cwd: scratch });
    assert.equal(stdout, `${version}\n`);
  });

  it('prints its help and exits 0', async () => {
    // execFile rejects on any other exit status.
    const { stdout } = await run(bin, ['--help'], { cwd: scratch });
    assert.match(stdout, /Usage/);
  });

  it('installs no TypeScript tooling (tsx, esbuild, typescript)', async () => {
    const found = (await packageDirs(path.join(scratch, 'node_modules'))).filter((relative) => {
      const parts = relative.split(path.sep);
      return DEV_ONLY.has(parts.at(-1)!) && (parts.length === 1 || parts.at(-2) === 'node_modules');
    });
    assert.deepEqual(found, []);
    assert.ok(existsSync(path.join(scratch, 'node_modules', 'dockerode')), 'runtime dependencies are installed');
  });
});
