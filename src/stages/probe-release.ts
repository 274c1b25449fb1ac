import { FuelImageError } from '../errors.js';
import { ATTEMPT_TIMEOUT_SECONDS } from '../helper/attempt-timeout.js';
import { redactSecrets } from '../log/redact.js';
import { helperScript } from '../plan/helper-paths.js';
import { debootstrapScript, familyOf, releaseFields, validUntil, type Family } from '../release/releases.js';
import type { StageContext } from './stage-context.js';

export interface ReleaseProbe {
  family: Family;
  /** debootstrap's script argument when it has none for the codename (the family's generic one). */
  script?: string;
}

/**
 * Before debootstrap: repos[0]'s Release file for the codename and the
 * helper's debootstrap scripts. A missing suite fails at once; an expired
 * Release file fails at once unless --no-check-valid-until; an unknown
 * codename is placed in its family by the Release file's Origin.
 */
export async function probeRelease({ session, plan, trust }: StageContext, now = new Date()): Promise<ReleaseProbe> {
  const mirror = plan.spec.repos[0]!;
  const codename = plan.spec.codename;
  const where = `repos[0] "${mirror.name}" (${redactSecrets(mirror.uri, { singleValue: true })})`;
  const result = await session.runNetwork('probe-release', ['bash', helperScript('probe-release.sh'), mirror.uri, codename], {
    timeoutSeconds: ATTEMPT_TIMEOUT_SECONDS.update,
    what: `${where} Release file`,
    classify: (run) =>
      run.exitCode === 4
        ? new FuelImageError('REPO_NOT_FOUND', `${where} answers 404 for release "${codename}" (dists/${codename}/Release): check its uri and the codename`)
        : undefined,
  });
  const probe = parseProbe(result.stdout);
  if (trust.checkValidUntil) {
    const until = validUntil(probe.release);
    if (until && until.getTime() < now.getTime()) throw expiredRelease(where, until);
  }
  const family = familyOf(codename, releaseFields(probe.release).Origin);
  if (!family)
    throw new FuelImageError(
      'REPO_NOT_FOUND',
      `release "${codename}" is not one fuel-image knows, and ${where} does not say whether it is Debian or Ubuntu (its Release file's Origin is "${releaseFields(probe.release).Origin ?? ''}")`,
    );
  const script = debootstrapScript(codename, family, probe.scripts);
  if (script) session.logger.info({ step: 'probe-release', codename, script }, `debootstrap has no script for "${codename}": using ${family}'s generic script "${script}"`);
  return { family, script };
}

export function expiredRelease(where: string, until: Date): FuelImageError {
  return new FuelImageError(
    'REPO_EXPIRED',
    `${where}: its Release file expired on ${until.toISOString()} (Valid-Until): refresh the mirror, or pass --no-check-valid-until to build from it anyway`,
    { details: { validUntil: until.toISOString() } },
  );
}

/** probe-release.sh prints "### scripts" then "### release" sections. */
export function parseProbe(stdout: string): { scripts: string[]; release: string } {
  const scriptsAt = stdout.indexOf('### scripts\n');
  const releaseAt = stdout.indexOf('### release\n');
  const scripts = stdout.slice(scriptsAt + '### scripts\n'.length, releaseAt < 0 ? undefined : releaseAt).split('\n').map((s) => s.trim()).filter(Boolean);
  const release = releaseAt < 0 ? '' : stdout.slice(releaseAt + '### release\n'.length);
  return { scripts, release };
}
