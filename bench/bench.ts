/**
 * Benchmark: one real build of the example spec (or the spec given), then
 * per-stage and per-step timings and their ratios, read from the build's own
 * JSON log. Speed is measured here, never asserted in tests.
 *
 *   npm run bench                    # the example (`fuel-image example`: the host's mirror)
 *   npm run bench -- spec.json --runs 3
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';

const { values, positionals } = parseArgs({ options: { runs: { type: 'string', default: '1' } }, allowPositionals: true });
const specFile = positionals[0] ?? (await exampleSpecFile());
const runs = Number(values.runs);

interface LogLine { stage?: string; step?: string; seconds?: number; exitCode?: number; msg?: string }

for (let run = 1; run <= runs; run++) {
  const dir = await mkdtemp(path.join(tmpdir(), 'fuel-image-bench-'));
  const log = path.join(dir, 'build.log');
  const started = performance.now();
  const build = await execa('node', ['bin/fuel-image.js', specFile, '--output', dir, '--log-file', log, '--quiet'], { reject: false });
  const wall = (performance.now() - started) / 1000;
  if (build.exitCode !== 0) {
    console.error(build.stdout, build.stderr.slice(-3000));
    process.exit(1);
  }
  const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);
  const stages = lines.filter((l) => l.stage && typeof l.seconds === 'number');
  const steps = new Map<string, number>();
  for (const l of lines) if (l.step && typeof l.seconds === 'number' && typeof l.exitCode === 'number') steps.set(l.step, (steps.get(l.step) ?? 0) + l.seconds);
  const total = stages.reduce((sum, s) => sum + s.seconds!, 0);

  console.log(`\nrun ${run}/${runs}: ${specFile}: ${wall.toFixed(1)} s wall, ${total.toFixed(1)} s in stages`);
  console.log('stage'.padEnd(16), 'seconds'.padStart(8), 'share'.padStart(7));
  for (const s of stages) console.log(s.stage!.padEnd(16), s.seconds!.toFixed(1).padStart(8), `${((s.seconds! / total) * 100).toFixed(1)}%`.padStart(7));
  console.log('\nslowest steps'.padEnd(30), 'seconds'.padStart(8));
  for (const [step, seconds] of [...steps].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(step.padEnd(29), seconds.toFixed(1).padStart(8));
  const get = (name: string) => steps.get(name) ?? 0;
  const stage = (name: string) => stages.find((s) => s.stage === name)?.seconds ?? 0;
  console.log('\nratios');
  console.log(`  initramfs / install stage        ${(get('initramfs') / stage('install')).toFixed(2)}`);
  console.log(`  package download / install stage ${(get('download-packages') / stage('install')).toFixed(2)}`);
  console.log(`  bootstrap download / bootstrap   ${(get('bootstrap-download') / stage('bootstrap')).toFixed(2)}`);
  console.log(`  images+stream / total            ${((stage('filesystems') + stage('stream-out')) / total).toFixed(2)}`);
  await rm(dir, { recursive: true, force: true });
}

/** examples/bookworm.json is a template: the CLI fills in the host's Debian mirror. */
async function exampleSpecFile(): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'fuel-image-bench-spec-')), 'example-spec.json');
  await writeFile(file, (await execa('node', ['bin/fuel-image.js', 'example'])).stdout);
  return file;
}
