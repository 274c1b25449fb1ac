import type { Repo } from '../input/schema.js';
import { groupRepos, isFlat, repoLabel } from './release-files.js';

/**
 * apt preferences for repos with a numeric priority. Each pin matches the
 * unique Label the build gives that repo's Release file (see release-files.ts),
 * narrowed by component when repos share a Release file. A priority above
 * 1000 lets apt downgrade; `priority: null` gives no pin (apt's default 500).
 * `unlabelled` repos (no Release file found) fall back to their origin host.
 */
export function pinPreferences(repos: readonly Repo[], unlabelled: ReadonlySet<number> = new Set()): string {
  const stanzas: string[] = [];
  for (const group of groupRepos(repos)) {
    const shared = group.repos.length > 1;
    for (const index of group.repos) {
      const repo = repos[index]!;
      if (repo.priority === null) continue;
      const head = `Explanation: fuel-image repos[${index}]\nPackage: *\n`;
      if (unlabelled.has(index)) {
        stanzas.push(`${head}Pin: origin "${new URL(repo.uri).hostname}"\nPin-Priority: ${repo.priority}\n`);
        continue;
      }
      const components = shared && !isFlat(repo) ? repo.section.trim().split(/\s+/) : [undefined];
      for (const component of components) {
        const pin = component ? `release l=${repoLabel(group.index)},c=${component}` : `release l=${repoLabel(group.index)}`;
        stanzas.push(`${head}Pin: ${pin}\nPin-Priority: ${repo.priority}\n`);
      }
    }
  }
  return stanzas.join('\n');
}
