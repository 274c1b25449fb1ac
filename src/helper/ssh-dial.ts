import { spawn, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { Duplex } from 'node:stream';

/**
 * DOCKER_HOST=ssh://[user@]host[:port], as the docker CLI does it: the
 * system's `ssh` runs `docker system dial-stdio` on the remote host, whose
 * stdin and stdout are then a connection to that host's engine. Running the
 * real ssh (not docker-modem's built-in ssh2 transport) means the user's
 * ssh setup applies unchanged: ~/.ssh/config, known_hosts (an unknown or
 * changed host key fails the connection), ssh-agent (SSH_AUTH_SOCK) and the
 * default identity files. BatchMode: ssh never prompts; a key that needs a
 * passphrase must be in the agent.
 *
 * docker-modem's own ssh transport was not used: it takes the identity only
 * from SSH_AUTH_SOCK, accepts any host key, opens a new SSH connection for
 * every Engine API call and makes Node print a URL deprecation warning.
 *
 * Each HTTP connection is one ssh process; connections are kept alive and
 * reused, so a build pays for a handful of ssh logins, not one per call.
 */
export interface SshTarget {
  host: string;
  user?: string;
  port?: string;
}

/** Extra settings, from the environment. */
export const SSH_ENV = {
  /** An ssh_config file used instead of ~/.ssh/config and /etc/ssh/ssh_config (`ssh -F`). */
  config: 'FUEL_IMAGE_SSH_CONFIG',
  /** A private key file (`ssh -i`, with IdentitiesOnly). */
  key: 'FUEL_IMAGE_SSH_KEY',
} as const;

/** Parses ssh://[user@]host[:port]; throws an Error saying what is wrong. */
export function parseSshHost(dockerHost: string): SshTarget {
  let url: URL;
  try {
    url = new URL(dockerHost);
  } catch {
    throw new Error('it is not a URL (ssh://[user@]host[:port])');
  }
  if (url.protocol !== 'ssh:') throw new Error('not an ssh:// URL');
  if (url.password) throw new Error('a password is not supported (ssh runs in batch mode: use a key, in ssh-agent or FUEL_IMAGE_SSH_KEY)');
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash) throw new Error('it has a path or query (ssh://[user@]host[:port] only)');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host || host.startsWith('-')) throw new Error('no host');
  const user = decodeURIComponent(url.username);
  return { host, ...(user ? { user } : {}), ...(url.port ? { port: url.port } : {}) };
}

/** The ssh command line (without "ssh") that connects to the remote engine. */
export function sshDialArgs(target: SshTarget, env: NodeJS.ProcessEnv = process.env): string[] {
  const args: string[] = [];
  const config = env[SSH_ENV.config];
  const key = env[SSH_ENV.key];
  if (config) args.push('-F', config);
  if (key) args.push('-i', key, '-o', 'IdentitiesOnly=yes');
  args.push('-o', 'BatchMode=yes', '-T');
  if (target.user) args.push('-l', target.user);
  if (target.port) args.push('-p', target.port);
  args.push('--', target.host, 'docker', 'system', 'dial-stdio');
  return args;
}

/** An Error from the ssh transport; `code` ERR_SSH_DIAL. */
export class SshDialError extends Error {
  readonly code = 'ERR_SSH_DIAL';
}

/** ssh processes alive now: ended when this process exits, whatever way it exits normally. */
const live = new Set<ChildProcess>();
let exitHookSet = false;

/** An HTTP agent whose connections are `ssh ... docker system dial-stdio` processes. */
export class SshDialAgent extends Agent {
  constructor(
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    super({ keepAlive: true });
  }

  override createConnection(): Duplex {
    if (!exitHookSet) {
      exitHookSet = true;
      process.once('exit', () => {
        for (const child of live) child.kill();
      });
    }
    // Its own session (as the docker CLI does it): a Ctrl-C at the terminal reaches fuel-image, which
    // stops and removes its helper through these connections, not ssh, which would drop them first.
    const child = spawn('ssh', this.args, { stdio: ['pipe', 'pipe', 'pipe'], env: this.env, detached: true });
    live.add(child);
    child.once('close', () => live.delete(child));
    return new DialStdioSocket(child);
  }
}

/**
 * One ssh process as a socket: its stdout is what the engine sends, its
 * stdin what it gets. An ssh that ends with a non-zero status (refused,
 * host key unknown, no docker on the remote) destroys the socket with an
 * error carrying ssh's last words; one that ends with 0 is the remote
 * closing the connection. ref/unref/setKeepAlive/setTimeout/setNoDelay
 * stand in for net.Socket's, which Node's HTTP agent and the helper's
 * heartbeat call.
 */
class DialStdioSocket extends Duplex {
  private stderr = '';

  constructor(private readonly child: ChildProcess) {
    // As a TCP socket: the end of what comes in ends what goes out.
    super({ allowHalfOpen: false });
    const { stdout, stdin, stderr } = child;
    stdout!.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) stdout!.pause();
    });
    stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    // A write after ssh ended (EPIPE): the exit status says why.
    stdin!.on('error', () => {});
    child.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'ENOENT' ? 'ssh is not installed (an ssh:// DOCKER_HOST runs the ssh client, as the docker CLI does)' : `ssh could not be started: ${error.message}`;
      this.destroy(new SshDialError(why, { cause: error }));
    });
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      if (this.destroyed) return;
      if (code === 0) {
        this.push(null);
        return;
      }
      const said = this.stderr.trim().split('\n').map((line) => line.trim()).filter(Boolean).slice(-3).join(' / ');
      const status = code === null ? `signal ${signal}` : `status ${code}`;
      this.destroy(new SshDialError(`ssh ended with ${status}${said ? `: ${said}` : ' and said nothing'}`));
    });
  }

  override _read(): void {
    this.child.stdout!.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.child.stdin!.destroyed) return callback();
    this.child.stdin!.write(chunk, encoding, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin!.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    callback(error);
  }

  /** Kept alive between requests (or a hijacked stream that must not hold the process): does not keep Node running. */
  unref(): this {
    this.child.unref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
    return this;
  }

  ref(): this {
    this.child.ref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) (stream as { ref?: () => void } | null)?.ref?.();
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setTimeout(_ms: number, callback?: () => void): this {
    if (callback) this.once('timeout', callback);
    return this;
  }
}
