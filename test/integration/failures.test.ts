import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { useWorkDir } from '../helpers/temp-dir.js';
import { containersCreatedSince, labelledContainers, runCli } from '../helpers/engine.js';
import { exampleSpec } from '../helpers/specs.js';

describe('failures leave nothing behind', () => {
  const workDir = useWorkDir('fail');

  it('refuses a spec with a bad field: exit 2, the field named, no container, no output', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const out = path.join(workDir(), 'never-created');
    const spec = exampleSpec({ output: out, image_data: { ...exampleSpec().image_data, '/boot': { uri: 'http://x/b.img.gz', format: 'btrfs' } } });
    const run = await runCli([JSON.stringify(spec)]);
    assert.equal(run.exitCode, 2);
    assert.match(run.stderr, /image_data\["\/boot"\]\.format/);
    assert.equal(run.result.code, 'INVALID_SPEC');
    assert.match(run.result.message, /image_data\["\/boot"\]\.format/);
    assert.deepEqual(await containersCreatedSince(since, run.pid), []);
    await assert.rejects(readdir(out), { code: 'ENOENT' });
  });

  it('refuses a --keyring that does not exist: exit 2, nothing created', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const out = path.join(workDir(), 'out-keyring');
    await mkdir(out);
    const run = await runCli([JSON.stringify(exampleSpec({ output: out })), '--keyring', path.join(workDir(), 'no-such.gpg')]);
    assert.equal(run.exitCode, 2, run.stdout);
    assert.equal(run.result.code, 'USAGE');
    assert.match(run.result.message, /--keyring .*no-such\.gpg: no such file/);
    assert.deepEqual(await containersCreatedSince(since, run.pid), []);
    assert.deepEqual(await readdir(out), []);
  });

  it('never quotes a malformed spec back: its password and credentials stay out of stdout, stderr and the log', async () => {
    const log = path.join(workDir(), 'secret.log');
    const secrets = ['s3cret-root-pw', 'p@ss-repo', 'pr0xy-pw'];
    const text = JSON.stringify(
      exampleSpec({
        root_password: secrets[0],
        repos: [{ ...exampleSpec().repos[0], uri: `http://fuel:${secrets[1]}@127.0.0.1:8080/debian` }],
        proxies: { protocols: { http: `http://u:${secrets[2]}@127.0.0.1:3128` } },
      }),
    );
    // A syntax error in the middle of it, and the same text as a mangled non-JSON argument.
    for (const bad of [`${text.slice(0, -1)},}`, text.slice(1)]) {
      const run = await runCli([bad, '--log-file', log]);
      assert.equal(run.exitCode, 2, run.stdout);
      const seen = `${run.stdout}\n${run.stderr}\n${await readFile(log, 'utf8').catch(() => '')}`;
      for (const secret of secrets) assert.ok(!seen.includes(secret), `${secret} leaked: ${seen.slice(0, 500)}`);
    }
  });

  it('reads the spec from a file or stdin as well', async () => {
    const file = path.join(workDir(), 'bad.json');
    await writeFile(file, JSON.stringify(exampleSpec({ codename: 'Bad Name' })));
    const fromFile = await runCli([file]);
    assert.equal(fromFile.exitCode, 2);
    assert.match(fromFile.result.message, /codename/);
    const fromStdin = await runCli(['-'], { input: JSON.stringify(exampleSpec({ repos: [] })) });
    assert.equal(fromStdin.exitCode, 2);
    assert.match(fromStdin.result.message, /repos/);
  });

  it('fails clearly when the engine is unreachable or the output directory is missing', async () => {
    const out = path.join(workDir(), 'out-engine');
    await mkdir(out);
    const noEngine = await runCli([JSON.stringify(exampleSpec({ output: out }))], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    assert.equal(noEngine.exitCode, 1);
    assert.equal(noEngine.result.code, 'ENGINE_UNREACHABLE');
    const missing = await runCli([JSON.stringify(exampleSpec({ output: path.join(workDir(), 'missing') }))]);
    assert.equal(missing.exitCode, 1);
    assert.equal(missing.result.code, 'OUTPUT');
    assert.match(missing.result.message, /does not exist/);
  });

  it('fails fast on a package no repo has, naming it; no container left, earlier outputs untouched', async () => {
    const out = path.join(workDir(), 'out-pkg');
    await mkdir(out);
    const earlier = path.join(out, 'env_1_debian_12_amd64.img.gz');
    await writeFile(earlier, 'an image from an earlier build');
    const log = path.join(workDir(), 'pkg.log');
    const run = await runCli([JSON.stringify(exampleSpec({ output: out, packages: ['systemd-sysv', 'no-such-package-fuel'] })), '--log-file', log]);
    assert.equal(run.exitCode, 1, run.stderr.slice(-2000));
    assert.equal(run.result.code, 'PACKAGE_NOT_FOUND');
    assert.match(run.result.message, /no-such-package-fuel/);
    const retries = (await readFile(log, 'utf8')).split('\n').filter((l) => l.includes('"step":"download-packages"') && l.includes('retrying'));
    assert.deepEqual(retries, [], 'a missing package is not retried');
    assert.deepEqual(await labelledContainers(), []);
    assert.deepEqual(await readdir(out), ['env_1_debian_12_amd64.img.gz']);
    assert.equal(await readFile(earlier, 'utf8'), 'an image from an earlier build');
  });
});
