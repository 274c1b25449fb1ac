import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import path from 'node:path';
import type { MetadataImage } from '../output/metadata.js';

export interface CheckResult {
  check: string;
  ok: boolean;
  detail: string;
}

/**
 * What the node agent checks on download: the container file's md5 and size,
 * then (streamed through gunzip, as the agent writes it to disk) the raw
 * size and md5. One read of the file feeds both.
 */
export async function checkContainerFile(dir: string, image: MetadataImage): Promise<CheckResult[]> {
  const file = path.join(dir, image.container_name);
  const container = { md5: createHash('md5'), size: 0 };
  const raw = { md5: createHash('md5'), size: 0 };
  const counter = (into: { md5: ReturnType<typeof createHash>; size: number }) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        into.md5.update(chunk);
        into.size += chunk.length;
        callback();
      },
    });
  let gunzipError: string | undefined;
  // The container md5 is taken from the file itself, so a corrupt gzip
  // stream still gets its md5 reported next to the gunzip failure.
  const gunzip = image.container === 'gzip' ? createGunzip() : undefined;
  const rawDone = gunzip ? pipeline(gunzip, counter(raw)).catch((error: unknown) => void (gunzipError = (error as Error).message)) : Promise.resolve();
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      container.md5.update(chunk);
      container.size += chunk.length;
      if (!gunzip) {
        raw.md5.update(chunk);
        raw.size += chunk.length;
      } else if (!gunzipError && !gunzip.write(chunk)) {
        await Promise.race([once(gunzip, 'drain').catch(() => undefined), rawDone]);
      }
    }
    gunzip?.end();
    await rawDone;
  } catch (error) {
    return [{ check: 'container file', ok: false, detail: `cannot read ${file}: ${(error as Error).message}` }];
  }
  const containerMd5 = container.md5.digest('hex');
  const rawMd5 = raw.md5.digest('hex');
  return [
    { check: 'container size', ok: container.size === image.container_size, detail: `${container.size} bytes, metadata says ${image.container_size}` },
    { check: 'container md5', ok: containerMd5 === image.container_md5, detail: `${containerMd5}, metadata says ${image.container_md5}` },
    gunzipError
      ? { check: 'gunzip', ok: false, detail: gunzipError }
      : { check: 'raw size', ok: raw.size === image.raw_size, detail: `${raw.size} bytes, metadata says ${image.raw_size}` },
    ...(gunzipError ? [] : [{ check: 'raw md5', ok: rawMd5 === image.raw_md5, detail: `${rawMd5}, metadata says ${image.raw_md5}` }]),
  ];
}
