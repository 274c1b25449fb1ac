import { sourceLine } from '../apt/target-files.js';
import type { Repo } from '../input/schema.js';
import { helperScript, HELPER } from '../plan/helper-paths.js';
import { debootstrapExcludes } from '../release/releases.js';
import { helperKeyring } from './prepare-keyring.js';
import type { ReleaseProbe } from './probe-release.js';
import type { StageContext } from './stage-context.js';

/*
 * .debs fetched ahead of the step that needs them (prefetch-debs.sh), by the
 * helper's apt with its pipelined downloader, while the step before is busy
 * with its own CPU work. Best effort throughout: each promise settles when
 * done and never rejects; whatever is missing is fetched by the step itself.
 * Not with proxies: apt ignores no_proxy, so direct_repo_addr_list could not
 * be honoured as debootstrap's wget and the target's apt settings do.
 */

const TARGET_ARCHIVES = `${HELPER.target}/var/cache/apt/archives`;

/** Never holds a build up for long: the step itself fetches what is missing. */
export const PREFETCH_TIMEOUT_SECONDS = { bootstrap: 120, install: 300 } as const;

/**
 * The sources apt fetches from, checked as the step that uses the .debs
 * would check them: against `keyring` (the bootstrap's, which holds the
 * family's keys and the user's), or not at all under --no-check-gpg.
 */
export function prefetchSources(repos: readonly Repo[], keyring: string | undefined): string {
  const lines = repos.map((repo) => {
    const line = sourceLine(repo, keyring === undefined);
    return keyring === undefined ? line : line.replace(/^deb /, `deb [signed-by=${keyring}] `);
  });
  return `${lines.join('\n')}\n`;
}

/**
 * apt's preferences for the prefetch: each of `never` pinned below zero, so
 * that a dependency with alternatives is satisfied as debootstrap satisfies
 * it (debootstrapExcludes). Empty when there is nothing to keep out.
 */
export function prefetchPreferences(never: readonly string[]): string {
  return never.map((name) => `Package: ${name}\nPin: version *\nPin-Priority: -1\n`).join('\n');
}

/**
 * While debootstrap's first stage resolves dependencies: every required
 * package and apt from repos[0]'s main section, into the target's apt cache,
 * where debootstrap only validates them.
 */
export function prefetchBootstrapDebs(context: StageContext, release: ReleaseProbe): Promise<void> {
  const { plan } = context;
  const repo = plan.spec.repos[0]!;
  const sources = [{ ...repo, suite: plan.spec.codename, section: 'main' }];
  return prefetch(context, release, 'prefetch-debs', sources, {
    archives: TARGET_ARCHIVES,
    packages: ['?priority(required)', 'apt'],
    never: debootstrapExcludes(plan.spec.codename, release.family),
    timeoutSeconds: PREFETCH_TIMEOUT_SECONDS.bootstrap,
    what: 'for debootstrap',
    fallback: 'debootstrap fetches them itself',
  }).then(() => undefined);
}

/**
 * While debootstrap's second stage configures the base system: the spec's
 * packages and their dependencies from every repo, beside the target (the
 * second stage owns it), seeded with the base system's .debs. Resolves to
 * true when there are .debs for `placePrefetchedDebs`.
 *
 * apt resolves here from nothing installed, with the required packages in
 * the request, which picks what the target's apt picks on the fresh
 * bootstrap; pins are not applied (they hang on labels the install gives the
 * lists), so with pins some .debs may be versions the install does not take:
 * those are fetched again, and the unused ones go with the rest of apt's
 * cache when the tree is cleaned (clean-target.sh).
 */
export function prefetchInstallDebs(context: StageContext, release: ReleaseProbe): Promise<boolean> {
  const { packages, spec } = context.plan;
  return prefetch(context, release, 'prefetch-packages', spec.repos, {
    archives: HELPER.prefetchedDebs,
    seed: TARGET_ARCHIVES,
    packages: ['?priority(required)', 'apt', ...packages],
    // What the base system went without, unless the spec asks for it.
    never: debootstrapExcludes(spec.codename, release.family).filter((name) => !packages.includes(name)),
    timeoutSeconds: PREFETCH_TIMEOUT_SECONDS.install,
    what: 'for the install, during the second stage',
    fallback: 'the install fetches them itself',
  }).then((count) => count > 0);
}

/**
 * The prefetched .debs into the target's apt cache (a rename: one
 * filesystem), and apt's private root gone. Best effort as the rest: on
 * failure the install fetches the .debs itself.
 */
export async function placePrefetchedDebs({ session }: StageContext): Promise<void> {
  // The directory holds only what the prefetch fetched (it removed the seed's links): no name is in the target's cache.
  const script = 'if [ -d "$1" ]; then find "$1" -maxdepth 1 -name "*.deb" -exec mv -f -t "$2" {} +; fi; rm -rf "$3"';
  try {
    await session.run('place-prefetched', ['sh', '-c', script, 'place-prefetched', HELPER.prefetchedDebs, TARGET_ARCHIVES, HELPER.prefetch]);
  } catch (error) {
    if (session.signal.aborted) throw error;
    session.logger.info({ step: 'place-prefetched', err: error }, 'the prefetched .debs could not be moved into the target: the install fetches them itself');
  }
}

interface PrefetchOptions {
  archives: string;
  seed?: string;
  packages: string[];
  /** Packages apt must not pick (prefetchPreferences). */
  never: string[];
  timeoutSeconds: number;
  what: string;
  fallback: string;
}

/** One call of prefetch-debs.sh; the number of .debs it fetched, 0 when it did not run or failed. */
async function prefetch({ session, plan, trust }: StageContext, release: ReleaseProbe, step: string, repos: readonly Repo[], options: PrefetchOptions): Promise<number> {
  const { protocols } = plan.spec.proxies ?? { protocols: {} };
  if (Object.values(protocols).some(Boolean)) return 0;
  const keyring = helperKeyring(trust, release.family);
  try {
    // A file, not argv: a repo's URI may carry credentials.
    await session.write(HELPER.prefetch, [
      { name: 'sources.list', content: prefetchSources(repos, keyring), mode: 0o600 },
      { name: 'preferences', content: prefetchPreferences(options.never) },
    ]);
    // Niced: the download waits on the network; the step it runs beside (debootstrap's resolver, the second stage) is the one to finish first.
    const argv = ['timeout', String(options.timeoutSeconds), 'nice', '-n', '19', 'bash', helperScript('prefetch-debs.sh'), HELPER.prefetch, options.archives, options.seed ?? '', ...options.packages];
    const result = await session.run(step, argv);
    const count = Number(/^prefetched (\d+)$/m.exec(result.stdout)?.[1] ?? 0);
    session.logger.info({ step, count }, `apt fetched ${count} .debs ${options.what}`);
    return count;
  } catch (error) {
    if (!session.signal.aborted) session.logger.info({ step, err: error }, `no .debs prefetched ${options.what}: ${options.fallback}`);
    return 0;
  }
}
