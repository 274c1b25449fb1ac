import { FuelImageError } from '../errors.js';
import { helperScript, HELPER } from '../plan/helper-paths.js';
import { missingPackages } from '../plan/packages.js';
import type { TreeCapabilities } from '../release/node-agent-needs.js';
import type { StageContext } from './stage-context.js';

export interface TargetFacts {
  os: { name: string; major: number; minor: number };
  /** name -> version of every installed package. */
  installed: Record<string, string>;
  /** What the tree holds of what the node agent and first boot use. */
  tree: TreeCapabilities & { sshd: boolean };
}

/** Reads the release and the installed packages, and fails if a requested package is not installed. */
export async function inspectTarget({ session, plan }: StageContext): Promise<TargetFacts> {
  const report = await session.run('inspect', ['bash', helperScript('inspect-target.sh'), HELPER.target]);
  const facts = parseTargetReport(report.stdout);
  const missing = missingPackages(plan.packages, facts.installed);
  if (missing.length > 0)
    throw new FuelImageError('PACKAGE_NOT_FOUND', `requested packages not installed in the image: ${missing.join(', ')}`, { details: { packages: missing } });
  return facts;
}

/** inspect-target.sh prints "### name" headed sections. */
export function parseTargetReport(text: string): TargetFacts {
  const sections = new Map<string, string>();
  for (const part of text.split(/^### /m).slice(1)) {
    const newline = part.indexOf('\n');
    sections.set(part.slice(0, newline < 0 ? undefined : newline).trim(), newline < 0 ? '' : part.slice(newline + 1));
  }
  const tree = new Map<string, string>();
  for (const line of (sections.get('tree') ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value) tree.set(key, value);
  }
  const yes = (key: string) => tree.get(key) === 'yes';
  return {
    os: parseOs(sections.get('os-release') ?? '', sections.get('debian_version') ?? ''),
    installed: parseInstalled(sections.get('packages') ?? ''),
    tree: { sshd: yes('sshd'), grubInstall: yes('grub-install'), grubMkconfig: yes('grub-mkconfig'), ifupdown: yes('ifupdown') },
  };
}

/** dpkg-query's "name\tversion\tstatus" lines: the installed packages. */
export function parseInstalled(text: string): Record<string, string> {
  const installed: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const [name, version, status] = line.split('\t');
    if (name && version && status?.endsWith(' installed')) installed[name] = version;
  }
  return installed;
}

/** Fuel's os entry: name, major, minor ("Ubuntu", 14, 4). Debian's minor comes from /etc/debian_version (12.10). */
export function parseOs(osRelease: string, debianVersion: string): TargetFacts['os'] {
  const field = (key: string) => new RegExp(`^${key}="?([^"\\n]*)"?$`, 'm').exec(osRelease)?.[1] ?? '';
  const id = field('ID') || 'linux';
  const name = id.charAt(0).toUpperCase() + id.slice(1);
  let version = field('VERSION_ID');
  if (id === 'debian' && /^\d+\.\d+/.test(debianVersion.trim())) version = debianVersion.trim();
  const [major, minor] = version.split('.').map((part) => Number.parseInt(part, 10));
  return { name, major: Number.isFinite(major) ? major! : 0, minor: Number.isFinite(minor) ? minor! : 0 };
}
