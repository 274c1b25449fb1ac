import { releaseBaseUri } from '../apt/release-files.js';
import { ATTEMPT_TIMEOUT_SECONDS } from '../helper/attempt-timeout.js';
import type { HelperSession } from '../helper/helper-session.js';
import type { Repo } from '../input/schema.js';
import { helperScript } from '../plan/helper-paths.js';

/**
 * sha256 of every repo's Release file as the mirrors serve it at the build's
 * start, or undefined when one cannot be read. The cache keys cover them (a
 * mirror update misses) and the metadata records them (the up-to-date check
 * compares them with the mirrors' later state).
 */
export async function readReleaseDigests(session: HelperSession, repos: readonly Repo[]): Promise<string[] | undefined> {
  const result = await session.runNetwork('release-digests', ['bash', helperScript('release-digests.sh'), ...repos.map(releaseBaseUri)], {
    timeoutSeconds: ATTEMPT_TIMEOUT_SECONDS.update,
    what: 'the repos\u2019 Release files',
  });
  const lines = result.stdout.split('\n').filter(Boolean);
  if (lines.length !== repos.length || lines.some((line) => line === 'missing')) return undefined;
  return lines;
}

