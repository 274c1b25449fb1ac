import type { Repo } from '../input/schema.js';

/*
 * Pins that apply to one repo alone. apt can pin by origin host or by fields
 * of a Release file, and neither is unique when repos share a host or a suite
 * (Fuel's MOS repos all lived on the master's 127.0.0.1:8080). So after each
 * `apt-get update` the build gives each repo's downloaded Release file a Label
 * of its own (images/helper/scripts/label-releases.sh, in the helper), and
 * pins on that label. The lists are deleted before imaging.
 */

/** A flat repository is given as "deb uri directory/": apt requires the trailing slash. */
export function isFlat(repo: Repo): boolean {
  return repo.section.trim() === '';
}

export function aptSuite(repo: Repo): string {
  return isFlat(repo) && !repo.suite.endsWith('/') ? `${repo.suite}/` : repo.suite;
}

/** The URI of a repo's Release files without the file name, as apt computes it. */
export function releaseBaseUri(repo: Repo): string {
  const uri = repo.uri.endsWith('/') ? repo.uri : `${repo.uri}/`;
  const suite = aptSuite(repo);
  if (suite === '/') return uri;
  return isFlat(repo) ? uri + suite : `${uri}dists/${suite}/`;
}

const QUOTED = new Set('\\|{}[]<>"^~_=!@#$%^&*');

/** apt's URItoFileName: scheme and credentials dropped, odd characters %-quoted, "/" to "_". */
export function aptListFileName(uri: string): string {
  const match = /^[a-z][a-z0-9+.-]*:(?:\/\/([^/]*))?(.*)$/i.exec(uri);
  const authority = (match?.[1] ?? '').replace(/^.*@/, '');
  const path = match?.[2] ?? '';
  const plain = authority + (path.startsWith('/') || path === '' ? path : `/${path}`);
  let quoted = '';
  for (const ch of plain) {
    const code = ch.charCodeAt(0);
    quoted += QUOTED.has(ch) || code <= 0x20 || code >= 0x7f ? `%${code.toString(16).padStart(2, '0')}` : ch;
  }
  return quoted.replaceAll('/', '_');
}

/** Candidate list file names of a repo's Release file, newest format first. */
export function releaseListNames(repo: Repo): string[] {
  const base = releaseBaseUri(repo);
  const variants = new Set([base, base.replace(/\/\.\//g, '/')]);
  return [...variants].flatMap((b) => [aptListFileName(`${b}InRelease`), aptListFileName(`${b}Release`)]);
}

export function repoLabel(groupIndex: number): string {
  return `fuel-image-repo-${groupIndex}`;
}

export interface RepoGroup {
  /** Index used in the label. */
  index: number;
  /** Repos sharing one Release file (same uri and suite). */
  repos: number[];
  names: string[];
}

/** Repos with the same Release file share a label; their pins then tell them apart by component. */
export function groupRepos(repos: readonly Repo[]): RepoGroup[] {
  const groups = new Map<string, RepoGroup>();
  repos.forEach((repo, i) => {
    const key = releaseBaseUri(repo);
    const group = groups.get(key) ?? { index: groups.size, repos: [], names: releaseListNames(repo) };
    group.repos.push(i);
    groups.set(key, group);
  });
  return [...groups.values()];
}

const withoutCredentials = (uri: string) => uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');

/**
 * The repo whose Release directory holds `url` (an index apt fetched), and
 * the index's path relative to it. Repos sharing one Release file are told
 * apart by the component the path starts with.
 */
export function repoOfUrl(repos: readonly Repo[], url: string): { index: number; path: string } | undefined {
  const plain = withoutCredentials(url);
  const matches: Array<{ index: number; path: string }> = [];
  for (const [index, repo] of repos.entries()) {
    const base = withoutCredentials(releaseBaseUri(repo));
    const variant = [...new Set([base, base.replace(/\/\.\//g, '/')])].find((v) => plain.startsWith(v));
    if (variant !== undefined) matches.push({ index, path: plain.slice(variant.length) });
  }
  const component = matches[0]?.path.split('/')[0];
  return matches.find((m) => repos[m.index]!.section.trim().split(/\s+/).includes(component ?? '')) ?? matches[0];
}

/** Whether a Release file lists an index (any compression of it): a 404 for a listed one is a mirror mid-sync. */
export function releaseListsIndex(release: string, indexPath: string): boolean {
  const bare = indexPath.replace(/\.(gz|xz|bz2|lzma|lz4|zst)$/, '');
  return release.split('\n').some((line) => {
    const name = line.trim().split(/\s+/)[2];
    return name !== undefined && (name === bare || name.startsWith(`${bare}.`));
  });
}

/**
 * How a repo's Release file came down, from the names in apt's lists
 * directory: "signed" (InRelease, or Release with Release.gpg), "unsigned"
 * (Release alone) or "missing". apt before 1.5 only warns about the last two,
 * then refuses to install from them unauthenticated.
 */
export function releaseSignature(repo: Repo, listNames: ReadonlySet<string>): 'signed' | 'unsigned' | 'missing' {
  const names = releaseListNames(repo);
  const inRelease = names.filter((n) => n.endsWith('_InRelease'));
  const release = names.filter((n) => n.endsWith('_Release'));
  if (inRelease.some((n) => listNames.has(n)) || release.some((n) => listNames.has(n) && listNames.has(`${n}.gpg`))) return 'signed';
  return release.some((n) => listNames.has(n)) ? 'unsigned' : 'missing';
}
