import type { Spec } from '../input/schema.js';
import { helperScript, HELPER } from '../plan/helper-paths.js';

const BASE_ENV = [
  'DEBIAN_FRONTEND=noninteractive',
  'DEBCONF_NONINTERACTIVE_SEEN=true',
  'LC_ALL=C',
  'LANG=C',
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
];

/** Proxy variables for debootstrap (wget) and apt, from the spec's `proxies`. */
export function proxyEnv(spec: Spec): string[] {
  const proxies = spec.proxies;
  if (!proxies) return [];
  const env: string[] = [];
  for (const [protocol, url] of Object.entries(proxies.protocols)) {
    if (url) env.push(`${protocol}_proxy=${url}`);
  }
  if (proxies.direct_repo_addr_list.length > 0) env.push(`no_proxy=${proxies.direct_repo_addr_list.join(',')}`);
  return env;
}

/** For commands in the helper: debootstrap's wget reads our retry settings. */
export function helperEnv(spec: Spec): string[] {
  return [...BASE_ENV, ...proxyEnv(spec), `WGETRC=${helperScript('wgetrc')}`];
}

/**
 * For processes in the target: the same, plus eatmydata preloaded (the
 * library sits at the same path in the target) unless the target's libc
 * cannot load it (second-stage.sh tells; dpkg's unsafe-io stands in).
 */
export function targetEnv(spec: Spec, preloadEatmydata = true): string[] {
  return [...BASE_ENV, ...proxyEnv(spec), ...(preloadEatmydata ? [`LD_PRELOAD=${HELPER.eatmydata}`] : [])];
}
