import type { BuildPlan } from './plan-build.js';
import type { Repo } from '../spec/schema.js';

/*
 * Files written into the target for the build only; clean-target.sh removes
 * every one of them (all carry "fuel-image" in their name) before the tree
 * becomes images.
 */

export interface TrustOptions {
  /** Accept repositories whose Release file is unsigned or signed by an unknown key. */
  checkGpg: boolean;
}

export function sourceLine(repo: Repo, trust: TrustOptions): string {
  const options = trust.checkGpg ? '' : '[trusted=yes] ';
  const section = repo.section.trim().split(/\s+/).filter(Boolean).join(' ');
  // An empty section is a flat repository: "deb uri directory/".
  return section ? `deb ${options}${repo.uri} ${repo.suite} ${section}` : `deb ${options}${repo.uri} ${repo.suite}`;
}

export function sourcesList(plan: BuildPlan, trust: TrustOptions): string {
  const lines = plan.spec.repos.map((repo, i) => `# ${i}: ${repo.name.replace(/[\r\n]/g, ' ')}\n${sourceLine(repo, trust)}`);
  return `# written by fuel-image for the build; removed before imaging\n${lines.join('\n')}\n`;
}

export function buildAptConf(plan: BuildPlan): string {
  const proxies = plan.spec.proxies;
  const proxyLines = proxies
    ? [
        ...Object.entries(proxies.protocols).flatMap(([protocol, url]) => (url ? [`Acquire::${protocol}::Proxy "${url}";`] : [])),
        ...proxies.direct_repo_addr_list.filter((host) => /^[A-Za-z0-9.-]+$/.test(host)).flatMap((host) => [`Acquire::http::Proxy::${host} "DIRECT";`, `Acquire::https::Proxy::${host} "DIRECT";`]),
      ]
    : [];
  return [
    '// fuel-image: settings for the build only; removed before imaging',
    'APT::Install-Recommends "false";',
    'APT::Install-Suggests "false";',
    'APT::Get::Assume-Yes "true";',
    // apt retries a failed fetch itself before our outer retry starts over.
    'Acquire::Retries "5";',
    'Acquire::Languages "none";',
    'Dpkg::Options { "--force-confdef"; "--force-confold"; };',
    'Dpkg::Use-Pty "false";',
    ...proxyLines,
    '',
  ].join('\n');
}

/** invoke-rc.d asks policy-rc.d; 101 means "action forbidden": no daemon starts in the build. */
export const POLICY_RC_D = '#!/bin/sh\n# fuel-image: no service starts while the image is built\nexit 101\n';

/**
 * Stands in for update-initramfs while packages install: the kernel, udev and
 * friends each ask for a new initramfs (~75 s apiece); we make it once at the end.
 */
export const INITRAMFS_STUB = '#!/bin/sh\necho "fuel-image: update-initramfs $* deferred to the end of the install" >&2\nexit 0\n';
