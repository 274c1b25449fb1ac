import { aptSuite, isFlat, releaseBaseUri } from '../apt/release-files.js';
import { FuelImageError } from '../errors.js';
import { ATTEMPT_TIMEOUT_SECONDS } from '../helper/attempt-timeout.js';
import type { HelperSession } from '../helper/helper-session.js';
import type { Repo } from '../input/schema.js';
import { redactSecrets } from '../log/redact.js';
import { helperScript } from '../plan/helper-paths.js';
import { expiredRelease } from './probe-release.js';
import type { TrustOptions } from './stage-context.js';

/** What release-digests.sh read of one repo's Release file. */
export type RepoRelease =
  | { state: 'read'; digest: string; validUntil?: Date; components?: string[] }
  /** The server answered 404 for InRelease and Release. */
  | { state: 'absent' }
  /** Unreadable otherwise (a mirror down, a timeout): apt will say more. */
  | { state: 'missing' };

export interface ReleaseDigests {
  /** One "sha256 NAME" line per repo, or undefined when one could not be read. */
  digests?: string[];
  repos: RepoRelease[];
}

/**
 * Every repo's Release file as the mirrors serve it at the build's start.
 * The cache keys cover the digests (a mirror update misses) and the metadata
 * records them (the up-to-date check compares them with the mirrors' later
 * state); checkRepoReleases refuses what apt would refuse only after the
 * bootstrap.
 */
export async function readReleaseDigests(session: HelperSession, repos: readonly Repo[]): Promise<ReleaseDigests> {
  const result = await session.runNetwork('release-digests', ['bash', helperScript('release-digests.sh'), ...repos.map(releaseBaseUri)], {
    timeoutSeconds: ATTEMPT_TIMEOUT_SECONDS.update,
    what: 'the repos\u2019 Release files',
  });
  return parseReleaseDigests(result.stdout, repos.length);
}

export function parseReleaseDigests(stdout: string, count: number): ReleaseDigests {
  const lines = stdout.split('\n').filter(Boolean);
  const repos = Array.from({ length: count }, (_, i): RepoRelease => parseLine(lines[i]));
  const digests = repos.map((repo) => (repo.state === 'read' ? repo.digest : undefined));
  return { digests: lines.length === count && digests.every((d) => d !== undefined) ? (digests as string[]) : undefined, repos };
}

function parseLine(line: string | undefined): RepoRelease {
  if (line === 'absent') return { state: 'absent' };
  const [digest = '', until = '-', components = '-'] = (line ?? '').split('\t');
  if (!/^[0-9a-f]{64} (InRelease|Release)$/.test(digest)) return { state: 'missing' };
  const date = until === '-' ? undefined : new Date(until);
  return {
    state: 'read',
    digest,
    validUntil: date && !Number.isNaN(date.getTime()) ? date : undefined,
    components: components === '-' ? undefined : components.split(/\s+/).filter(Boolean),
  };
}

/**
 * Before the bootstrap, what apt would refuse only after it (a minute
 * later): a Release file past its Valid-Until, a section the Release file
 * does not list, and (when apt will require a signature) a suite the server
 * has no Release file for. An unreadable file is left to apt.
 */
export function checkRepoReleases(repos: readonly Repo[], releases: readonly RepoRelease[], trust: Pick<TrustOptions, 'checkGpg' | 'allowUnsigned' | 'checkValidUntil'>, now = new Date()): void {
  repos.forEach((repo, i) => {
    const release = releases[i];
    const where = `repos[${i}] "${repo.name}" (${redactSecrets(repo.uri, { singleValue: true })})`;
    if (release?.state === 'absent' && trust.checkGpg && !trust.allowUnsigned)
      throw new FuelImageError('REPO_NOT_FOUND', `${where} answers 404 for suite "${repo.suite}" (${isFlat(repo) ? aptSuite(repo) : `dists/${repo.suite}/`}Release): check its uri and suite`);
    if (release?.state !== 'read') return;
    if (trust.checkValidUntil && release.validUntil && release.validUntil.getTime() < now.getTime()) throw expiredRelease(where, release.validUntil);
    const listed = release.components;
    if (isFlat(repo) || !listed) return;
    const missing = repo.section.split(/\s+/).filter((s) => s && !listsSection(listed, s));
    if (missing.length > 0)
      throw new FuelImageError(
        'REPO_NOT_FOUND',
        `${where} has no section ${missing.map((s) => `"${s}"`).join(', ')} in suite "${repo.suite}" (its Release file lists ${listed.join(', ')}): check the repo's section`,
      );
  });
}

/** apt's reading: "main/debian-installer" is under "main", and Debian's security archive lists "updates/main" for "main". */
function listsSection(components: readonly string[], section: string): boolean {
  const top = section.split('/')[0]!;
  return components.some((c) => c === section || c === top || c.endsWith(`/${section}`));
}
