import { toError } from '../errors.js';
import type { HelperSession } from '../helper/helper-session.js';
import { helperScript, HELPER } from '../plan/helper-paths.js';
import { cacheEnv, parseEntries } from './image-cache.js';
import { BootstrapEntry } from './schema.js';

/** The cached bootstrap under `key`, or undefined; a found one is marked as just used. */
export async function lookUpBootstrap(session: HelperSession, key: string): Promise<BootstrapEntry | undefined> {
  const result = await session.run('cache-get', ['bash', helperScript('cache.sh'), 'get', 'bootstraps', key], { env: cacheEnv() });
  return parseEntries(result.stdout, BootstrapEntry, session.logger).get(key);
}

/**
 * Takes a hard-linked copy of the freshly bootstrapped target without what
 * only this build may see (keep-bootstrap.sh, a second), then archives it
 * into the cache in the background. `stored` settles with true (stored),
 * false (it was there) or the error: the caller awaits it before dpkg
 * changes the original's files (the copy shares their inodes), and a failure
 * to store is a warning. (Wrapped: an async function's returned promise would be awaited.)
 */
export async function startStoringBootstrap(session: HelperSession, key: string, entry: BootstrapEntry): Promise<{ stored: Promise<boolean | Error> }> {
  await session.run('keep-bootstrap', ['bash', helperScript('keep-bootstrap.sh'), HELPER.target, HELPER.keptBootstrap]);
  const stored = session
    .run('cache-put', ['bash', helperScript('cache.sh'), 'put', 'bootstraps', key, HELPER.keptBootstrap], { env: cacheEnv(), stdin: JSON.stringify(entry) })
    .then((result) => /^stored$/m.test(result.stdout))
    .catch(toError);
  return { stored };
}
