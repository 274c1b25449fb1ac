import type { ExecResult } from '../docker/exec-in-container.js';
import { FuelImageError } from '../errors.js';
import { redactSecrets } from '../log/redact.js';

/*
 * apt's messages for failures that retrying cannot fix. Everything else
 * (timeouts, 5xx, dropped connections, hash sum mismatches while a mirror
 * syncs) is left to the retry.
 */

export function classifyUpdateFailure(result: ExecResult): FuelImageError | undefined {
  const out = result.outputTail;
  const noRelease = /The repository '([^']+)' (?:does not have a Release file|is not signed)/.exec(out);
  if (noRelease)
    return new FuelImageError('REPO_NOT_FOUND', `repository "${redactSecrets(noRelease[1]!)}" has no usable Release file (missing or unsigned): check its uri and suite`);
  const notFound = /Failed to fetch (\S+\/(?:In)?Release)\s+404/.exec(out);
  if (notFound) return new FuelImageError('REPO_NOT_FOUND', `repository Release file not found (404): ${redactSecrets(notFound[1]!)}`);
  if (/NO_PUBKEY|EXPKEYSIG|BADSIG/.test(out))
    return new FuelImageError('REPO_NOT_FOUND', 'a repository is signed by a key the target does not trust: pass --keyring FILE or --no-check-gpg');
  return undefined;
}

export function classifyInstallFailure(result: ExecResult): FuelImageError | undefined {
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
