import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';

/** Host-side e2fsprogs: the images are checked with tools the builder did not use. */
export async function gunzipTo(source: string, target: string): Promise<void> {
  await pipeline(createReadStream(source), createGunzip(), createWriteStream(target));
}

export async function md5File(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function e2fsck(image: string): Promise<{ exitCode: number; output: string }> {
  const run = await execa('e2fsck', ['-fn', image], { reject: false, all: true });
  return { exitCode: run.exitCode ?? -1, output: run.all ?? '' };
}

export async function debugfs(image: string, request: string): Promise<string> {
  const run = await execa('debugfs', ['-R', request, image], { reject: false });
  return run.stdout;
}

/** Names in a directory of the image (debugfs ls -p: /inode/mode/uid/gid/name/size/). */
export async function listDir(image: string, dir: string): Promise<Array<{ name: string; mode: string; uid: number; gid: number }>> {
  const out = await debugfs(image, `ls -p ${dir}`);
  return out
    .split('\n')
    .filter((line) => line.startsWith('/'))
    .map((line) => line.split('/'))
    .map((f) => ({ name: f[5] ?? '', mode: f[2] ?? '', uid: Number(f[3]), gid: Number(f[4]) }))
    .filter((e) => e.name !== '.' && e.name !== '..');
}

export async function statInImage(image: string, file: string): Promise<{ uid: number; gid: number; mode: string } | undefined> {
  const out = await debugfs(image, `stat ${file}`);
  const mode = /Mode:\s+(\d+)/.exec(out)?.[1];
  const owner = /User:\s+(\d+)\s+Group:\s+(\d+)/.exec(out);
  if (!mode || !owner) return undefined;
  return { mode, uid: Number(owner[1]), gid: Number(owner[2]) };
}

export async function features(image: string): Promise<string[]> {
  const run = await execa('dumpe2fs', ['-h', image], { reject: false });
  return (/^Filesystem features:\s+(.*)$/m.exec(run.stdout)?.[1] ?? '').split(/\s+/);
}
