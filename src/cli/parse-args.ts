import { parseArgs } from 'node:util';
import { FuelImageError } from '../errors.js';
import { PROGRESS_MODES, type ProgressRequest } from '../log/progress-mode.js';
import { DEFAULT_GZIP_LEVEL } from '../plan/plan-build.js';
import type { ExampleArgs, MirrorArgs } from './print-example.js';
import type { ServeArgs } from './serve-images.js';

/** Made locally by images/base/make-base.sh (debootstrap + docker import): no registry. */
export const DEFAULT_BASE_IMAGE = 'fuel-image-base:trixie';

export interface BuildArgs {
  command: 'build';
  /** JSON text, a file, "-", or the bundled example (--example) with the host's mirror or --mirror. */
  spec: string | { example: true; mirror?: string };
  output?: string;
  logFile?: string;
  level: 'debug' | 'info' | 'warn';
  /** What stderr shows: auto (a live view on a terminal, JSON lines elsewhere), tty, plain or json. */
  progress: ProgressRequest;
  baseImage: string;
  helperImage?: string;
  privileged: boolean;
  network: string;
  retries: number;
  retryDelayMs: number;
  keyring?: string;
  checkGpg: boolean;
  allowUnsigned: boolean;
  checkValidUntil: boolean;
  featureSet: 'compatible' | 'target';
  /** pigz's level for gzip containers (--gzip-level). */
  gzipLevel: number;
  force: boolean;
  lockWaitSeconds: number;
  /** The image cache: --no-cache turns it off; --cache-max bounds it. */
  cache: { enabled: boolean; maxBytes: number };
}

export interface GcArgs {
  command: 'gc';
  all: boolean;
  dryRun: boolean;
  outputs: string[];
  level: 'debug' | 'info' | 'warn';
  progress: ProgressRequest;
}

export interface VerifyArgs {
  command: 'verify';
  target: string;
  boot: boolean;
  bootTimeoutSeconds: number;
  baseImage: string;
  helperImage?: string;
  privileged: boolean;
  level: 'debug' | 'info' | 'warn';
  progress: ProgressRequest;
  logFile?: string;
}

export interface HelperArgs {
  command: 'helper';
  action: 'build' | 'save' | 'load';
  /** The archive to write (save) or read (load). */
  file?: string;
  baseImage: string;
  level: 'debug' | 'info' | 'warn';
  progress: ProgressRequest;
}

export interface CacheArgs {
  command: 'cache';
  action: 'ls' | 'prune';
  /** prune: every entry, not only those beyond the size bound. */
  all: boolean;
  maxBytes: number;
  baseImage: string;
  helperImage?: string;
  level: 'debug' | 'info' | 'warn';
  progress: ProgressRequest;
}

/** The image cache's default bound: about forty builds of the example. */
export const DEFAULT_CACHE_MAX_BYTES = 10 * 1024 ** 3;

export type CliArgs = BuildArgs | GcArgs | VerifyArgs | HelperArgs | CacheArgs | ServeArgs | ExampleArgs | MirrorArgs | { command: 'help' } | { command: 'version' };

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  output: { type: 'string', short: 'o' },
  'log-file': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  quiet: { type: 'boolean', short: 'q' },
  'base-image': { type: 'string' },
  'helper-image': { type: 'string' },
  privileged: { type: 'boolean' },
  network: { type: 'string' },
  retries: { type: 'string' },
  'retry-delay': { type: 'string' },
  keyring: { type: 'string' },
  'no-check-gpg': { type: 'boolean' },
  'allow-unsigned': { type: 'boolean' },
  'no-check-valid-until': { type: 'boolean' },
  'fs-features': { type: 'string' },
  'gzip-level': { type: 'string' },
  force: { type: 'boolean', short: 'f' },
  'lock-wait': { type: 'string' },
  all: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  boot: { type: 'boolean' },
  'boot-timeout': { type: 'string' },
  mirror: { type: 'string' },
  example: { type: 'boolean' },
  listen: { type: 'string' },
  prefix: { type: 'string' },
  progress: { type: 'string' },
  'no-cache': { type: 'boolean' },
  'cache-max': { type: 'string' },
} as const;

export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new FuelImageError('USAGE', `${(error as Error).message} (see fuel-image --help)`, { cause: error });
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };
  const level = values.verbose ? 'debug' : values.quiet ? 'warn' : 'info';
  const progress = progressMode(values.progress);
  if (positionals[0] === 'gc') {
    return { command: 'gc', all: values.all ?? false, dryRun: values['dry-run'] ?? false, outputs: positionals.slice(1), level, progress };
  }
  if (positionals[0] === 'example' || positionals[0] === 'mirror') {
    if (positionals.length !== 1) throw new FuelImageError('USAGE', `${positionals[0]} takes no arguments (see fuel-image --help)`);
    return positionals[0] === 'example' ? { command: 'example', mirror: values.mirror } : { command: 'mirror' };
  }
  if (positionals[0] === 'serve') {
    if (positionals.length !== 2) throw new FuelImageError('USAGE', 'serve takes one directory (see fuel-image --help)');
    const prefix = values.prefix ?? '/targetimages/';
    return { command: 'serve', directory: positionals[1]!, listen: values.listen ?? '127.0.0.1:8080', prefix: `/${prefix.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/'), level, progress };
  }
  if (positionals[0] === 'cache') {
    const [, action, ...extra] = positionals;
    if ((action !== 'ls' && action !== 'prune') || extra.length > 0) throw new FuelImageError('USAGE', 'expected "cache ls" or "cache prune [--all]" (see fuel-image --help)');
    return {
      command: 'cache',
      action,
      all: values.all ?? false,
      maxBytes: byteSize('--cache-max', values['cache-max'] ?? process.env.FUEL_IMAGE_CACHE_MAX),
      baseImage: values['base-image'] ?? process.env.FUEL_IMAGE_BASE ?? DEFAULT_BASE_IMAGE,
      helperImage: values['helper-image'] ?? process.env.FUEL_IMAGE_HELPER,
      level,
      progress,
    };
  }
  if (positionals[0] === 'helper') return helperArgs(positionals.slice(1), values['base-image'], level, progress);
  if (positionals[0] === 'verify') {
    if (positionals.length !== 2) throw new FuelImageError('USAGE', 'verify takes one output directory or metadata file (see fuel-image --help)');
    return {
      command: 'verify',
      target: positionals[1]!,
      boot: values.boot ?? false,
      bootTimeoutSeconds: integer('--boot-timeout', values['boot-timeout'], 600, 30, 7200),
      baseImage: values['base-image'] ?? process.env.FUEL_IMAGE_BASE ?? DEFAULT_BASE_IMAGE,
      // A given helper image would lack QEMU: --boot always uses the boot image.
      helperImage: values.boot ? undefined : (values['helper-image'] ?? process.env.FUEL_IMAGE_HELPER),
      privileged: values.privileged ?? false,
      level,
      progress,
      logFile: values['log-file'],
    };
  }
  const rest = positionals[0] === 'build' ? positionals.slice(1) : positionals;
  if (values.example && rest.length > 0) throw new FuelImageError('USAGE', '--example builds the bundled example: give no spec with it (see fuel-image --help)');
  if (!values.example && rest.length !== 1) throw new FuelImageError('USAGE', 'expected exactly one spec: JSON text, a file path, or "-" for stdin (see fuel-image --help)');
  return {
    command: 'build',
    spec: values.example ? { example: true, mirror: values.mirror } : rest[0]!,
    output: values.output,
    logFile: values['log-file'],
    level,
    progress,
    baseImage: values['base-image'] ?? process.env.FUEL_IMAGE_BASE ?? DEFAULT_BASE_IMAGE,
    helperImage: values['helper-image'] ?? process.env.FUEL_IMAGE_HELPER,
    privileged: values.privileged ?? false,
    network: values.network ?? 'host',
    retries: integer('--retries', values.retries, 4, 0, 20),
    retryDelayMs: integer('--retry-delay', values['retry-delay'], 2000, 0, 600_000),
    keyring: values.keyring,
    checkGpg: !values['no-check-gpg'],
    allowUnsigned: values['allow-unsigned'] ?? process.env.FUEL_IMAGE_ALLOW_UNSIGNED === '1',
    checkValidUntil: !(values['no-check-valid-until'] ?? process.env.FUEL_IMAGE_NO_CHECK_VALID_UNTIL === '1'),
    featureSet: featureSet(values['fs-features']),
    gzipLevel: integer('--gzip-level', values['gzip-level'], DEFAULT_GZIP_LEVEL, 1, 9),
    force: values.force ?? false,
    lockWaitSeconds: integer('--lock-wait', values['lock-wait'], 3600, 0, 86_400),
    cache: { enabled: !(values['no-cache'] ?? process.env.FUEL_IMAGE_NO_CACHE === '1'), maxBytes: byteSize('--cache-max', values['cache-max'] ?? process.env.FUEL_IMAGE_CACHE_MAX) },
  };
}

function helperArgs(rest: string[], baseImage: string | undefined, level: HelperArgs['level'], progress: ProgressRequest): HelperArgs {
  const [action, file, ...extra] = rest;
  const base = baseImage ?? process.env.FUEL_IMAGE_BASE ?? DEFAULT_BASE_IMAGE;
  if (action === 'build' && file === undefined) return { command: 'helper', action, baseImage: base, level, progress };
  if ((action === 'save' || action === 'load') && file !== undefined && extra.length === 0) return { command: 'helper', action, file, baseImage: base, level, progress };
  throw new FuelImageError('USAGE', 'expected "helper build", "helper save FILE" or "helper load FILE" (see fuel-image --help)');
}

function progressMode(value: string | undefined): ProgressRequest {
  if (value === undefined) return 'auto';
  const found = PROGRESS_MODES.find((mode) => mode === value);
  if (found) return found;
  throw new FuelImageError('USAGE', `--progress: expected one of ${PROGRESS_MODES.join(', ')}, got "${value}"`);
}

function featureSet(value: string | undefined): 'compatible' | 'target' {
  if (value === undefined || value === 'compatible' || value === 'target') return value ?? 'compatible';
  throw new FuelImageError('USAGE', `--fs-features: expected "compatible" (what Fuel's node agent reads, the default) or "target", got "${value}"`);
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new FuelImageError('USAGE', `${name}: expected a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

/** A size in bytes, or with a K, M, G or T suffix (powers of 1024): "10G", "500M". */
export function byteSize(name: string, value: string | undefined): number {
  if (value === undefined) return DEFAULT_CACHE_MAX_BYTES;
  const found = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(value.trim());
  if (!found) throw new FuelImageError('USAGE', `${name}: expected a size such as 10G, 500M or a number of bytes, got "${value}"`);
  const bytes = Math.floor(Number(found[1]) * 1024 ** ' KMGT'.indexOf((found[2] || ' ').toUpperCase()));
  if (!Number.isSafeInteger(bytes)) throw new FuelImageError('USAGE', `${name}: "${value}" is too large`);
  return bytes;
}
