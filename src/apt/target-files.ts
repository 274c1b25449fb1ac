import type { Repo } from '../input/schema.js';
import type { BuildPlan } from '../plan/plan-build.js';
import { aptSuite } from './release-files.js';

/*
 * Files written into the target for the build only; clean-target.sh removes
 * every one of them (all carry "fuel-image" in their name) before the tree
 * becomes images.
 */

export interface TrustOptions {
  /** false: every repo is trusted without signature checks (--no-check-gpg). */
  checkGpg: boolean;
  /** Indexes of repos found unsigned and trusted because of --allow-unsigned. */
  trusted?: ReadonlySet<number>;
}

export function sourceLine(repo: Repo, trusted: boolean): string {
  const options = trusted ? '[trusted=yes] ' : '';
  const section = repo.section.trim().split(/\s+/).filter(Boolean).join(' ');
  // An empty section is a flat repository: "deb uri directory/".
  return section ? `deb ${options}${repo.uri} ${repo.suite} ${section}` : `deb ${options}${repo.uri} ${aptSuite(repo)}`;
}

export function sourcesList(plan: BuildPlan, trust: TrustOptions): string {
  const lines = plan.spec.repos.map((repo, i) => {
    const trusted = !trust.checkGpg || (trust.trusted?.has(i) ?? false);
    return `# ${i}: ${repo.name.replace(/[\r\n]/g, ' ')}\n${sourceLine(repo, trusted)}`;
  });
  return `# written by fuel-image for the build; removed before imaging\n${lines.join('\n')}\n`;
}

/** The build's apt.conf; `forVersion` holds the lines that depend on the target's apt (release/apt-features.ts). */
export function buildAptConf(plan: BuildPlan, forVersion: readonly string[] = []): string {
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
    'Acquire::http::Timeout "60";',
    // No pipelining: a proxy that drops a connection with requests queued on
    // it can leave apt waiting forever (seen with a flaky proxy in tests).
    'Acquire::http::Pipeline-Depth "0";',
    'Acquire::https::Timeout "60";',
    'Acquire::Languages "none";',
    'Dpkg::Options { "--force-confdef"; "--force-confold"; };',
    'Dpkg::Use-Pty "false";',
    ...forVersion,
    ...proxyLines,
    '',
  ].join('\n');
}

/** invoke-rc.d asks policy-rc.d; 101 means "action forbidden": no daemon starts in the build. */
export const POLICY_RC_D = '#!/bin/sh\n# fuel-image: no service starts while the image is built\nexit 101\n';

