import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import tar from 'tar-fs';

/*
 * Files cross between builder and helper only as tar streams through the
 * Engine API (PUT/GET /archive): nothing of the host is mounted, so the
 * builder may run in a container or against a remote engine.
 */

export interface ArchiveFile {
  /** Path relative to the upload directory. */
  name: string;
  content: string | Buffer;
  mode?: number;
  /** Make a symbolic link to this path instead of a file (content is ignored). */
  symlink?: string;
}

/** Owned by root in the helper whoever runs the builder; fixed mtime so uploads are reproducible. */
function asRoot(prefix: string) {
  return (header: tar.Headers): tar.Headers => ({ ...header, name: path.posix.join(prefix, header.name), uid: 0, gid: 0, mtime: new Date(0) });
}

/** Uploads small files into `directory` (missing parent directories are made). */
export async function putFiles(container: Docker.Container, directory: string, files: ArchiveFile[]): Promise<void> {
  const staging = await mkdtemp(path.join(tmpdir(), 'fuel-image-put-'));
  try {
    for (const file of files) {
      const target = path.join(staging, file.name);
      await mkdir(path.dirname(target), { recursive: true });
      if (file.symlink !== undefined) {
        await symlink(file.symlink, target);
        continue;
      }
      await writeFile(target, file.content);
      await chmod(target, file.mode ?? 0o644);
    }
    // Only the files themselves: directory entries would reset the modes of
    // directories that already exist in the container.
    const pack = tar.pack(staging, { entries: files.map((f) => f.name), map: asRoot(directory) });
    await container.putArchive(pack as unknown as NodeJS.ReadableStream, { path: '/' });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Streams one (large) host file into `directory` as `name`, never holding it in memory. */
export async function putHostFile(container: Docker.Container, directory: string, name: string, hostFile: string): Promise<void> {
  const pack = tar.pack(path.dirname(hostFile), {
    entries: [path.basename(hostFile)],
    map: (header) => ({ ...asRoot(directory)(header), name: path.posix.join(directory, name), mode: 0o644 }),
  });
  await container.putArchive(pack as unknown as NodeJS.ReadableStream, { path: '/' });
}

export interface CopiedFile {
  size: number;
  md5: string;
}

/**
 * Streams one file out of the container into `destDir/destName`, hashing it
 * on the way. Errors of the local filesystem (ENOSPC, EROFS) keep their errno.
 */
export async function copyFileOut(container: Docker.Container, filePath: string, destDir: string, destName: string, signal?: AbortSignal): Promise<CopiedFile> {
  const archive = (await container.getArchive({ path: filePath, abortSignal: signal } as { path: string })) as Readable;
  const wanted = path.posix.basename(filePath);
  const md5 = createHash('md5');
  let size = 0;
  let found = false;
  // map runs before ignore: only the wanted file gets the destination name.
  const options: tar.ExtractOptions & { chown: boolean } = {
    // Files belong to whoever runs the builder, not to the helper's root.
    chown: false,
    map: (header) => {
      if (header.type !== 'file' || header.name !== wanted) return { ...header, name: `.ignored-${header.name}` };
      found = true;
      return { ...header, name: destName, mode: 0o644 };
    },
    ignore: (_name, header) => header?.name !== destName,
    mapStream: (stream) =>
      stream.pipe(
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            md5.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        }),
      ) as unknown as ReturnType<NonNullable<tar.ExtractOptions['mapStream']>>,
  };
  const extract = tar.extract(destDir, options);
  try {
    await pipeline(archive, extract as unknown as NodeJS.WritableStream, { signal });
  } catch (error) {
    // Close the engine's side too: a copy left half-read blocks the
    // container's removal until the engine gives up on it.
    archive.destroy();
    throw error;
  }
  if (!found) throw new Error(`${filePath}: not a regular file in the container`);
  return { size, md5: md5.digest('hex') };
}
