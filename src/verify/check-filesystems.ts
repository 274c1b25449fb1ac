import path from 'node:path';
import type { HelperSession } from '../helper/helper-session.js';
import type { MetadataImage } from '../output/metadata.js';
import { missingPackages } from '../plan/packages.js';
import { parseInstalled } from '../stages/inspect-target.js';
import type { CheckResult } from './check-container-file.js';

export const SCRATCH = '/verify';

/** Puts image N into the container and unpacks it to /verify/N.img. */
export async function uploadImage(session: HelperSession, dir: string, image: MetadataImage, index: number): Promise<string> {
  const gz = image.container === 'gzip';
  const name = gz ? `${index}.img.gz` : `${index}.img`;
  await session.writeHostFile(SCRATCH, name, path.join(dir, image.container_name));
  if (gz) await session.run('unpack', ['gunzip', '-f', `${SCRATCH}/${name}`]);
  return `${SCRATCH}/${index}.img`;
}

/**
 * The node agent's view of an image after it is written to a partition:
 * e2fsck clean, then grown by resize2fs to a larger device (a sparse file
 * twice the size here) and clean again.
 */
export async function checkFilesystem(session: HelperSession, rawPath: string, image: MetadataImage): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const fsck = async (check: string) => {
    const run = await session.run(check, ['e2fsck', '-fn', rawPath], { okExitCodes: [0, 1, 2, 4, 8, 12] });
    results.push({ check, ok: run.exitCode === 0, detail: run.exitCode === 0 ? 'clean' : `exit ${run.exitCode}: ${lastLines(run.outputTail)}` });
    return run.exitCode === 0;
  };
  if (!(await fsck('e2fsck'))) return results;
  const grow = Math.max(image.raw_size, 256 * 1024 * 1024);
  await session.run('scratch device', ['truncate', '-s', `+${grow}`, rawPath]);
  const resize = await session.run('resize2fs', ['resize2fs', rawPath], { okExitCodes: [0, 1] });
  const blocks = Number(/^Block count:\s+(\d+)/m.exec((await session.run('resize2fs', ['dumpe2fs', '-h', rawPath])).stdout)?.[1]);
  const grown = resize.exitCode === 0 && blocks * 4096 > image.raw_size;
  results.push({ check: 'resize2fs', ok: grown, detail: grown ? `grew to ${blocks} blocks` : `exit ${resize.exitCode}: ${lastLines(resize.outputTail)}` });
  if (grown) await fsck('e2fsck after resize2fs');
  return results;
}

/** QA's check on a provisioned node: every requested package installed (dpkg status of the root image). */
export async function checkPackages(session: HelperSession, rawPath: string, packages: string[]): Promise<CheckResult> {
  const status = await session.run('packages', ['debugfs', '-R', 'cat /var/lib/dpkg/status', rawPath]);
  const installed = parseInstalled(dpkgStatusToQuery(status.stdout));
  const missing = missingPackages(packages, installed);
  return { check: 'packages', ok: missing.length === 0, detail: missing.length === 0 ? `${packages.length} requested packages installed` : `not installed: ${missing.join(', ')}` };
}

/** Turns dpkg's status file into dpkg-query's "name\tversion\tstatus" lines. */
function dpkgStatusToQuery(status: string): string {
  return status
    .split(/\n\n+/)
    .map((stanza) => {
      const field = (key: string) => new RegExp(`^${key}: (.*)$`, 'm').exec(stanza)?.[1] ?? '';
      return `${field('Package')}\t${field('Version')}\t${field('Status')}`;
    })
    .join('\n');
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}
