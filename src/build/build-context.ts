import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { HELPER, type BuildPlan } from './plan-build.js';
import type { RetryOptions } from './retry-step.js';
import type { StepContext } from './run-step.js';

/** What every stage of one build shares. */
export interface BuildContext extends StepContext {
  container: Docker.Container;
  logger: Logger;
  signal: AbortSignal;
  plan: BuildPlan;
  retry: RetryOptions;
  checkGpg: boolean;
  /** Trust repos found unsigned (named in a warning) instead of failing. */
  allowUnsigned: boolean;
  /** Set when the user supplied a keyring: its path inside the helper. */
  keyringPath?: string;
}

const BASE_ENV = [
  'DEBIAN_FRONTEND=noninteractive',
  'DEBCONF_NONINTERACTIVE_SEEN=true',
  'LC_ALL=C',
  'LANG=C',
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
];

/** Proxy variables for debootstrap (wget) and apt, from the spec's `proxies`. */
export function proxyEnv(plan: BuildPlan): string[] {
  const proxies = plan.spec.proxies;
  if (!proxies) return [];
  const env: string[] = [];
  for (const [protocol, url] of Object.entries(proxies.protocols)) {
    if (url) env.push(`${protocol}_proxy=${url}`);
  }
  if (proxies.direct_repo_addr_list.length > 0) env.push(`no_proxy=${proxies.direct_repo_addr_list.join(',')}`);
  return env;
}

export function helperEnv(plan: BuildPlan): string[] {
  return [...BASE_ENV, ...proxyEnv(plan), `WGETRC=${HELPER.control}/scripts/wgetrc`];
}

/** For processes in the target: the same, plus eatmydata preloaded (the library sits at the same path in the target). */
export function targetEnv(plan: BuildPlan, eatmydata: string): string[] {
  return [...BASE_ENV, ...proxyEnv(plan), `LD_PRELOAD=${eatmydata}`];
}
