import { FuelImageError } from '../errors.js';

/** What a failed command left: the last lines of its output. */
export interface CommandOutput {
  outputTail: string;
}

/** What `apt-get update` said, whether it exited 0 or not (apt before 2.1.16 exits 0 when index downloads fail). */
export interface UpdateReport {
  /** "uri suite" of repos without a Release file or with an unsigned one. */
  unsigned: string[];
  /** Release files past their Valid-Until: the file's URL and apt's "invalid since". */
  expired: Array<{ url: string; since: string }>;
  /** Components a repo's Release file does not have (a misspelt section): "uri suite" and the component. */
  missingComponents: Array<{ repo: string; component: string }>;
  /** Index files that failed to download, other than Release files. */
  failedIndexes: Array<{ url: string; notFound: boolean }>;
  /** Release files that failed to download for another reason than a 404 (a 404 is a repo without one). */
  failedReleases: string[];
  /** A Release signed by a key the target does not trust. */
  untrustedKey: boolean;
  /** apt ignored some index files (used old ones or none). */
  incomplete: boolean;
}

export function readUpdateOutput(output: string): UpdateReport {
  const fetches = [...output.matchAll(/Failed to fetch (\S+)\s+(.*)$/gm)];
  const isRelease = (url: string) => /\/(?:In)?Release(?:\.gpg)?$/.test(url);
  const failed = fetches.filter((m) => !isRelease(m[1]!));
  return {
    unsigned: [...output.matchAll(/The repository '(\S+ \S+) (?:In)?Release' (?:does not have a Release file|is not signed)/g)].map((m) => m[1]!),
    expired: [...output.matchAll(/Release file for (\S+) is expired \(invalid since ([^)]*)\)/g)].map((m) => ({ url: m[1]!, since: m[2]! })),
    missingComponents: [...output.matchAll(/as repository '(\S+ \S+) (?:In)?Release' doesn't have the component '([^']+)'/g)].map((m) => ({ repo: m[1]!, component: m[2]! })),
    failedIndexes: failed.map((m) => ({ url: m[1]!, notFound: /\b404\b/.test(m[2]!) })),
    failedReleases: fetches.filter((m) => isRelease(m[1]!) && !/\b404\b/.test(m[2]!)).map((m) => m[1]!),
    untrustedKey: /NO_PUBKEY|EXPKEYSIG|BADSIG/.test(output),
    incomplete: /Some index files failed to download/.test(output),
  };
}

/*
 * apt's messages for failures that retrying cannot fix. Everything else
 * (timeouts, 5xx, dropped connections, hash sum mismatches while a mirror
 * syncs) is left to the retry.
 */

export function classifyInstallFailure(result: CommandOutput): FuelImageError | undefined {
  const out = result.outputTail;
  const missing = [
    ...[...out.matchAll(/Unable to locate package (\S+)/g)].map((m) => m[1]!),
    ...[...out.matchAll(/Package '?([^' ]+)'? has no installation candidate/g)].map((m) => m[1]!),
    ...[...out.matchAll(/Version '([^']+)' for '([^']+)' was not found/g)].map((m) => `${m[2]}=${m[1]}`),
  ];
  if (missing.length > 0) {
    const names = [...new Set(missing)];
    return new FuelImageError('PACKAGE_NOT_FOUND', `package${names.length > 1 ? 's' : ''} not found in any repo: ${names.join(', ')}`, {
      details: { packages: names },
    });
  }
  if (/Unable to correct problems, you have held broken packages|unmet dependencies/i.test(out))
    return new FuelImageError('PACKAGE_NOT_FOUND', `the requested packages cannot be installed together:\n${out.split('\n').slice(-10).join('\n')}`);
  return undefined;
}
