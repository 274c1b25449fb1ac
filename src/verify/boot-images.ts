import { FuelImageError } from '../errors.js';
import type { HelperSession } from '../helper/helper-session.js';
import type { CheckResult } from './check-container-file.js';
import { SCRATCH } from './check-filesystems.js';

export const BOOT_MARKER = 'FUEL-IMAGE-BOOT-MARKER: reached multi-user.target';

/* Written into a copy of the root image only: the built files are not touched. */
const MARKER_UNIT = `[Unit]
Description=fuel-image boot test: report multi-user.target on the serial console
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo "${BOOT_MARKER} ssh=$$(systemctl is-active ssh.service) hostkeys=$$(ls /etc/ssh/ssh_host_*_key 2>/dev/null | wc -l)" > /dev/ttyS0; systemctl --no-block poweroff'

[Install]
WantedBy=multi-user.target
`;

const DEBUGFS_COMMANDS = `rm /etc/fstab
write ${SCRATCH}/fstab /etc/fstab
write ${SCRATCH}/marker.service /etc/systemd/system/fuel-image-marker.service
mkdir /etc/systemd/system/multi-user.target.wants
symlink /etc/systemd/system/multi-user.target.wants/fuel-image-marker.service /etc/systemd/system/fuel-image-marker.service
`;

export interface BootDisk {
  root: { raw: string; format: string };
  boot?: { raw: string; format: string };
}

const MIB = 1024 * 1024;

/**
 * Assembles a disk as the provisioning agent would (a partition for /boot,
 * one for /, an fstab naming them) and boots it under QEMU with the image's
 * own kernel and initramfs. Passes when the marker unit reports
 * multi-user.target on the serial console.
 */
export async function bootImages(session: HelperSession, disk: BootDisk, timeoutSeconds: number): Promise<CheckResult> {
  const kernelImage = disk.boot?.raw ?? disk.root.raw;
  const prefix = disk.boot ? '' : '/boot';
  const listing = (await session.run('boot: find kernel', ['debugfs', '-R', `ls -p ${prefix || '/'}`, kernelImage])).stdout;
  const names = listing.split('\n').map((line) => line.split('/')[5] ?? '');
  const version = names.filter((n) => n.startsWith('vmlinuz-')).map((n) => n.slice('vmlinuz-'.length)).sort().at(-1);
  if (!version || !names.includes(`initrd.img-${version}`))
    return { check: 'boot', ok: false, detail: 'no kernel with an initramfs (vmlinuz-*/initrd.img-*) in the boot files' };
  for (const [file, out] of [[`vmlinuz-${version}`, 'vmlinuz'], [`initrd.img-${version}`, 'initrd']] as const)
    await session.run('boot: extract kernel', ['debugfs', '-R', `dump ${prefix}/${file} ${SCRATCH}/${out}`, kernelImage]);

  const rootDevice = disk.boot ? '/dev/vda2' : '/dev/vda1';
  const fstab = `${rootDevice} / ${disk.root.format} errors=remount-ro 0 1\n${disk.boot ? `/dev/vda1 /boot ${disk.boot.format} defaults 0 2\n` : ''}`;
  await session.write(SCRATCH, [
    { name: 'fstab', content: fstab },
    { name: 'marker.service', content: MARKER_UNIT },
    { name: 'debugfs.cmd', content: DEBUGFS_COMMANDS },
  ]);
  // debugfs -f goes on after a failing line ("rm" of a missing fstab, an existing wants directory).
  await session.run('boot: fstab and marker', ['debugfs', '-w', '-f', `${SCRATCH}/debugfs.cmd`, disk.root.raw]);

  const parts = [disk.boot, disk.root].filter((p): p is NonNullable<typeof p> => p !== undefined);
  // The files may have been grown by the resize2fs check: partitions take their current size.
  const sizes = await Promise.all(parts.map(async (part) => Number((await session.run('boot: disk', ['stat', '-c', '%s', part.raw])).stdout.trim())));
  let startMiB = 1;
  const layout = parts.map((part, i) => {
    const sizeMiB = Math.ceil(sizes[i]! / MIB);
    const entry = { raw: part.raw, startMiB, sizeMiB };
    startMiB += sizeMiB;
    return entry;
  });
  const diskPath = `${SCRATCH}/disk.img`;
  await session.run('boot: disk', ['truncate', '-s', `${(startMiB + 1) * MIB}`, diskPath]);
  const table = `label: dos\n${layout.map((p) => `start=${p.startMiB * 2048}, size=${p.sizeMiB * 2048}, type=83`).join('\n')}\n`;
  await session.run('boot: partitions', ['sfdisk', '--quiet', diskPath], { stdin: table });
  for (const part of layout)
    await session.run('boot: write partition', ['dd', `if=${part.raw}`, `of=${diskPath}`, 'bs=1M', `seek=${part.startMiB}`, 'conv=notrunc,sparse', 'status=none']);

  // The marker line also says whether sshd is up and how many host keys the node made.
  let seen: string | undefined;
  const started = Date.now();
  const qemu = await session.run(
    'boot: qemu',
    [
      'timeout', String(timeoutSeconds), 'qemu-system-x86_64', '-m', '1024', '-smp', '2', '-nographic', '-no-reboot', '-nic', 'none',
      '-kernel', `${SCRATCH}/vmlinuz`, '-initrd', `${SCRATCH}/initrd`,
      '-append', `root=${rootDevice} ro console=ttyS0 panic=-1`,
      '-drive', `file=${diskPath},format=raw,if=virtio`,
    ],
    { okExitCodes: [0, 124], onLine: (line) => (seen ??= line.includes(BOOT_MARKER) ? line.slice(line.indexOf(BOOT_MARKER) + BOOT_MARKER.length).trim() : undefined) },
  );
  const seconds = Math.round((Date.now() - started) / 1000);
  if (seen !== undefined) return { check: 'boot', ok: true, detail: `kernel ${version} reached multi-user.target in ${seconds} s (${seen})` };
  if (qemu.exitCode === 124) return { check: 'boot', ok: false, detail: `no marker within ${timeoutSeconds} s; console: ${qemu.outputTail.split('\n').slice(-5).join(' | ')}` };
  throw new FuelImageError('STEP_FAILED', `QEMU stopped without the boot marker: ${qemu.outputTail.split('\n').slice(-8).join('\n')}`);
}
