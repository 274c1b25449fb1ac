import { readUpdateOutput, type UpdateReport } from '../apt/failures.js';
import { pinPreferences } from '../apt/pins.js';
import { groupRepos, releaseListNames, releaseListsIndex, releaseSignature, repoLabel, repoOfUrl } from '../apt/release-files.js';
import { sourcesList } from '../apt/target-files.js';
import { FuelImageError } from '../errors.js';
import { ATTEMPT_TIMEOUT_SECONDS, classifyTimeout, withTimeout } from '../helper/attempt-timeout.js';
import { redactSecrets } from '../log/redact.js';
import { helperScript, HELPER } from '../plan/helper-paths.js';
import { aptUpdateArgs, type AptFeatures } from '../release/apt-features.js';
import type { StageContext } from './stage-context.js';

const LISTS = `${HELPER.target}/var/lib/apt/lists`;

/** What the build learnt about the repos; kept across retries. */
export interface RepoState {
  /** Repos found unsigned and trusted for this build (--allow-unsigned). */
  trusted: Set<number>;
}

/**
 * `apt-get update` until every repo's indexes are in, then a label of its
 * own on each pinned repo's Release file (in the helper) and the pins that
 * use it. Unsigned repos are trusted only with --allow-unsigned, each named
 * in a warning; otherwise the build stops and names them. Failures that no
 * retry fixes (an expired Release file, a section the repo does not have, an
 * untrusted key) stop the build at once; failed downloads are thrown to the
 * caller's retry, so "package not found" is never reported from half the
 * indexes.
 */
export async function refreshIndexes(context: StageContext, state: RepoState, apt: AptFeatures): Promise<void> {
  const { session, plan, trust } = context;
  const { spec } = plan;
  for (let round = 1; ; round++) {
    await session.write(HELPER.target, [
      { name: 'etc/apt/sources.list.d/fuel-image.list', content: sourcesList(plan, { checkGpg: trust.checkGpg, trusted: state.trusted }) },
    ]);
    const result = await session.chroot('apt-update', withTimeout(ATTEMPT_TIMEOUT_SECONDS.update, ['apt-get', 'update', ...aptUpdateArgs(apt)]), {
      okExitCodes: [0, 100],
      classify: (run) => classifyTimeout(run, 'apt-get update', ATTEMPT_TIMEOUT_SECONDS.update),
    });
    const report = readUpdateOutput(result.outputTail);
    await failPermanently(context, report);
    let found = [...new Set(report.unsigned.flatMap((text) => matchRepos(context, text)))];
    // Older apt only warns about unsigned repos: the lists directory tells.
    if (found.length === 0 && result.exitCode === 0 && trust.checkGpg && !apt.unsignedIsError) found = await unsignedFromLists(context, report, state);
    const unsigned = found.filter((i) => !state.trusted.has(i));
    if (found.length > 0 && unsigned.length === 0)
      throw new FuelImageError('REPO_NOT_FOUND', `${describe(context, found)} still unsigned after being trusted (round ${round}): check its uri and suite`);
    if (unsigned.length > 0) {
      if (!trust.allowUnsigned)
        throw new FuelImageError(
          'REPO_NOT_FOUND',
          `${describe(context, unsigned)} without a signed Release file: check its uri and suite; if it is an unsigned repository, pass --allow-unsigned to trust it for this build`,
        );
      for (const index of unsigned) {
        session.logger.warn({ step: 'apt-update', repo: index }, `${describe(context, [index])} unsigned: trusted for this build (--allow-unsigned); nothing of it stays in the image`);
        state.trusted.add(index);
      }
      continue;
    }
    if (result.exitCode !== 0 || report.failedIndexes.length > 0 || report.failedReleases.length > 0 || report.incomplete)
      throw new FuelImageError('NETWORK', `apt-get update: some index files failed to download:\n${redactSecrets(result.outputTail.split('\n').slice(-6).join('\n'))}`);
    break;
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

/** Throws for what `apt-get update` said that no retry can fix. */
async function failPermanently(context: StageContext, report: UpdateReport): Promise<void> {
  const { plan, trust } = context;
  const expired = report.expired[0];
  if (expired && trust.checkValidUntil) {
    const found = repoOfUrl(plan.spec.repos, expired.url);
    const where = found ? describeOne(context, found.index) : redactSecrets(expired.url);
    throw new FuelImageError(
      'REPO_EXPIRED',
      `${where}: its Release file expired (invalid since ${expired.since}): refresh the mirror, or pass --no-check-valid-until to build from it anyway`,
    );
  }
  const component = report.missingComponents[0];
  if (component) {
    const repos = matchRepos(context, component.repo);
    throw new FuelImageError('REPO_NOT_FOUND', `${repos.length > 0 ? describe(context, repos) : `"${redactSecrets(component.repo)}" is`} without the section "${component.component}": check the repo's section`);
  }
  if (report.untrustedKey)
    throw new FuelImageError('REPO_NOT_FOUND', 'a repository is signed by a key the target does not trust: pass --keyring FILE or --no-check-gpg');
  for (const failed of report.failedIndexes.filter((f) => f.notFound)) {
    const found = repoOfUrl(plan.spec.repos, failed.url);
    if (!found) continue;
    // A 404 for an index the Release file lists is a mirror mid-sync (retried);
    // one it does not list is a section the repo does not have.
    if (!(await releaseListsIndexOf(context, found.index, found.path))) {
      const repo = plan.spec.repos[found.index]!;
      throw new FuelImageError('REPO_NOT_FOUND', `${describeOne(context, found.index)}: its Release file does not list ${found.path} (404): check its section "${repo.section}"`);
    }
  }
}

async function releaseListsIndexOf(context: StageContext, index: number, indexPath: string): Promise<boolean> {
  const repo = context.plan.spec.repos[index]!;
  for (const name of releaseListNames(repo)) {
    const text = await context.session.run('read-release', ['cat', '--', `${LISTS}/${name}`], { okExitCodes: [0, 1] });
    if (text.exitCode === 0) return releaseListsIndex(text.stdout, indexPath);
  }
  return false;
}

/**
 * apt before 1.5: a repo whose Release file came without a signature, or
 * came not at all although apt reported no failure fetching it, is unsigned.
 * One whose Release fetch failed is a network problem, for the retry.
 */
async function unsignedFromLists(context: StageContext, report: UpdateReport, state: RepoState): Promise<number[]> {
  const listing = await context.session.run('list-indexes', ['ls', '-1', LISTS]);
  const names = new Set(listing.stdout.split('\n').map((n) => n.trim()));
  const { repos } = context.plan.spec;
  const failed = new Set(report.failedReleases.flatMap((url) => repoOfUrl(repos, url)?.index ?? []));
  return repos.flatMap((repo, i) => {
    // A repo trusted for this build stays unsigned in the lists: that is expected.
    if (state.trusted.has(i)) return [];
    const signature = releaseSignature(repo, names);
    return signature === 'unsigned' || (signature === 'missing' && !failed.has(i)) ? [i] : [];
  });
}

/** apt names a repo as "uri suite Release": find which of ours it is. */
function matchRepos({ plan }: StageContext, text: string): number[] {
  const strip = (s: string) => s.replace(/\/\/[^/@]*@/, '//').replace(/\/+$/, '');
  const [uri = '', suite = ''] = text.split(' ');
  return plan.spec.repos.flatMap((repo, i) => (strip(repo.uri) === strip(uri) && strip(repo.suite) === strip(suite) ? [i] : []));
}

function describeOne({ plan }: StageContext, index: number): string {
  return `repos[${index}] "${plan.spec.repos[index]!.name}" (${redactSecrets(plan.spec.repos[index]!.uri, { singleValue: true })})`;
}

function describe(context: StageContext, indexes: number[]): string {
  return `${indexes.map((i) => describeOne(context, i)).join(', ')} ${indexes.length > 1 ? 'are' : 'is'}`;
}
