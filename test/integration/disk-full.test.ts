import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { DEFAULT_BASE_IMAGE } from '../../src/cli/parse-args.js';
import { ensureHelperImage } from '../../src/helper/helper-image.js';
import { LABEL } from '../../src/helper/labels.js';
import { docker, runCli } from '../helpers/engine.js';
import { startSmallEngine, type SmallEngine } from '../helpers/small-engine.js';
import { lightSpec } from '../helpers/specs.js';
import { useWorkDir } from '../helpers/temp-dir.js';

const MiB = 1024 * 1024;

/*
 * A real engine whose data root is small: a second dockerd on a tmpfs,
 * holding only the helper image (copied from the machine's engine) and
 * about 96 MiB to spare, so debootstrap fills it in the build's first stage.
 */
describe('a full disk on the engine side', () => {
  const workDir = useWorkDir('disk-full');
  let engine: SmallEngine | undefined;

  before(async () => {
    const helperImage = await ensureHelperImage(docker, { baseImage: DEFAULT_BASE_IMAGE, logger: pino({ level: 'silent' }) });
    engine = await startSmallEngine(512);
    await engine.loadImage(docker, helperImage);
    await engine.leaveFree(96 * MiB);
  }, { timeout: 180_000 });

  after(async () => {
    await engine?.stop();
  });

  it('fails with ENGINE_DISK_FULL naming the data root and the space; nothing of the build is left', { timeout: 150_000 }, async (t) => {
    const small = engine!;
    const out = path.join(workDir(), 'out');
    await mkdir(out);
    const log = path.join(workDir(), 'build.log');
    const freeBefore = await small.free();
    const run = await runCli([JSON.stringify(lightSpec(out)), '--log-file', log], { env: { DOCKER_HOST: small.url } });
    const context = `${run.stdout}\n${run.stderr.slice(-2000)}\n${(await small.log()).slice(-1500)}`;

    assert.equal(run.exitCode, 1, context);
    assert.equal(run.result.code, 'ENGINE_DISK_FULL', context);
    const message = run.result.message as string;
    t.diagnostic(message);
    assert.ok(message.includes(`on its data root ${small.dataRoot}, which has `), message);
    assert.match(message, /^step "[^"]+" ran out of disk space on the Docker engine: .* which has \d+ MiB free; this build needs about \d+ MiB more there \(an estimate: /);
    const needed = Number(/needs about (\d+) MiB more/.exec(message)![1]);
    assert.ok(needed * MiB > freeBefore, `needs ${needed} MiB, more than the ${freeBefore / MiB} MiB it had`);

    // Not retried: no retry can make room.
    const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(lines.filter((line) => /retrying/.test(String(line.msg))).map((line) => line.msg), []);
    const failure = lines.find((line) => line.code === 'ENGINE_DISK_FULL');
    assert.equal(failure?.dataRoot, small.dataRoot);
    assert.ok(typeof failure?.freeBytes === 'number' && typeof failure.neededBytes === 'number', JSON.stringify(failure));

    // The helper is gone, and with it all the build wrote on the engine's disk; the output directory got nothing.
    assert.deepEqual(await small.docker.listContainers({ all: true }), []);
    assert.deepEqual(await small.docker.listContainers({ all: true, filters: { label: [LABEL.managed] } }), []);
    const freeAfter = await small.free();
    assert.ok(freeAfter > freeBefore - 4 * MiB, `free before ${freeBefore / MiB} MiB, after ${freeAfter / MiB} MiB`);
    assert.deepEqual(await readdir(out), []);
  });
});
