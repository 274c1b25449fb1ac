import { classifyUpdateFailure } from '../apt/failures.js';
import { pinPreferences } from '../apt/pins.js';
import { groupRepos, repoLabel } from '../apt/release-files.js';
import { sourcesList } from '../apt/target-files.js';
import { FuelImageError } from '../errors.js';
import { ATTEMPT_TIMEOUT_SECONDS, classifyTimeout, withTimeout } from '../helper/attempt-timeout.js';
import { redactSecrets } from '../log/redact.js';
import { helperScript, HELPER } from '../plan/helper-paths.js';
import type { StageContext } from './stage-context.js';

const LISTS = `${HELPER.target}/var/lib/apt/lists`;

/** What the build learnt about the repos; kept across retries. */
export interface RepoState {
  /** Repos found unsigned and trusted for this build (--allow-unsigned). */
  trusted: Set<number>;
}

/**
 * `apt-get update`, then a label of its own on each pinned repo's Release
 * file (in the helper) and the pins that use it. Unsigned repos are trusted
 * only with --allow-unsigned, each named in a warning; otherwise the build
 * stops and names them.
 */
export async function refreshIndexes(context: StageContext, state: RepoState): Promise<void> {
  const { session, plan, trust } = context;
  const { spec } = plan;
  for (let round = 1; ; round++) {
    await session.write(HELPER.target, [
      { name: 'etc/apt/sources.list.d/fuel-image.list', content: sourcesList(plan, { checkGpg: trust.checkGpg, trusted: state.trusted }) },
    ]);
    try {
      await session.chroot('apt-update', withTimeout(ATTEMPT_TIMEOUT_SECONDS.update, ['apt-get', 'update']), {
        classify: (result) => classifyTimeout(result, 'apt-get update', ATTEMPT_TIMEOUT_SECONDS.update) ?? classifyUpdateFailure(result),
      });
      break;
    } catch (error) {
      const unsigned = error instanceof FuelImageError ? ((error.details.unsigned as string[] | undefined) ?? []) : [];
      const repos = unsigned.flatMap((text) => matchRepos(context, text)).filter((i) => !state.trusted.has(i));
      if (repos.length === 0 || round > 2) throw error;
      if (!trust.allowUnsigned)
        throw new FuelImageError(
          'REPO_NOT_FOUND',
          `${describe(context, repos)} without a signed Release file: check its uri and suite; if it is an unsigned repository, pass --allow-unsigned to trust it for this build`,
          { cause: error },
        );
      for (const index of repos) {
        session.logger.warn({ step: 'apt-update', repo: index }, `${describe(context, [index])} unsigned: trusted for this build (--allow-unsigned); nothing of it stays in the image`);
        state.trusted.add(index);
      }
    }
  }
  const pinned = groupRepos(spec.repos).filter((group) => group.repos.some((i) => spec.repos[i]!.priority !== null));
  const unlabelled = new Set<number>();
  if (pinned.length > 0) {
    const labels = pinned.map((group) => [repoLabel(group.index), ...group.names].join('/'));
    const result = await session.run('label-repos', ['bash', helperScript('label-releases.sh'), LISTS, ...labels]);
    const missing = new Set(result.stdout.split('\n').flatMap((line) => (line.startsWith('unlabelled ') ? [line.slice('unlabelled '.length).trim()] : [])));
    for (const group of pinned) {
      if (!missing.has(repoLabel(group.index))) continue;
      for (const i of group.repos) unlabelled.add(i);
      session.logger.warn({ step: 'label-repos', repos: group.repos }, `${group.repos.map((i) => describeOne(context, i)).join(', ')}: no Release file, so ${group.repos.length > 1 ? 'their pins fall' : 'its pin falls'} back to the origin host`);
    }
  }
  await session.write(HELPER.target, [{ name: 'etc/apt/preferences.d/fuel-image.pref', content: pinPreferences(spec.repos, unlabelled) }]);
}

/** apt names a repo as "uri suite Release": find which of ours it is. */
function matchRepos({ plan }: StageContext, text: string): number[] {
  const strip = (s: string) => s.replace(/\/\/[^/@]*@/, '//').replace(/\/+$/, '');
  const [uri = '', suite = ''] = text.split(' ');
  return plan.spec.repos.flatMap((repo, i) => (strip(repo.uri) === strip(uri) && strip(repo.suite) === strip(suite) ? [i] : []));
}

function describeOne({ plan }: StageContext, index: number): string {
  return `repos[${index}] "${plan.spec.repos[index]!.name}" (${redactSecrets(plan.spec.repos[index]!.uri)})`;
}

function describe(context: StageContext, indexes: number[]): string {
  return `${indexes.map((i) => describeOne(context, i)).join(', ')} ${indexes.length > 1 ? 'are' : 'is'}`;
}
