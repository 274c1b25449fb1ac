import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import tarStream from 'tar-stream';

export interface ArchiveFile {
  /** Path relative to the upload directory. */
  name: string;
  content: string | Buffer;
  mode?: number;
}

/**
 * Uploads files through the Engine API (PUT /archive): nothing of the host is
 * mounted. Extracted at "/" with full paths, so missing directories are made.
 */
export async function putFiles(container: Docker.Container, directory: string, files: ArchiveFile[]): Promise<void> {
  const pack = tarStream.pack();
  const prefix = directory.replace(/^\/+|\/+$/g, '');
  for (const file of files) {
    const name = prefix ? `${prefix}/${file.name}` : file.name;
    pack.entry({ name, mode: file.mode ?? 0o644, uid: 0, gid: 0, mtime: new Date(0) }, file.content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  await container.putArchive(Buffer.concat(chunks), { path: '/' });
}

export interface ArchiveEntry {
  name: string;
  size: number;
  stream: Readable;
}

/**
 * Streams one file out of the container (GET /archive gives a tar of it).
 * `consume` is given the file's content stream and must read it to the end.
 */
export async function getFile<T>(
  container: Docker.Container,
  filePath: string,
  consume: (entry: ArchiveEntry) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const archive = (await container.getArchive({ path: filePath, abortSignal: signal } as { path: string })) as Readable;
  const extract = tarStream.extract();
  let result: { value: T } | undefined;
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      if (result !== undefined || header.type !== 'file') {
        stream.on('end', next);
        stream.resume();
        return;
      }
      consume({ name: header.name, size: header.size ?? 0, stream: stream as unknown as Readable }).then(
        (value) => {
          result = { value };
          next();
        },
        (error: unknown) => {
          // Close the engine's side too: a copy left half-read blocks the
          // container's removal until the engine gives up on it.
          archive.destroy();
          extract.destroy(error as Error);
          reject(error);
        },
      );
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    archive.on('error', reject);
  });
  archive.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    await done;
  } catch (error) {
    archive.destroy();
    throw error;
  }
  if (result === undefined) throw new Error(`${filePath}: not a regular file in the container`);
  return result.value;
}

/** Streams one (large) host file into the container without holding it in memory. */
export async function putFileStream(container: Docker.Container, directory: string, name: string, source: Readable, size: number): Promise<void> {
  const pack = tarStream.pack();
  const prefix = directory.replace(/^\/+|\/+$/g, '');
  const entry = pack.entry({ name: `${prefix}/${name}`, size, mode: 0o644, uid: 0, gid: 0, mtime: new Date(0) }, (error) => {
    if (error) pack.destroy(error);
    else pack.finalize();
  });
  source.on('error', (error) => pack.destroy(error));
  source.pipe(entry as unknown as NodeJS.WritableStream);
  await container.putArchive(pack as unknown as NodeJS.ReadableStream, { path: '/' });
}
