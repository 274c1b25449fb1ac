import { atLeast } from './versions.js';

/**
 * What the target's apt can do, read from its version after the bootstrap
 * (so an unknown codename gets the right behaviour too).
 */
export interface AptFeatures {
  /** apt >= 1.5 refuses an unsigned repo at `apt-get update`; older apt only warns, then installs from it unauthenticated. */
  unsignedIsError: boolean;
  /** apt >= 1.5 refuses a Release file whose Label changed unless told to accept it (our pins relabel them). */
  guardsReleaseInfo: boolean;
  /** apt >= 2.3 waits between its own retries unless told not to. */
  retryDelay: boolean;
  /** apt >= 2.1.16 can make any failed index download fail `apt-get update`. */
  errorOnAny: boolean;
}

export function aptFeatures(aptVersion: string): AptFeatures {
  return {
    unsignedIsError: atLeast(aptVersion, '1.5'),
    guardsReleaseInfo: atLeast(aptVersion, '1.5'),
    retryDelay: atLeast(aptVersion, '2.3'),
    errorOnAny: atLeast(aptVersion, '2.1.16'),
  };
}

export interface AptSettings {
  /** Build from Release files past their Valid-Until (--no-check-valid-until). */
  checkValidUntil: boolean;
}

/** apt.conf lines that depend on the target's apt, for the build only. */
export function aptConfForVersion(features: AptFeatures, settings: AptSettings): string[] {
  return [
    ...(settings.checkValidUntil ? [] : ['Acquire::Check-Valid-Until "false";']),
    // Our pins give each pinned repo's Release file a Label of its own; a
    // retried `apt-get update` would otherwise refuse the changed Label.
    ...(features.guardsReleaseInfo ? ['Acquire::AllowReleaseInfoChange::Label "true";'] : []),
    // With a proxy failing requests, apt's own delayed retries left
    // `apt-get update` hanging (seen in tests); our outer retry backs off.
    ...(features.retryDelay ? ['Acquire::Retries::Delay "false";'] : []),
  ];
}

/** Extra `apt-get update` arguments: failed index downloads must fail the update. */
export function aptUpdateArgs(features: AptFeatures): string[] {
  return features.errorOnAny ? ['--error-on=any'] : [];
}
