import { STAGES } from '../../src/pipeline/progress.js';
import { UNIT_MIRROR } from './specs.js';

/**
 * The JSON log lines of a made-up build, shaped as a real one logs them
 * (stage records from src/pipeline/progress.ts, step lines from the helper
 * session as debootstrap and apt print them), one second apart unless a
 * stage takes longer. For the progress view's unit tests.
 */
export function buildRecords(options: { debootstrapPackages?: number; aptPackages?: number; warnings?: string[]; failIn?: string } = {}): string[] {
  const debs = options.debootstrapPackages ?? 30;
  const apts = options.aptPackages ?? 12;
  const lines: string[] = [];
  let time = 1_700_000_000_000;
  const log = (level: number, fields: Record<string, unknown>, msg: string, step = 100) => {
    time += step;
    lines.push(JSON.stringify({ level, time, pid: 1, ...fields, msg }));
  };
  const stepLines = (step: string, output: string[], level = 30) => {
    log(20, { step, argv: [step] }, `${step}: start`);
    for (const line of output) log(level, { step, stream: 'stdout' }, line);
    log(20, { step, seconds: 1, exitCode: 0 }, `${step}: done in 1s`);
  };
  const total = Object.values(STAGES).reduce((a, b) => a + b, 0);
  let done = 0;
  const stage = (name: keyof typeof STAGES, msg: string) => {
    log(30, { stage: name, progress: Math.round((done / total) * 100) }, msg, 1000);
    done += STAGES[name];
  };
  const names = Array.from({ length: Math.max(debs, apts) }, (_, i) => `pkg${i}`);

  log(30, { reason: 'no metadata from an earlier build' }, 'building: no metadata from an earlier build');
  stage('helper-image', 'preparing the helper image');
  log(20, { image: 'fuel-image-helper:0123' }, 'helper image up to date');
  stage('helper-start', 'starting helper container fuel-image-0123456789ab');
  stage('bootstrap', 'bootstrapping bookworm from debian');
  stepLines('probe-release', ['### scripts', 'bookworm', '### release', 'Origin: Debian'], 20);
  stepLines('bootstrap-download', [
    'I: Retrieving InRelease',
    'I: Checking Release signature',
    'I: Valid Release signature',
    'I: Retrieving Packages',
    'I: Validating Packages',
    'I: Resolving dependencies of required packages...',
    `I: Checking component main on ${UNIT_MIRROR}...`,
    ...names.slice(0, debs).flatMap((n) => [`I: Retrieving ${n} 1.0-1`, `I: Validating ${n} 1.0-1`]),
    'I: Chosen extractor for .deb packages: dpkg-deb',
    ...names.slice(0, debs).map((n) => `I: Extracting ${n}...`),
  ]);
  stepLines('bootstrap-configure', [
    'I: Installing core packages...',
    ...names.slice(0, debs).map((n) => `I: Unpacking ${n}...`),
    ...names.slice(0, debs).map((n) => `I: Configuring ${n}...`),
    'I: Base system installed successfully.',
    'io eatmydata',
  ]);
  if (options.failIn === 'bootstrap') return lines;
  stage('install', `installing ${apts} packages`);
  stepLines('apt-update', [`Get:1 ${UNIT_MIRROR} bookworm InRelease [151 kB]`, `Get:2 ${UNIT_MIRROR} bookworm/main amd64 Packages [8,780 kB]`, 'Fetched 8,931 kB in 1s (8,931 kB/s)'], 20);
  stepLines('download-packages', [
    'Reading package lists...',
    `0 upgraded, ${apts} newly installed, 0 to remove and 0 not upgraded.`,
    `Need to get ${apts}.0 MB of archives.`,
    ...names.slice(0, apts).map((n, i) => `Get:${i + 1} ${UNIT_MIRROR} bookworm/main amd64 ${n} amd64 1.0-1 [1,000 kB]`),
    `Fetched ${apts}.0 MB in 1s (12.0 MB/s)`,
    'Download complete and in download only mode',
  ]);
  if (options.failIn === 'install') return lines;
  stepLines('install-packages', [
    ...names.slice(0, apts).flatMap((n) => [`Selecting previously unselected package ${n}.`, `Unpacking ${n} (1.0-1) ...`]),
    ...names.slice(0, apts).map((n) => `Setting up ${n} (1.0-1) ...`),
    'Processing triggers for libc-bin (2.36-9) ...',
  ]);
  stepLines('inspect', ['### os-release', 'ID=debian'], 20);
  for (const warning of options.warnings ?? []) log(40, { step: 'inspect' }, warning);
  stage('clean', 'removing build-only files from the tree');
  stepLines('clean-target', [], 20);
  stage('filesystems', 'making 2 filesystem image(s)');
  stepLines('mkfs /', ['fuel-image: /target: 1000 blocks, 100 inodes of content; making 40000 blocks', 'Pass 1: Checking inodes, blocks, and sizes'], 20);
  stepLines('mkfs /boot', ['Pass 5: Checking group summary information'], 20);
  stage('stream-out', 'writing images to /srv/out');
  log(30, { step: 'stream-out', file: 'a.img.gz', bytes: 1000 }, 'a.img.gz: 1000 bytes written');
  stage('publish', 'publishing images and metadata');
  log(30, { stage: 'done', progress: 100 }, 'build complete', 1000);
  return lines;
}

/** A build's result line as the CLI prints it. */
export const BUILD_RESULT = {
  outcome: 'success',
  output: '/srv/out',
  metadata: '/srv/out/env_1.yaml',
  images: [
    { mount_point: '/', file: '/srv/out/env_1.img.gz', size: 190058794, md5: 'e6054bec0cdfd535ff7a67b6d65e50c8', raw_size: 950566912, raw_md5: '1ae7879362028e228875092ecc44660e' },
    { mount_point: '/boot', file: '/srv/out/env_1-boot.img.gz', size: 45153866, md5: '98efaa3df5c0f0d2c9f062f967712679', raw_size: 48877568, raw_md5: '4f9436522f9e1780f1c51b7a4e375625' },
  ],
  duration_seconds: 133.6,
  stages: { bootstrap: 51.1 },
  warnings: [] as string[],
};
