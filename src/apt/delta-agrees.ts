/**
 * simulate-install.sh's report: the end state of an install from the
 * bootstrap (A) and of a delta install on a cached tree (B). A delta
 * install is used only when both end with exactly the same packages at the
 * same versions and the delta removes nothing: then the cached tree plus the
 * delta is what a cold build makes, and apt says so before anything changes.
 */
export function deltaAgrees(report: string): { agrees: boolean; reason: string; extra: string[] } {
  const states = { base: new Map<string, string>(), A: new Map<string, string>(), now: new Map<string, string>(), B: new Map<string, string>() };
  const removed: string[] = [];
  for (const line of report.split('\n')) {
    const [tag, name, version] = line.trim().split(/\s+/);
    if (tag === 'Remv' && name) removed.push(name);
    else if (tag && name && version && tag in states) states[tag as keyof typeof states].set(name, version);
  }
  const fromScratch = new Map([...states.base, ...states.A]);
  const delta = new Map([...states.now, ...states.B]);
  const extra = [...states.B.keys()].sort();
  if (states.base.size === 0 || states.now.size === 0) return { agrees: false, reason: 'the simulation reported no installed packages', extra };
  if (removed.length > 0) return { agrees: false, reason: `the delta would remove ${removed.sort().join(' ')}`, extra };
  const differ = [...new Set([...fromScratch.keys(), ...delta.keys()])]
    .filter((name) => fromScratch.get(name) !== delta.get(name))
    .sort()
    .map((name) => `${name} (${fromScratch.get(name) ?? 'absent'} from scratch, ${delta.get(name) ?? 'absent'} by the delta)`);
  if (differ.length > 0) return { agrees: false, reason: `apt would pick other packages from scratch: ${differ.slice(0, 5).join(', ')}${differ.length > 5 ? ', ...' : ''}`, extra };
  return { agrees: true, reason: `the delta installs ${extra.length} package(s), as an install from the bootstrap would`, extra };
}
