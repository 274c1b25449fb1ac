import { FuelImageError } from '../errors.js';
import { redactSecrets } from '../log/redact.js';

/** What a failed command left: the last lines of its output. */
export interface CommandOutput {
  outputTail: string;
}

/*
 * apt's messages for failures that retrying cannot fix. Everything else
 * (timeouts, 5xx, dropped connections, hash sum mismatches while a mirror
 * syncs) is left to the retry.
 */

export function classifyUpdateFailure(result: CommandOutput): FuelImageError | undefined {
  const out = result.outputTail;
  const notFound = /Failed to fetch (\S+)\s+404/.exec(out);
  if (notFound && !/\/(?:In)?Release$/.test(notFound[1]!))
    return new FuelImageError('REPO_NOT_FOUND', `repository index not found (404): ${redactSecrets(notFound[1]!)}: check the repo's uri, suite and section`);
  // "uri suite Release": the repo has no Release file, or an unsigned one.
  const unsigned = [...out.matchAll(/The repository '(\S+ \S+) (?:In)?Release' (?:does not have a Release file|is not signed)/g)].map((m) => m[1]!);
  if (unsigned.length > 0)
    return new FuelImageError('REPO_NOT_FOUND', `repository ${unsigned.map((u) => `"${redactSecrets(u)}"`).join(', ')} has no Release file or an unsigned one: check its uri and suite`, {
      details: { unsigned },
    });
  if (/NO_PUBKEY|EXPKEYSIG|BADSIG/.test(out))
    return new FuelImageError('REPO_NOT_FOUND', 'a repository is signed by a key the target does not trust: pass --keyring FILE or --no-check-gpg');
  return undefined;
}

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
