import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';

/*
 * A second Docker engine for tests that need the engine's disk to be small:
 * its own dockerd (and the containerd it supervises) with its data root on a
 * tmpfs this helper mounts, its own exec root, pid file, socket and an empty
 * config file, so nothing collides with the machine's engine. Needs root.
 */

const MiB = 1024 * 1024;

export interface SmallEngine {
  /** For DOCKER_HOST. */
  url: string;
  docker: Docker;
  /** The data root (the tmpfs's mount point). */
  dataRoot: string;
  /** Bytes free on the data root. */
  free(): Promise<number>;
  /** Resizes the data root so that `bytes` are free (tmpfs takes a new size while mounted). */
  leaveFree(bytes: number): Promise<void>;
  /** Copies an image of `from` into this engine (docker save | docker load; labels are kept). */
  loadImage(from: Docker, image: string): Promise<void>;
  /** dockerd's log so far, for a failing test's message. */
  log(): Promise<string>;
  /** Stops dockerd (and its containerd), unmounts and removes everything; never throws. */
  stop(): Promise<void>;
}

/** Starts dockerd on a tmpfs of `sizeMiB`; whatever was made is undone if it does not come up. */
export async function startSmallEngine(sizeMiB: number): Promise<SmallEngine> {
  // Short paths: containerd's sockets live under the exec root (unix socket paths are limited).
  const dir = await mkdtemp(path.join(tmpdir(), 'fi-engine-'));
  const dataRoot = path.join(dir, 'root');
  const execRoot = path.join(dir, 'exec');
  const socket = path.join(dir, 'docker.sock');
  const logFile = path.join(dir, 'dockerd.log');
  let child: ChildProcess | undefined;

  const stop = async () => {
    try {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve));
        child.kill('SIGTERM');
        const stopped = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(resolve, 20_000, false))]);
        if (!stopped) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      // A dockerd that had to be killed leaves its containerd running: end it by its pid file, if it is still ours.
      const pid = Number(await readFile(path.join(execRoot, 'containerd', 'containerd.pid'), 'utf8').catch(() => ''));
      const command = pid > 0 ? await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '') : '';
      if (command.includes(execRoot)) process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    // dockerd leaves its network namespace mounted under the exec root, and overlays if it was killed.
    for (const mountPoint of await mountsUnder(dir)) await execa('umount', ['-l', mountPoint], { reject: false });
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };

  try {
    await mkdir(dataRoot);
    await mkdir(execRoot);
    await execa('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'fuel-image-small-engine', dataRoot]);
    const config = path.join(dir, 'daemon.json');
    await writeFile(config, '{}\n');
    const log = await open(logFile, 'a');
    child = spawn(
      'dockerd',
      [
        `--config-file=${config}`,
        `--data-root=${dataRoot}`,
        `--exec-root=${execRoot}`,
        `--pidfile=${path.join(dir, 'docker.pid')}`,
        `--host=unix://${socket}`,
        // overlay2, not a silent fall back to vfs (which copies the whole image into each container).
        '--storage-driver=overlay2',
        '--bridge=none',
        '--iptables=false',
        '--ip-masq=false',
        '--shutdown-timeout=2',
      ],
      { stdio: ['ignore', log.fd, log.fd] },
    );
    await log.close();
    const docker = new Docker({ socketPath: socket });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`dockerd exited (${child.exitCode}):\n${await readFile(logFile, 'utf8')}`);
      if (await docker.ping().then(() => true, () => false)) break;
      if (Date.now() > deadline) throw new Error(`dockerd did not answer within 30 s:\n${await readFile(logFile, 'utf8')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const free = async () => {
      const stats = await statfs(dataRoot);
      return stats.bavail * stats.bsize;
    };
    return {
      url: `unix://${socket}`,
      docker,
      dataRoot,
      free,
      leaveFree: async (bytes) => {
        const stats = await statfs(dataRoot);
        const used = (stats.blocks - stats.bfree) * stats.bsize;
        await execa('mount', ['-o', `remount,size=${Math.ceil((used + bytes) / MiB)}m`, dataRoot]);
      },
      loadImage: async (from, image) => {
        const saved = (await from.getImage(image).get()) as NodeJS.ReadableStream;
        const answer = (await docker.loadImage(saved)) as NodeJS.ReadableStream;
        let text = '';
        for await (const chunk of answer) text += chunk.toString();
        if (!/Loaded image/.test(text)) throw new Error(`loading ${image} into the small engine: ${text.slice(0, 500)}`);
      },
      log: () => readFile(logFile, 'utf8').catch(() => ''),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Mount points at or under `dir`, deepest first. */
async function mountsUnder(dir: string): Promise<string[]> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  const points = table
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined && (point === dir || point.startsWith(`${dir}/`)))
    // mountinfo escapes spaces and such as \040: our paths have none.
    .sort((a, b) => b.length - a.length);
  return [...new Set(points)];
}
