import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { useWorkDir } from '../helpers/temp-dir.js';
import { labelledContainers } from '../helpers/engine.js';
import { dirHas, logHas, startCli, waitFor } from '../helpers/processes.js';
import { lightSpec } from '../helpers/specs.js';

/*
 * SIGTERM (as Astute sends past its timeout) or SIGINT (Ctrl-C) in each
 * stage: the helper is removed, nothing partial or temporary stays in the
 * output directory, and the images an earlier build left there are untouched.
 */
describe('interrupted builds', () => {
  const workDir = useWorkDir('kill');

  const earlier: Record<string, string> = {
    'env_9_debian_12_amd64.img.gz': 'root image of an earlier build',
    'env_9_debian_12_amd64-boot.img.gz': 'boot image of an earlier build',
    'env_9_debian_12_amd64.yaml': 'images: []\n',
  };

  const stages: Array<{ stage: string; signal: NodeJS.Signals; exitCode: number; reached: (log: string, out: string) => () => Promise<boolean> }> = [
    { stage: 'bootstrap', signal: 'SIGTERM', exitCode: 143, reached: (log) => logHas(log, (l) => l.step === 'bootstrap-download' && /start/.test(l.msg)) },
    { stage: 'package install', signal: 'SIGTERM', exitCode: 143, reached: (log) => logHas(log, (l) => l.step === 'install-packages' && /start/.test(l.msg)) },
    { stage: 'image creation', signal: 'SIGTERM', exitCode: 143, reached: (log) => logHas(log, (l) => /^mkfs /.test(l.step ?? '') && /start/.test(l.msg)) },
    { stage: 'streaming out', signal: 'SIGTERM', exitCode: 143, reached: (_log, out) => dirHas(out, (n) => n.startsWith('.fuel-image-tmp-')) },
    { stage: 'bootstrap (Ctrl-C)', signal: 'SIGINT', exitCode: 130, reached: (log) => logHas(log, (l) => l.step === 'bootstrap-download' && /start/.test(l.msg)) },
  ];

  for (const { stage, signal, exitCode, reached } of stages) {
    it(`${signal} during ${stage}: exit ${exitCode}, no helper, no partial files, earlier images intact`, async () => {
      const out = path.join(workDir(), stage.replace(/\W+/g, '-'));
      await mkdir(out);
      for (const [name, content] of Object.entries(earlier)) await writeFile(path.join(out, name), content);
      const log = path.join(workDir(), `${path.basename(out)}.log`);
      const child = startCli([JSON.stringify(lightSpec(out)), '--log-file', log]);
      // Streaming out is short: poll the output directory fast for the staging directory.
      await waitFor(stage, reached(log, out), 240_000, stage === 'streaming out' ? 2 : 100);
      child.kill(signal);
      const run = await child;
      assert.equal(run.exitCode, exitCode, run.stderr.slice(-2000));
      const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, string>;
      assert.equal(result.code, 'ABORTED');
      assert.deepEqual(await labelledContainers(), []);
      assert.deepEqual((await readdir(out)).sort(), Object.keys(earlier).sort(), 'no staging directory, lock or partial file');
      for (const [name, content] of Object.entries(earlier)) assert.equal(await readFile(path.join(out, name), 'utf8'), content, name);
    });
  }
});
