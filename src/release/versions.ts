/**
 * Debian version strings ("1:2.6.1", "1.0.1ubuntu2.24", "0.8.16~exp12ubuntu10")
 * compared by their upstream release numbers: enough to decide which
 * features a tool has, which is all the build asks of a version.
 */
export function releaseNumbers(version: string): number[] {
  const upstream = version.replace(/^\d+:/, '');
  const match = /^\d+(?:\.\d+)*/.exec(upstream);
  return match ? match[0].split('.').map(Number) : [];
}

/** Negative, zero or positive as `a` is older than, the same as, or newer than `b`. */
export function compareVersions(a: string, b: string): number {
  const x = releaseNumbers(a);
  const y = releaseNumbers(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

export function atLeast(version: string, minimum: string): boolean {
  return compareVersions(version, minimum) >= 0;
}
