import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/** Extracts a raw ext image to a directory with the host's debugfs (no mount, no loop device). */
export async function extractImage(image: string, dir: string): Promise<void> {
  await execa('debugfs', ['-R', `rdump / ${dir}`, image]);
}

/**
 * path -> "dir" | "link:<target>" | "file:<md5>" for every entry below root,
 * minus `ignore`; with `owners`, each also with its mode and uid:gid (debugfs
 * rdump run as root keeps both).
 */
export async function fingerprintTree(root: string, ignore: (rel: string) => boolean, options: { owners?: boolean } = {}): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const full = path.join(dir, name);
      const rel = `/${path.relative(root, full)}`;
      if (ignore(rel)) continue;
      const info = await lstat(full);
      const owner = options.owners ? ` ${info.mode.toString(8)} ${info.uid}:${info.gid}` : '';
      if (info.isSymbolicLink()) out.set(rel, `link:${await readlink(full)}${owner}`);
      else if (info.isDirectory()) {
        out.set(rel, `dir${owner}`);
        await walk(full);
      } else if (info.isFile()) out.set(rel, `file:${createHash('md5').update(await readFile(full)).digest('hex')}${owner}`);
      else out.set(rel, `special${owner}`);
    }
  };
  await walk(root);
  return out;
}

export function diffTrees(a: Map<string, string>, b: Map<string, string>): string[] {
  const diffs: string[] = [];
  for (const [rel, value] of a) if (b.get(rel) !== value) diffs.push(`${rel}: ${value} vs ${b.get(rel) ?? 'missing'}`);
  for (const rel of b.keys()) if (!a.has(rel)) diffs.push(`${rel}: missing vs ${b.get(rel)}`);
  return diffs;
}
