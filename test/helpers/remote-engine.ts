import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { freePort } from './ports.js';

export { freePort };

/*
 * What a remote engine needs, made by the test and thrown away after it:
 * TLS certificates (openssl), an sshd of its own on 127.0.0.1 (its own
 * config, host key and authorized key; the system's sshd is not touched)
 * and an ssh-agent holding the client key. scripts/setup-host.sh --test
 * installs openssl and openssh-server.
 */

export interface TlsFiles {
  /** The engine's side: its certificate (subjectAltName IP:127.0.0.1) and key, and the CA of the client certificates. */
  server: { cert: Buffer; key: Buffer; ca: Buffer };
  /** DOCKER_CERT_PATH directories. */
  certPaths: {
    /** ca.pem, cert.pem, key.pem: the engine's CA and a client certificate it trusts. */
    good: string;
    /** The right ca.pem, but a client certificate from another CA. */
    rogueClient: string;
    /** The right client certificate, but another CA as ca.pem (the engine's certificate is not trusted). */
    rogueCa: string;
    /** ca.pem only: no client certificate. */
    noClient: string;
  };
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await execa('openssl', args, { cwd: dir });
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', `${name}-key.pem`, '-out', `${name}.pem`]);
}

async function makeCert(dir: string, ca: string, name: string, extensions: string): Promise<void> {
  await writeFile(path.join(dir, `${name}.ext`), extensions);
  await openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`]);
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}-key.pem`, '-set_serial', String(Date.now()), '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, plus a second CA and its client for the refusals. */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  await mkdir(dir, { recursive: true });
  await makeCa(dir, 'ca');
  await makeCa(dir, 'rogue-ca');
  await makeCert(dir, 'ca', 'server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await makeCert(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth\n');
  await makeCert(dir, 'rogue-ca', 'rogue-client', 'extendedKeyUsage=clientAuth\n');
  const read = (name: string) => readFile(path.join(dir, name));
  const certPath = async (name: string, files: Record<string, string>) => {
    const target = path.join(dir, name);
    await mkdir(target);
    for (const [as, from] of Object.entries(files)) await writeFile(path.join(target, as), await read(from));
    return target;
  };
  return {
    server: { cert: await read('server.pem'), key: await read('server-key.pem'), ca: await read('ca.pem') },
    certPaths: {
      good: await certPath('good', { 'ca.pem': 'ca.pem', 'cert.pem': 'client.pem', 'key.pem': 'client-key.pem' }),
      rogueClient: await certPath('rogue-client', { 'ca.pem': 'ca.pem', 'cert.pem': 'rogue-client.pem', 'key.pem': 'rogue-client-key.pem' }),
      rogueCa: await certPath('rogue-ca', { 'ca.pem': 'rogue-ca.pem', 'cert.pem': 'client.pem', 'key.pem': 'client-key.pem' }),
      noClient: await certPath('no-client', { 'ca.pem': 'ca.pem' }),
    },
  };
}

export interface Sshd {
  port: number;
  user: string;
  /** DOCKER_HOST for this sshd. */
  dockerHost: string;
  /** The private key authorized to log in (no passphrase). */
  clientKey: string;
  /** An ssh_config (FUEL_IMAGE_SSH_CONFIG) that trusts only this sshd's host key. */
  sshConfig: string;
  /** An ssh_config whose known_hosts file is empty: the host key is unknown. */
  strangerConfig: string;
  /** sshd's log so far (-e: on stderr). */
  log(): string;
  /** Established connections to this sshd now. */
  connections(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * sshd as root on 127.0.0.1 with its own config (`sshd -D -e -f config`):
 * a throwaway host key, one authorized key made here, no password or PAM.
 * Logins run the remote side of DOCKER_HOST=ssh://, `docker system
 * dial-stdio`, against this machine's engine.
 */
export async function startSshd(dir: string): Promise<Sshd> {
  const sshd = '/usr/sbin/sshd';
  await access(sshd).catch(() => {
    throw new Error(`${sshd} is missing: run "bash scripts/setup-host.sh --test" (installs openssh-server without starting the system's sshd)`);
  });
  await mkdir(dir, { recursive: true });
  // sshd's privilege separation directory (the package's service makes it at boot).
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const file = (name: string) => path.join(dir, name);
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'fuel-image-test-host', '-f', file('host_key')]);
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'fuel-image-test-client', '-f', file('client_key')]);
  await writeFile(file('authorized_keys'), await readFile(file('client_key.pub')), { mode: 0o600 });
  const port = await freePort();
  const user = userInfo().username;
  await writeFile(
    file('sshd_config'),
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${file('host_key')}`,
      `AuthorizedKeysFile ${file('authorized_keys')}`,
      `AllowUsers ${user}`,
      'PidFile none',
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding no',
      'X11Forwarding no',
      // dial-stdio talks to this machine's engine, whatever the login's docker context.
      'SetEnv DOCKER_HOST=unix:///var/run/docker.sock',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const hostKey = (await readFile(file('host_key.pub'), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  await writeFile(file('known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
  await writeFile(file('empty_known_hosts'), '');
  const clientConfig = (knownHosts: string) =>
    [`UserKnownHostsFile ${knownHosts}`, 'GlobalKnownHostsFile /dev/null', 'StrictHostKeyChecking yes', ''].join('\n');
  await writeFile(file('ssh_config'), clientConfig(file('known_hosts')));
  await writeFile(file('stranger_config'), clientConfig(file('empty_known_hosts')));

  const child = spawn(sshd, ['-D', '-e', '-f', file('sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await waitForText(child, () => log, 'Server listening on 127.0.0.1', 'sshd');
  return {
    port,
    user,
    dockerHost: `ssh://${user}@127.0.0.1:${port}`,
    clientKey: file('client_key'),
    sshConfig: file('ssh_config'),
    strangerConfig: file('stranger_config'),
    log: () => log,
    connections: async () => {
      const { stdout } = await execa('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`]);
      return stdout.split('\n').filter(Boolean).length;
    },
    stop: () => stopChild(child),
  };
}

export interface SshAgent {
  socket: string;
  stop(): Promise<void>;
}

/** An ssh-agent of the test's own (`ssh-agent -D -a SOCKET`) holding `keys`. */
export async function startSshAgent(dir: string, keys: string[]): Promise<SshAgent> {
  await mkdir(dir, { recursive: true });
  const socket = path.join(dir, 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await waitForText(child, () => log, 'SSH_AUTH_SOCK', 'ssh-agent');
  for (const key of keys) await execa('ssh-add', ['-q', key], { env: { SSH_AUTH_SOCK: socket } });
  return { socket, stop: () => stopChild(child) };
}

async function waitForText(child: ChildProcess, text: () => string, expected: string, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!text().includes(expected)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`${what} did not start:\n${text()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  // sshd's sessions inherit its stderr: a connection still open must not keep this process alive.
  for (const stream of [child.stdout, child.stderr]) stream?.destroy();
}
