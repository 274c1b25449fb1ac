import type { HelperSession } from '../helper/helper-session.js';
import type { BuildPlan } from '../plan/plan-build.js';

/** What every stage of one build shares. */
export interface StageContext {
  session: HelperSession;
  plan: BuildPlan;
  trust: TrustOptions;
}

export interface TrustOptions {
  /** false: every repo is trusted without signature checks (--no-check-gpg). */
  checkGpg: boolean;
  /** Trust repos found unsigned (named in a warning) instead of failing. */
  allowUnsigned: boolean;
  /** Refuse Release files past their Valid-Until (off: --no-check-valid-until). */
  checkValidUntil: boolean;
  /** With a user-supplied keyring: the family's plus the user's, for debootstrap. */
  keyringPath?: string;
  /** With a user-supplied keyring: the user's alone, added to apt's in the target. */
  aptKeyringPath?: string;
}
