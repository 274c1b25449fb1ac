import path from 'node:path';
import type { CliArgs } from './parse-args.js';

export interface HostPath {
  path: string;
  writable: boolean;
}

/**
 * The host paths a command reads or writes, for the RPM's wrapper: where the
 * host has no usable Node.js it runs the builder image, which sees the host
 * only through bind mounts, so it asks this first (with
 * FUEL_IMAGE_HOST_PATHS=1) and mounts each at the same path. Pure: the spec's
 * own output directory comes from the caller, which has read the spec.
 */
export function listHostPaths(args: CliArgs, cwd: string, specOutput?: string): HostPath[] {
  const at = (p: string) => path.resolve(cwd, p);
  const ro = (p: string): HostPath => ({ path: at(p), writable: false });
  const rw = (p: string): HostPath => ({ path: at(p), writable: true });
  // The log file may not exist yet, and is written under a temporary name beside it.
  const logDir = (file: string | undefined) => (file ? [rw(path.dirname(at(file)))] : []);
  switch (args.command) {
    case 'build': {
      const paths: HostPath[] = [];
      if (typeof args.spec === 'string' && isSpecFile(args.spec)) paths.push(ro(args.spec));
      const output = args.output ?? specOutput;
      if (output) paths.push(rw(output));
      if (args.keyring) paths.push(ro(args.keyring));
      return [...paths, ...logDir(args.logFile)];
    }
    case 'verify':
      // A metadata file is read with the images beside it.
      return [ro(/\.ya?ml$/.test(args.target) ? path.dirname(at(args.target)) : args.target), ...logDir(args.logFile)];
    case 'gc':
      return args.outputs.map(rw);
    case 'helper':
      if (args.action === 'save') return [rw(path.dirname(at(args.file!)))];
      if (args.action === 'load') return [ro(args.file!)];
      return [];
    case 'serve':
      return [ro(args.directory)];
    default:
      return [];
  }
}

/** As readSpecText tells them apart: JSON text starts with { or [, "-" is stdin. */
function isSpecFile(argument: string): boolean {
  const trimmed = argument.trimStart();
  return argument !== '-' && !trimmed.startsWith('{') && !trimmed.startsWith('[');
}

/** One line per path, "ro" or "rw", a tab, the path: what the wrapper reads with `read`. */
export function formatHostPaths(paths: HostPath[]): string {
  return paths.map((p) => `${p.writable ? 'rw' : 'ro'}\t${p.path}\n`).join('');
}
