import { FuelImageError } from '../errors.js';
import type { BuildContext } from './build-context.js';
import { HELPER } from './plan-build.js';
import { runStep } from './run-step.js';

export interface TargetFacts {
  os: { name: string; major: number; minor: number };
  /** name -> version of every installed package. */
  installed: Record<string, string>;
}

/** Reads the release and the installed packages, and fails if a requested package is not installed. */
export async function inspectTarget(context: BuildContext): Promise<TargetFacts> {
  const chroot = (argv: string[]) => ['chroot', HELPER.target, ...argv];
  const osRelease = (await runStep(context, 'inspect', chroot(['cat', '/etc/os-release']))).stdout;
  const debianVersion = (await runStep(context, 'inspect', chroot(['cat', '/etc/debian_version']), { okExitCodes: [0, 1] })).stdout;
  const query = await runStep(context, 'inspect', chroot(['dpkg-query', '-W', '-f', '${Package}\\t${Version}\\t${Status}\\n']));
  const installed = parseInstalled(query.stdout);
  const missing = context.plan.packages.map((p) => p.split(/[:=]/, 1)[0]!).filter((name) => !(name in installed));
  if (missing.length > 0)
    throw new FuelImageError('PACKAGE_NOT_FOUND', `requested packages not installed in the image: ${missing.join(', ')}`, { details: { packages: missing } });
  return { os: parseOs(osRelease, debianVersion), installed };
}

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
