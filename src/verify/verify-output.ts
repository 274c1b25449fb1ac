import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { FuelImageError } from '../errors.js';
import { connectDocker } from '../helper/connect-docker.js';
import { toEngineError } from '../helper/engine-error.js';
import { ensureHelperImage } from '../helper/helper-image.js';
import { startHelperSession } from '../helper/helper-session.js';
import { bootImages, type BootDisk } from './boot-images.js';
import { checkContainerFile, type CheckResult } from './check-container-file.js';
import { checkFilesystem, checkPackages, uploadImage } from './check-filesystems.js';
import { readMetadata } from './read-metadata.js';

export interface VerifyOptions {
  /** An output directory or a metadata file. */
  target: string;
  /** Also boot the images under QEMU. */
  boot: boolean;
  bootTimeoutSeconds: number;
  baseImage: string;
  helperImage?: string;
  privileged: boolean;
  logger: Logger;
  signal: AbortSignal;
}

export interface ImageReport {
  image: string;
  mount_point: string;
  checks: CheckResult[];
}

/**
 * `fuel-image verify`: checks each image the way Fuel's node agent consumes
 * it (host side: md5 and size of the file and of its gunzipped stream;
 * in a helper container: e2fsck, resize2fs onto a larger device, requested
 * packages installed) and optionally boots it under QEMU. Throws
 * VERIFY_FAILED naming each failed image and check.
 */
export async function verifyOutput(options: VerifyOptions) {
  const { logger, signal } = options;
  const target = await readMetadata(options.target);
  const { metadata } = target;
  const reports: ImageReport[] = metadata.images.map((image) => ({ image: image.container_name, mount_point: target.mountPoints.get(image.container_name) ?? '', checks: [] }));
  for (const [i, image] of metadata.images.entries()) reports[i]!.checks.push(...(await checkContainerFile(target.dir, image)));

  try {
    const docker = await connectDocker({ signal });
    const helperImage = options.helperImage ?? (await ensureHelperImage(docker, { baseImage: options.baseImage, logger, signal, name: options.boot ? 'boot' : 'helper' }));
    const session = await startHelperSession(docker, {
      image: helperImage,
      buildId: `verify-${randomBytes(4).toString('hex')}`,
      privileged: options.privileged,
      network: 'none',
      logger,
      signal,
    });
    try {
      const disk: Partial<BootDisk> = {};
      for (const [i, image] of metadata.images.entries()) {
        const report = reports[i]!;
        if (!report.checks.every((c) => c.ok)) continue;
        const raw = await uploadImage(session, target.dir, image, i);
        report.checks.push(...(await checkFilesystem(session, raw, image)));
        if (report.mount_point === '/') {
          report.checks.push(await checkPackages(session, raw, metadata.packages));
          disk.root = { raw, format: image.format };
        }
        if (report.mount_point === '/boot') disk.boot = { raw, format: image.format };
      }
      if (options.boot) {
        const ready = reports.every((r) => r.checks.every((c) => c.ok)) && disk.root;
        const result: CheckResult = ready
          ? await bootImages(session, disk as BootDisk, options.bootTimeoutSeconds)
          : { check: 'boot', ok: false, detail: 'not attempted: the images failed the checks above' };
        reports.find((r) => r.mount_point === '/')?.checks.push(result);
      }
    } finally {
      await session.remove();
    }
  } catch (error) {
    throw toEngineError(error);
  }

  for (const report of reports)
    for (const check of report.checks) logger[check.ok ? 'info' : 'error']({ image: report.image, check: check.check, ok: check.ok }, `${report.image}: ${check.check}: ${check.ok ? 'ok' : 'FAILED'} (${check.detail})`);
  const failed = reports.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `${r.image}: ${c.check} (${c.detail})`));
  if (failed.length > 0)
    throw new FuelImageError('VERIFY_FAILED', `verify failed: ${failed.join('; ')}`, { details: { images: reports } });
  return { outcome: 'success', metadata: target.metadataFile, images: reports };
}
