import type { InitSystem } from './releases.js';

export interface TreeFile {
  /** Path relative to the target's root. */
  name: string;
  content: string;
  mode?: number;
  /** Make a symbolic link to this path instead of a file. */
  symlink?: string;
}

/**
 * SSH host keys are removed from the image (every node would share them, and
 * the image is served over HTTP); each node makes its own on first boot,
 * before sshd starts. `ssh-keygen -A` needs OpenSSH 6.0; precise's 5.9 gets
 * them from the package's own configure step.
 */
const KEYGEN = '/bin/sh -c "ssh-keygen -A || dpkg-reconfigure -fnoninteractive openssh-server"';

const SYSTEMD_UNIT = `[Unit]
Description=Make this node's SSH host keys (fuel-image: the image carries none)
Before=ssh.service ssh.socket sshd.service
ConditionPathExistsGlob=!/etc/ssh/ssh_host_*_key

[Service]
Type=oneshot
ExecStart=${KEYGEN}

[Install]
WantedBy=multi-user.target
`;

const UPSTART_JOB = `# Make this node's SSH host keys (fuel-image: the image carries none)
description "fuel-image: SSH host keys on first boot"
start on starting ssh
task
script
  if ! ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1; then
    ${KEYGEN}
  fi
end script
`;

/** The files that make SSH host keys on first boot, in the init system the image boots with. */
export function sshKeygenFiles(init: InitSystem): TreeFile[] {
  if (init === 'upstart') return [{ name: 'etc/init/fuel-image-ssh-keygen.conf', content: UPSTART_JOB }];
  return [
    { name: 'etc/systemd/system/fuel-image-ssh-keygen.service', content: SYSTEMD_UNIT },
    // What `systemctl enable` would do, without running systemctl in the chroot.
    { name: 'etc/systemd/system/multi-user.target.wants/fuel-image-ssh-keygen.service', content: '', symlink: '/etc/systemd/system/fuel-image-ssh-keygen.service' },
  ];
}
