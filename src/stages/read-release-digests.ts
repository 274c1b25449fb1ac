import { aptSuite, isFlat, releaseBaseUri } from '../apt/release-files.js';
import { FuelImageError } from '../errors.js';
import { ATTEMPT_TIMEOUT_SECONDS } from '../helper/attempt-timeout.js';
import type { HelperSession } from '../helper/helper-session.js';
import type { Repo } from '../input/schema.js';
import { redactSecrets } from '../log/redact.js';
import { helperScript } from '../plan/helper-paths.js';
import { atLeast } from '../release/versions.js';
import { expiredRelease } from './probe-release.js';
import type { TrustOptions } from './stage-context.js';

/** What release-digests.sh read of one repo's Release file. */
export type RepoRelease =
  | {
      state: 'read';
      digest: string;
      validUntil?: Date;
      /** Its Components field. */
      components?: string[];
      /** The directories of the index files it lists ("main/binary-amd64"). */
      indexDirs?: string[];
    }
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

/** release-digests.sh's lines, one per repo; `digests` only when every repo's file was read. */
export function parseReleaseDigests(stdout: string, count: number): ReleaseDigests {
  const lines = stdout.split('\n').filter(Boolean);
  const repos = Array.from({ length: count }, (_, i): RepoRelease => parseLine(lines[i]));
  const digests = repos.flatMap((repo) => (repo.state === 'read' ? [repo.digest] : []));
  return { digests: lines.length === count && digests.length === count ? digests : undefined, repos };
}

function parseLine(line: string | undefined): RepoRelease {
  if (line === 'absent') return { state: 'absent' };
  const [digest = '', until = '-', components = '-', indexDirs = '-'] = (line ?? '').split('\t');
  if (!/^[0-9a-f]{64} (InRelease|Release)$/.test(digest)) return { state: 'missing' };
  const date = until === '-' ? undefined : new Date(until);
  const words = (field: string) => (field === '-' ? undefined : field.split(/\s+/).filter(Boolean));
  return { state: 'read', digest, validUntil: date && !Number.isNaN(date.getTime()) ? date : undefined, components: words(components), indexDirs: words(indexDirs) };
}

export interface ReleaseCheckOptions {
  trust: Pick<TrustOptions, 'checkGpg' | 'allowUnsigned' | 'checkValidUntil'>;
  /** The target's apt as the release table knows it; undefined for a codename it does not know. */
  aptVersion?: string;
  now?: Date;
}

/**
 * Before the bootstrap, what apt would refuse only after it (a minute
 * later), so that a typo costs seconds: a Release file past its
 * Valid-Until, a section apt would skip (apt 1.5 and later; the build
 * refuses it after `apt-get update` too), and (when apt will require a
 * signature) a suite the server has no Release file for. Anything less
 * certain, such as an unreadable file or a codename the table does not
 * know, is left to apt.
 */
export function checkRepoReleases(repos: readonly Repo[], releases: readonly RepoRelease[], { trust, aptVersion, now = new Date() }: ReleaseCheckOptions): void {
  repos.forEach((repo, i) => {
    const release = releases[i];
    const where = `repos[${i}] "${repo.name}" (${redactSecrets(repo.uri, { singleValue: true })})`;
    if (release?.state === 'absent' && trust.checkGpg && !trust.allowUnsigned)
      throw new FuelImageError('REPO_NOT_FOUND', `${where} answers 404 for suite "${repo.suite}" (${isFlat(repo) ? aptSuite(repo) : `dists/${repo.suite}/`}Release): check its uri and suite`);
    if (release?.state !== 'read') return;
    if (trust.checkValidUntil && release.validUntil && release.validUntil.getTime() < now.getTime()) throw expiredRelease(where, release.validUntil);
    const { components, indexDirs } = release;
    if (isFlat(repo) || !components || !indexDirs?.length || !aptVersion || !atLeast(aptVersion, '1.5')) return;
    const missing = repo.section.split(/\s+/).filter((s) => s && !hasSection(components, indexDirs, s));
    if (missing.length > 0)
      throw new FuelImageError(
        'REPO_NOT_FOUND',
        `${where} has no section ${missing.map((s) => `"${s}"`).join(', ')} in suite "${repo.suite}" (its Release file lists ${components.join(', ')}): check the repo's section`,
      );
  });
}

/**
 * apt's rule (acquire-item.cc): a component is there when the Release file
 * lists index files under it, or names it in Components, where Debian's
 * security archive writes "updates/main" for "main".
 */
function hasSection(components: readonly string[], indexDirs: readonly string[], section: string): boolean {
  return indexDirs.some((dir) => dir === section || dir.startsWith(`${section}/`)) || components.some((c) => c === section || c.split('/').at(-1) === section);
}
