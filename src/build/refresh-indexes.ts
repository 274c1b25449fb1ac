import { getFile, putFiles } from '../docker/container-archive.js';
import { FuelImageError } from '../errors.js';
import { redactSecrets } from '../log/redact.js';
import { classifyUpdateFailure } from './apt-failures.js';
import { groupRepos, repoLabel, setReleaseLabel } from './apt-lists.js';
import type { BuildContext } from './build-context.js';
import { pinPreferences } from './pin-preferences.js';
import { HELPER } from './plan-build.js';
import { ATTEMPT_TIMEOUT_SECONDS, classifyTimeout, withTimeout } from './network-step.js';
import { runStep } from './run-step.js';
import { sourcesList } from './target-files.js';

const LISTS = `${HELPER.target}/var/lib/apt/lists`;

/** What the build learnt about the repos; kept across retries. */
export interface RepoState {
  /** Repos found unsigned and trusted for this build (--allow-unsigned). */
  trusted: Set<number>;
}

/**
 * `apt-get update`, then a label of its own on each repo's Release file and
 * the pins that use it. Unsigned repos are trusted only with --allow-unsigned,
 * each named in a warning; otherwise the build stops and names them.
 */
export async function refreshIndexes(context: BuildContext, state: RepoState, env: string[]): Promise<void> {
  const { plan, logger } = context;
  for (let round = 1; ; round++) {
    await putFiles(context.container, HELPER.target, [
      { name: 'etc/apt/sources.list.d/fuel-image.list', content: sourcesList(plan, { checkGpg: context.checkGpg, trusted: state.trusted }) },
    ]);
    try {
      await runStep(context, 'apt-update', withTimeout(ATTEMPT_TIMEOUT_SECONDS.update, ['chroot', HELPER.target, 'apt-get', 'update']), {
        env,
        classify: (result) => classifyTimeout(result, 'apt-get update', ATTEMPT_TIMEOUT_SECONDS.update) ?? classifyUpdateFailure(result),
      });
      break;
    } catch (error) {
      const unsigned = error instanceof FuelImageError ? ((error.details.unsigned as string[] | undefined) ?? []) : [];
      const repos = unsigned.flatMap((text) => matchRepos(context, text)).filter((i) => !state.trusted.has(i));
      if (repos.length === 0 || round > 2) throw error;
      if (!context.allowUnsigned)
        throw new FuelImageError(
          'REPO_NOT_FOUND',
          `${describe(context, repos)} without a signed Release file: check its uri and suite; if it is an unsigned repository, pass --allow-unsigned to trust it for this build`,
          { cause: error },
        );
      for (const index of repos) {
        logger.warn({ step: 'apt-update', repo: index }, `${describe(context, [index])} unsigned: trusted for this build (--allow-unsigned); nothing of it stays in the image`);
        state.trusted.add(index);
      }
    }
  }
  const unlabelled = await labelReleaseFiles(context);
  await putFiles(context.container, HELPER.target, [{ name: 'etc/apt/preferences.d/fuel-image.pref', content: pinPreferences(plan.spec.repos, unlabelled) }]);
}

async function labelReleaseFiles(context: BuildContext): Promise<Set<number>> {
  const { plan, logger } = context;
  const present = new Set((await runStep(context, 'label-repos', ['ls', '-1', LISTS])).stdout.split('\n'));
  const unlabelled = new Set<number>();
  for (const group of groupRepos(plan.spec.repos)) {
    if (!group.repos.some((i) => plan.spec.repos[i]!.priority !== null)) continue;
    const file = group.names.find((name) => present.has(name));
    if (!file) {
      for (const i of group.repos) unlabelled.add(i);
      logger.warn({ step: 'label-repos', repos: group.repos }, `${describe(context, group.repos)} has no Release file: its pin falls back to the origin host`);
      continue;
    }
    const path = `${LISTS}/${file}`;
    const text = await getFile(context.container, path, async (entry) => {
      const chunks: Buffer[] = [];
      for await (const chunk of entry.stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    });
    await putFiles(context.container, LISTS, [{ name: file, content: setReleaseLabel(text, repoLabel(group.index)) }]);
    logger.debug({ step: 'label-repos', file, label: repoLabel(group.index) }, `pinned repos ${group.repos.join(', ')} by label`);
  }
  return unlabelled;
}

/** apt names a repo as "uri suite Release": find which of ours it is. */
function matchRepos(context: BuildContext, text: string): number[] {
  const strip = (s: string) => s.replace(/\/\/[^/@]*@/, '//').replace(/\/+$/, '');
  const [uri = '', suite = ''] = text.split(' ');
  return context.plan.spec.repos.flatMap((repo, i) => (strip(repo.uri) === strip(uri) && strip(repo.suite) === strip(suite) ? [i] : []));
}

function describe(context: BuildContext, indexes: number[]): string {
  const names = indexes.map((i) => `repos[${i}] "${context.plan.spec.repos[i]!.name}" (${redactSecrets(context.plan.spec.repos[i]!.uri)})`);
  return `${names.join(', ')} ${indexes.length > 1 ? 'are' : 'is'}`;
}
