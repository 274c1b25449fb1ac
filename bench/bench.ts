/**
 * The benchmark: fuel-image against its peers on one machine, in one
 * invocation, on the reference workload (bookworm; linux-image-amd64,
 * systemd-sysv, openssh-server, ifupdown; "/" ext4 + "/boot" ext2; gzip):
 *
 *   fuel         Fuel's pipeline in the helper image (bench/peers/fuel-pipeline.sh)
 *   mmdebstrap   mmdebstrap + mke2fs -d + pigz in the bench image (bench/peers/mmdebstrap.sh)
 *   cold         fuel-image --no-cache
 *   same-spec    the same content in a new environment, after one cold build with the caches
 *   one-package  the same spec with one package more, after that build
 *   boot-format  the same spec with "/boot" in ext4, after that build
 *
 * Prints seconds per mode and stage and the ratios to *fuel* and to *cold*,
 * and writes the same as JSON, with each run's time, the mode timed just
 * before it and the CPU time the hypervisor stole meanwhile ("steal"), which
 * tells a slow machine from slow code. Speed is measured here, never asserted
 * in tests.
 *
 *   npm run bench                          # every mode once
 *   npm run bench -- --runs 3              # medians of 3; fuel, mmdebstrap and cold take turns at going first
 *   npm run bench -- --modes cold,mmdebstrap --json out.json
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { DEFAULT_GZIP_LEVEL } from '../src/plan/plan-build.js';

const MODES = ['fuel', 'mmdebstrap', 'cold', 'same-spec', 'one-package', 'boot-format'] as const;
type Mode = (typeof MODES)[number];
const PACKAGES = ['linux-image-amd64', 'systemd-sysv', 'openssh-server', 'ifupdown'];
const EXTRA_PACKAGE = 'less';
const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'bin', 'fuel-image.js');

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    modes: { type: 'string', default: MODES.join(',') },
    json: { type: 'string', default: path.join(ROOT, 'bench', 'results', 'latest.json') },
  },
});
const runs = Number(values.runs);
const modes = values.modes!.split(',').map((m) => m.trim()) as Mode[];
for (const mode of modes) if (!MODES.includes(mode)) throw new Error(`--modes: unknown mode ${mode} (known: ${MODES.join(', ')})`);

interface Sample {
  seconds: number;
  stages: Record<string, number>;
  /** The gzip files' bytes, all images together: what the level trades against time. */
  bytes?: number;
  /**
   * CPU seconds the hypervisor gave to others while this mode ran (steal in
   * /proc/stat, all CPUs): a run with much of it was slowed by the machine,
   * not by the code.
   */
  steal: number;
  /** The mode timed just before this one in the same run (undefined: the first, or right after the primer build). */
  after?: Mode;
}

const work = await mkdtemp(path.join(tmpdir(), 'fuel-image-bench-'));
const env = { ...process.env, FUEL_IMAGE_NO_CACHE: '' };
const template = JSON.parse((await execa('node', [CLI, 'example'], { env })).stdout) as Record<string, any>;
const mirror = template.repos[0].uri as string;
const suite = template.codename as string;
const helperImage = JSON.parse((await execa('node', [CLI, 'helper', 'build', '--progress=json'], { env })).stdout.trim().split('\n').at(-1)!).image as string;
const samples = new Map<Mode, Sample[]>(modes.map((m) => [m, []]));

let previous: Mode | undefined;
try {
  for (let run = 1; run <= runs; run++) {
    // The modes timed from nothing take turns at going first: what ran just
    // before a mode (minutes of another's I/O and CPU) changes its time.
    for (const mode of rotate(modes.filter((m) => m === 'fuel' || m === 'mmdebstrap' || m === 'cold'), run - 1)) {
      const sample = mode === 'cold' ? await runFuelImage(`cold-${run}`, spec(`cold_${run}`), ['--no-cache']) : await runPeer(mode);
      samples.get(mode)!.push({ ...sample, after: previous });
      previous = mode;
    }
    const cached = modes.filter((m) => m === 'same-spec' || m === 'one-package' || m === 'boot-format');
    if (cached.length > 0) {
      // Each cached mode starts from the same state: an empty cache, then one cold build filling it.
      await execa('node', [CLI, 'cache', 'prune', '--all', '--progress=json'], { env });
      await runFuelImage(`primer-${run}`, spec(`primer_${run}`), []);
      previous = undefined;
      for (const mode of cached) {
        const name = `${mode.replace('-', '_')}_${run}`;
        const base = spec(name);
        const variant =
          mode === 'one-package'
            ? { ...base, packages: [...PACKAGES, EXTRA_PACKAGE] }
            : mode === 'boot-format'
              ? { ...base, image_data: { ...base.image_data, '/boot': { ...base.image_data['/boot'], format: 'ext4' } } }
              : base;
        samples.get(mode)!.push({ ...(await runFuelImage(`${mode}-${run}`, variant, [])), after: previous });
        previous = mode;
      }
    }
  }
  const report = summarise();
  printTable(report);
  await mkdir(path.dirname(values.json!), { recursive: true });
  await writeFile(values.json!, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nJSON: ${values.json}`);
} finally {
  await rm(work, { recursive: true, force: true });
}

/** The reference spec under names of its own (another environment). */
function spec(name: string): Record<string, any> {
  const images = template.image_data as Record<string, { uri: string; format: string; container: string }>;
  return {
    ...template,
    output: path.join(work, name),
    packages: PACKAGES,
    image_data: Object.fromEntries(Object.entries(images).map(([mount, image]) => [mount, { ...image, uri: image.uri.replace(/env_1_/, `env_${name}_`) }])),
  };
}

async function runFuelImage(label: string, specDoc: Record<string, any>, args: string[]): Promise<Sample> {
  await mkdir(specDoc.output, { recursive: true });
  await settleDisk();
  const stealBefore = await stealSeconds();
  const started = performance.now();
  const run = await execa('node', [CLI, JSON.stringify(specDoc), '--progress=json', ...args], { env, reject: false });
  const seconds = (performance.now() - started) / 1000;
  if (run.exitCode !== 0) throw new Error(`${label}: fuel-image exited ${run.exitCode}: ${run.stderr.slice(-3000)}`);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { stages: Record<string, number>; images: Array<{ size: number }> };
  console.error(`${label}: ${seconds.toFixed(1)} s`);
  await rm(specDoc.output, { recursive: true, force: true });
  return { seconds, stages: result.stages, bytes: result.images.reduce((sum, image) => sum + image.size, 0), steal: (await stealSeconds()) - stealBefore };
}

async function runPeer(mode: 'fuel' | 'mmdebstrap'): Promise<Sample> {
  const image = mode === 'fuel' ? helperImage : await benchImage();
  const peers = path.join(ROOT, 'bench', 'peers');
  const script = (await readFile(path.join(peers, 'imaging.sh'), 'utf8')) + (await readFile(path.join(peers, mode === 'fuel' ? 'fuel-pipeline.sh' : 'mmdebstrap.sh'), 'utf8'));
  await settleDisk();
  const stealBefore = await stealSeconds();
  const started = performance.now();
  // The script on stdin: no host path is mounted, as with fuel-image's own helper.
  const run = await execa(
    'docker',
    ['run', '-i', '--rm', '--network', 'host', '-e', `GZIP_LEVEL=${DEFAULT_GZIP_LEVEL}`, '--cap-add', 'SYS_ADMIN', '--security-opt', 'apparmor=unconfined', '--label', 'fuel-image.bench=1', image, 'bash', '-s', '--', mirror, suite, ...PACKAGES],
    { input: script, reject: false },
  );
  const seconds = (performance.now() - started) / 1000;
  if (run.exitCode !== 0) throw new Error(`${mode}: exited ${run.exitCode}: ${run.stderr.slice(-3000)}`);
  const marks = [...run.stdout.matchAll(/^mark (\S+) (\d+)$/gm)].map((m) => ({ stage: m[1]!, at: Number(m[2]) }));
  const stages: Record<string, number> = {};
  for (let i = 0; i + 1 < marks.length; i++) stages[marks[i]!.stage] = (marks[i + 1]!.at - marks[i]!.at) / 1000;
  console.error(`${mode}: ${seconds.toFixed(1)} s`);
  const bytes = [...run.stderr.matchAll(/^\S+\s+\d+\s+\S+\s+\S+\s+(\d+)\s.*\.img\.gz$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  return { seconds, stages, bytes: bytes || undefined, steal: (await stealSeconds()) - stealBefore };
}

/**
 * Writes back what the previous mode left dirty (gigabytes of trees and
 * images) before the clock starts, so that no mode pays for the one before.
 */
async function settleDisk(): Promise<void> {
  await execa('sync');
}

/** Seconds of CPU stolen by the hypervisor so far, all CPUs (the engine runs on this machine). */
async function stealSeconds(): Promise<number> {
  const cpu = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal, in clock ticks (USER_HZ, 100 on Linux).
  return Number(cpu[8] ?? 0) / 100;
}

/** `list` started at its `by`-th element, wrapping round. */
function rotate<T>(list: readonly T[], by: number): T[] {
  const start = list.length ? by % list.length : 0;
  return [...list.slice(start), ...list.slice(0, start)];
}

/** The helper plus mmdebstrap, built once per helper version. */
async function benchImage(): Promise<string> {
  const tag = `fuel-image-bench:${helperImage.split(':').at(-1)}`;
  const present = await execa('docker', ['image', 'inspect', tag], { reject: false });
  if (present.exitCode !== 0) await execa('docker', ['build', '--network', 'host', '-q', '-t', tag, '--build-arg', `HELPER_IMAGE=${helperImage}`, path.join(ROOT, 'bench', 'peers')]);
  return tag;
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function summarise() {
  const result: Record<string, { seconds: number; runs: number[]; steal: number[]; after: Array<string | null>; stages: Record<string, number>; image_bytes?: number }> = {};
  for (const [mode, list] of samples) {
    if (list.length === 0) continue;
    const seconds = median(list.map((s) => s.seconds));
    // The stages of the run nearest the median.
    const nearest = list.reduce((a, b) => (Math.abs(b.seconds - seconds) < Math.abs(a.seconds - seconds) ? b : a));
    result[mode] = {
      seconds: round(seconds),
      runs: list.map((s) => round(s.seconds)),
      steal: list.map((s) => round(s.steal)),
      after: list.map((s) => s.after ?? null),
      stages: Object.fromEntries(Object.entries(nearest.stages).map(([k, v]) => [k, round(v)])),
      image_bytes: nearest.bytes,
    };
  }
  const ratio = (a?: number, b?: number) => (a && b ? round(a / b, 2) : null);
  const fuel = result.fuel?.seconds;
  const cold = result.cold?.seconds;
  const ratios = Object.fromEntries(Object.entries(result).map(([mode, r]) => [mode, { speedup_vs_fuel: ratio(fuel, r.seconds), share_of_cold: ratio(r.seconds, cold) }]));
  const targets = [
    { target: 'cold >= 4x faster than fuel', value: ratio(fuel, cold), pass: (v: number) => v >= 4 },
    { target: 'cold >= 1.3x faster than mmdebstrap', value: ratio(result.mmdebstrap?.seconds, cold), pass: (v: number) => v >= 1.3 },
    { target: 'same spec <= 0.15 of cold', value: ratio(result['same-spec']?.seconds, cold), pass: (v: number) => v <= 0.15 },
    { target: 'one package added <= 0.5 of cold', value: ratio(result['one-package']?.seconds, cold), pass: (v: number) => v <= 0.5 },
    { target: '/boot format changed <= 0.3 of cold', value: ratio(result['boot-format']?.seconds, cold), pass: (v: number) => v <= 0.3 },
  ].map((t) => ({ target: t.target, value: t.value, met: t.value === null ? null : t.pass(t.value) }));
  return {
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism(), node: process.version },
    workload: { suite, packages: PACKAGES, images: { '/': 'ext4', '/boot': 'ext2' }, container: 'gzip', gzip_level: DEFAULT_GZIP_LEVEL, extra_package: EXTRA_PACKAGE },
    runs,
    modes: result,
    ratios,
    targets,
  };
}

function printTable(report: ReturnType<typeof summarise>): void {
  const stageNames = [...new Set(Object.values(report.modes).flatMap((m) => Object.keys(m.stages)))];
  const head = ['mode'.padEnd(12), 'seconds'.padStart(8), 'x fuel'.padStart(7), '/ cold'.padStart(7), 'MB out'.padStart(7), 'steal'.padStart(6), ...stageNames.map((s) => s.slice(0, 11).padStart(11))];
  console.log(`\n${head.join(' ')}`);
  for (const [mode, r] of Object.entries(report.modes)) {
    const ratios = report.ratios[mode]!;
    const cells = [mode.padEnd(12), r.seconds.toFixed(1).padStart(8), fmt(ratios.speedup_vs_fuel).padStart(7), fmt(ratios.share_of_cold).padStart(7), (r.image_bytes ? (r.image_bytes / 1e6).toFixed(1) : '').padStart(7), median(r.steal).toFixed(1).padStart(6), ...stageNames.map((s) => (r.stages[s] === undefined ? '' : r.stages[s]!.toFixed(1)).padStart(11))];
    console.log(cells.join(' '));
  }
  console.log('\ntargets');
  for (const t of report.targets) console.log(`  ${t.met === null ? '-' : t.met ? 'met    ' : 'NOT met'}  ${t.target}: ${t.value ?? 'not run'}`);
}

function fmt(value: number | null): string {
  return value === null ? '-' : value.toFixed(2);
}

function round(value: number, digits = 1): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
