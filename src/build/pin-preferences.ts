import type { Repo } from '../spec/schema.js';

/**
 * apt preferences for repos with a numeric priority. Pins match the repo's
 * origin host; repos without a priority get no pin (apt's default 500).
 */
export function pinPreferences(repos: readonly Repo[]): string {
  const stanzas = repos.flatMap((repo, index) => {
    if (repo.priority === null) return [];
    const host = new URL(repo.uri).hostname;
    return [`Explanation: fuel-image repo ${index}\nPackage: *\nPin: origin "${host}"\nPin-Priority: ${repo.priority}\n`];
  });
  return stanzas.join('\n');
}
