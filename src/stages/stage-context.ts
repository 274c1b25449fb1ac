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
  /** A user-supplied keyring: its path inside the helper. */
  keyringPath?: string;
}
