import { FuelImageError } from '../errors.js';
import { redactSecrets } from '../log/redact.js';
import { HELPER } from '../plan/helper-paths.js';

/*
 * A full disk on the engine's side. The tree, the filesystem images and
 * everything else a build makes live in the helper container's writable
 * layer, on the engine's data root (`docker info`: DockerRootDir), not on the
 * builder's disk: so a full disk there fails a step with whatever the tool
 * says about ENOSPC. This file recognises those forms and composes one error,
 * ENGINE_DISK_FULL, naming the data root, the space free there and an
 * estimate of what the build needs. Errors of the builder's own output
 * directory stay OUTPUT (output/staging.ts).
 */

const MiB = 1024 * 1024;

/** Lines that say ENOSPC outright, whichever tool printed them. */
const CERTAIN: RegExp[] = [
  // strerror(ENOSPC): tar, cat, cp, gzip and pigz, dpkg and dpkg-deb, apt
  // ("(28: No space left on device)"), wget, mke2fs/resize2fs, and the
  // Engine API's own answers ("... : no space left on device").
  /no space left on device/i,
  /\bENOSPC\b/,
  // apt-get's check before it downloads or unpacks.
  /You don't have enough free space in/i,
];

/**
 * Lines that mean ENOSPC only when the disk is in fact (nearly) full: the
 * tool lost the errno on the way. debootstrap's first stage keeps wget's and
 * tar's own messages in debootstrap.log and says "Couldn't download
 * package(s)" or "Tried to extract package, but tar failed" (older
 * versions: "but file already exists"); e2fsprogs reports a write that
 * ENOSPC cut short as a "short write". Not one of them: mke2fs's "Could not
 * allocate block in ext2 filesystem", which is the image being too small,
 * not the engine's disk.
 */
const SUSPECT: RegExp[] = [/Tried to extract package, but (?:tar failed|file already exists)/, /Couldn't download packages?\b/, /resulted in short write/];

/** Below this much free space a suspect line is taken as ENOSPC. */
export const NEARLY_FULL_BYTES = 64 * MiB;

/**
 * The smallest tree a build makes: debootstrap's minbase (Debian 12 with one
 * package: 138 MiB once cleaned). A build that failed before its tree was
 * complete assumes at least this much tree.
 */
export const MIN_TREE_BYTES = 144 * MiB;

/**
 * The images made beside the tree, per byte of tree: each raw image is about
 * its content's size, and its compressed copy is written while the raw one
 * still exists, all images at once (Debian 12: 1.57).
 */
export const IMAGES_PER_TREE = 1.6;

export interface DiskFullLine {
  /** The line that shows it. */
  line: string;
  /** true: ENOSPC said outright; false: a suspect line, ENOSPC only if the disk is nearly full. */
  certain: boolean;
}

/** The first line of a step's output that says the disk filled (a certain one before a suspect one). */
export function findDiskFull(output: string): DiskFullLine | undefined {
  const lines = output.split('\n');
  for (const [patterns, certain] of [[CERTAIN, true], [SUSPECT, false]] as const) {
    const line = lines.find((l) => patterns.some((p) => p.test(l)));
    if (line !== undefined) return { line: line.trim(), certain };
  }
  return undefined;
}

/**
 * The message of an Engine API answer (an error from dockerode, which has an
 * HTTP status) that says the engine's disk is full. An errno without a
 * status (ENOSPC writing the builder's output directory) is not one.
 */
export function engineSaysDiskFull(error: unknown): string | undefined {
  if (!(error instanceof Error) || error instanceof FuelImageError) return undefined;
  if (typeof (error as { statusCode?: unknown }).statusCode !== 'number') return undefined;
  return CERTAIN.some((p) => p.test(error.message)) ? error.message.replace(/^\(HTTP code \d+\)\s*/, '').trim() : undefined;
}

/** What the helper measured after the failure; any figure may be missing (best effort). */
export interface DiskReport {
  /** Free space of the helper's root (its writable layer: the data root's filesystem), as `df` "Available". */
  freeBytes?: number;
  /** Size of that filesystem. */
  sizeBytes?: number;
  /** The tree: /target and the mount points cut out of it (/parts), caches included. */
  treeBytes?: number;
  /** What of the tree clean-target.sh removes before the images are made: apt's cache and lists, debootstrap's directory. */
  cacheBytes?: number;
  /** Images made so far (/work). */
  workBytes?: number;
}

/** Free space of the helper's root: its writable layer is on the data root's filesystem. */
export const DF_ARGV = ['df', '-P', '-B1', '/'];
/** The tree's caches, which clean-target.sh removes before the images are made. */
const CACHES = [`${HELPER.target}/var/cache/apt`, `${HELPER.target}/var/lib/apt/lists`, `${HELPER.target}/debootstrap`];
/**
 * What the build wrote. GNU du counts a file once, under the first argument
 * that reaches it: the caches first, then the rest of the tree. -x: not
 * /proc or /sys mounted in the tree. Exits 1 for a directory not made yet.
 */
export const DU_ARGV = ['du', '-s', '-x', '-B1', '--', ...CACHES, HELPER.target, HELPER.parts, HELPER.work];

/** `df -P -B1 /`: "Filesystem 1-blocks Used Available Capacity Mounted-on", one line of figures. */
export function parseDf(stdout: string): Pick<DiskReport, 'freeBytes' | 'sizeBytes'> {
  const fields = stdout.trim().split('\n').at(-1)?.trim().split(/\s+/) ?? [];
  const size = Number(fields[1]);
  const free = Number(fields[3]);
  if (fields.length < 6 || !Number.isSafeInteger(size) || !Number.isSafeInteger(free)) return {};
  return { sizeBytes: size, freeBytes: free };
}

/** DU_ARGV's output: "bytes<TAB>path" per directory that exists. */
export function parseDu(stdout: string): Pick<DiskReport, 'treeBytes' | 'cacheBytes' | 'workBytes'> {
  const report: Pick<DiskReport, 'treeBytes' | 'cacheBytes' | 'workBytes'> = {};
  for (const line of stdout.split('\n')) {
    const match = /^(\d+)\s+(\S.*)$/.exec(line.trim());
    if (!match) continue;
    const bytes = Number(match[1]);
    const where = match[2]!;
    if (where === HELPER.work) report.workBytes = bytes;
    else if (where === HELPER.target || where === HELPER.parts || CACHES.includes(where)) report.treeBytes = (report.treeBytes ?? 0) + bytes;
    if (CACHES.includes(where)) report.cacheBytes = (report.cacheBytes ?? 0) + bytes;
  }
  return report;
}

export interface DiskNeed {
  /** The tree the images are made of: as measured once they are being made, else the tree without its caches, at least MIN_TREE_BYTES. */
  treeBytes: number;
  /** That tree plus its images, or what the build had already written if more. */
  totalBytes: number;
  /** What the build needs beyond what it had (what it wrote plus what was free); at least a tenth of the total. */
  moreBytes: number;
  /** Images were being made: the tree was complete. */
  treeComplete: boolean;
}

/** How much more space the build needs on the data root: an estimate, from the tree reached and the images still to make. */
export function estimateNeed(report: DiskReport): DiskNeed {
  const tree = report.treeBytes ?? 0;
  const work = report.workBytes ?? 0;
  const treeComplete = work > 0;
  const treeBytes = treeComplete ? tree : Math.max(tree - (report.cacheBytes ?? 0), MIN_TREE_BYTES);
  const totalBytes = Math.max(Math.ceil(treeBytes * (1 + IMAGES_PER_TREE)), tree + work);
  const had = tree + work + (report.freeBytes ?? 0);
  const moreBytes = Math.max(totalBytes - had, Math.ceil(totalBytes / 10));
  return { treeBytes, totalBytes, moreBytes, treeComplete };
}

export interface DiskFullFacts {
  /** The step that failed, or the Engine API call. */
  step: string;
  /** The line (or engine answer) that showed it. */
  evidence: string;
  /** `docker info` DockerRootDir; undefined when the engine did not say. */
  dataRoot?: string;
  report: DiskReport;
}

/** Whole MiB, rounded up, so "0 MiB" means nothing at all. */
export function mib(bytes: number): string {
  return `${Math.ceil(bytes / MiB)} MiB`;
}

/** The one error for a full disk on the engine's side. */
export function diskFullError(facts: DiskFullFacts): FuelImageError {
  const { report } = facts;
  const need = estimateNeed(report);
  const root = facts.dataRoot ? `its data root ${facts.dataRoot}` : 'its data root (docker info did not say where)';
  const free = report.freeBytes === undefined ? ', free space not measured' : `, which has ${mib(report.freeBytes)} free`;
  const tree = report.treeBytes;
  const basis = need.treeComplete
    ? `the tree is ${mib(need.treeBytes)} and its images take about ${IMAGES_PER_TREE} times that`
    : tree === undefined
      ? `a tree of at least ${mib(MIN_TREE_BYTES)} and its images, about ${IMAGES_PER_TREE} times the tree`
      : `the tree had reached ${mib(tree)}${report.cacheBytes ? `, ${mib(report.cacheBytes)} of it caches removed before the images are made` : ''}; ` +
        `its images, of a tree of at least ${mib(need.treeBytes)}, take about ${IMAGES_PER_TREE} times that`;
  const message =
    `step "${facts.step}" ran out of disk space on the Docker engine: the helper container's files are on ${root}${free}; ` +
    `this build needs about ${mib(need.moreBytes)} more there (an estimate: ${basis}). ` +
    'Free space on that filesystem or give the engine a larger data root, then build again.' +
    `\n${redactSecrets(facts.evidence).slice(0, 300)}`;
  return new FuelImageError('ENGINE_DISK_FULL', message, {
    details: {
      step: facts.step,
      dataRoot: facts.dataRoot,
      freeBytes: report.freeBytes,
      treeBytes: report.treeBytes,
      cacheBytes: report.cacheBytes,
      workBytes: report.workBytes,
      neededBytes: need.moreBytes,
    },
  });
}

/** How the session looks at the engine after a failure; each call may reject (best effort). */
export interface DiskProbe {
  /** Runs a command in the helper and resolves with its stdout, whatever its exit code. */
  run(argv: string[]): Promise<string>;
  /** The engine's data root (`docker info` DockerRootDir). */
  dataRoot(): Promise<string | undefined>;
}

export interface DiskFullSeen {
  /** The output of a command that exited non-zero. */
  output?: string;
  /** The step accepts that exit code (apt-get update's 100, which the stage reads itself): even an outright line then needs the free space to confirm it. */
  accepted?: boolean;
  /** An error of an Engine API call. */
  error?: unknown;
}

/**
 * ENGINE_DISK_FULL when a failed step's output or an Engine API error says
 * the disk filled (a suspect line only once the free space confirms it),
 * with the figures the probe could get; undefined for any other failure.
 */
export async function checkDiskFull(step: string, seen: DiskFullSeen, probe: DiskProbe): Promise<FuelImageError | undefined> {
  const answer = engineSaysDiskFull(seen.error);
  const found: DiskFullLine | undefined = answer !== undefined ? { line: answer, certain: true } : seen.output !== undefined ? findDiskFull(seen.output) : undefined;
  if (!found) return undefined;
  const report: DiskReport = { ...parseDf(await probe.run(DF_ARGV).catch(() => '')) };
  const confirmed = report.freeBytes !== undefined && report.freeBytes < NEARLY_FULL_BYTES;
  if (!(found.certain && !seen.accepted) && !confirmed) return undefined;
  Object.assign(report, parseDu(await probe.run(DU_ARGV).catch(() => '')));
  const dataRoot = await probe.dataRoot().catch(() => undefined);
  return diskFullError({ step, evidence: found.line, dataRoot, report });
}

/**
 * An Engine API error outside any helper step (creating or starting the
 * helper, the key secret's volume) that says the disk is full:
 * ENGINE_DISK_FULL naming the data root; with no helper to measure from, the
 * free space is not measured and the estimate is the smallest build's.
 */
export function engineDiskFullError(call: string, error: unknown, dataRoot: () => Promise<string | undefined>): Promise<FuelImageError | undefined> {
  return checkDiskFull(call, { error }, { run: async () => '', dataRoot });
}
