import { hostname } from 'node:os';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { FuelImageError } from '../errors.js';
import { redactSecrets } from '../log/redact.js';
import { HELPER } from '../plan/helper-paths.js';
import { attachHeartbeat, WATCHED_STDIN, watchBuilderCommand, type BuilderHeartbeat } from './builder-heartbeat.js';
import { copyFileOut, putFiles, putHostFile, type ArchiveFile, type CopiedFile } from './archive.js';
import { classifyTimeout, withTimeout } from './attempt-timeout.js';
import { checkDiskFull, type DiskProbe } from './disk-full.js';
import { ENGINE_LIMITS } from './engine-watch.js';
import { execCommand, type ExecResult } from './exec-command.js';
import { buildLabels, HELPER_ROLE, LABEL } from './labels.js';
import { retryStep, type RetryOptions } from './retry-policy.js';

export type { ArchiveFile, CopiedFile, ExecResult };

export interface StepOptions {
  /** The environment: the session's for the helper (default) or the target, or one of its own. */
  env?: string[] | 'helper' | 'target';
  /** Written to the process's stdin (secrets go this way, never in argv). */
  stdin?: string;
  /** Exit codes that count as success (default: 0 only). */
  okExitCodes?: number[];
  /** Turns a known failure (missing package, 404) into a precise error. */
  classify?: (result: ExecResult) => FuelImageError | undefined | Promise<FuelImageError | undefined>;
  /** Log output lines at info rather than debug (long steps, so progress shows). */
  verbose?: boolean;
  /** Sees every output line as it arrives (e.g. to watch a serial console). */
  onLine?: (line: string) => void;
}

export interface NetworkStepOptions extends StepOptions {
  /** Time limit of one attempt: a stalled mirror fails the attempt, not the build. */
  timeoutSeconds: number;
  /** What the step fetches, for the time limit's message. */
  what: string;
  /** Run the command inside the target (chroot) rather than in the helper. */
  inTarget?: boolean;
  /** Runs before every attempt after the first (a mirror that synced serves new indexes). */
  beforeRetry?: () => Promise<void>;
}

/**
 * Everything a stage or `verify` does in the helper container goes through
 * this: commands as argument arrays (no shell sees spec values), network
 * commands with retries and a time limit, files in and out as tar streams
 * through the Engine API. Exec and archive details stay behind it, so a stage
 * can be tested against a fake session.
 */
export interface HelperSession {
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** One command in the helper; a failure becomes STEP_FAILED with the tail of its output. */
  run(name: string, argv: string[], options?: StepOptions): Promise<ExecResult>;
  /** One command inside the target (chroot), with the target's environment. */
  chroot(name: string, argv: string[], options?: StepOptions): Promise<ExecResult>;
  /** A command that fetches from the network: retried with backoff, each attempt time-limited. */
  runNetwork(name: string, argv: string[], options: NetworkStepOptions): Promise<ExecResult>;
  /** Retries a composite network step (several commands) as a whole. */
  retry<T>(name: string, attempt: (attemptNumber: number) => Promise<T>): Promise<T>;
  write(directory: string, files: ArchiveFile[]): Promise<void>;
  /** Streams a (large) file of the builder's into the helper. */
  writeHostFile(directory: string, name: string, hostFile: string): Promise<void>;
  /** A small text file of the helper's. */
  read(path: string): Promise<string>;
  /** Streams a helper file into `destDir/destName` and returns its size and md5. */
  copyOut(path: string, destDir: string, destName: string): Promise<CopiedFile>;
  /** Never throws: a failure is logged ("fuel-image gc" removes it later). */
  remove(): Promise<void>;
  /** Replaces the target's environment (once the bootstrap shows what the target can load). */
  setTargetEnv(env: string[]): void;
}

export interface StartSessionOptions {
  image: string;
  buildId: string;
  /** --privileged: for hosts whose engine needs it; off by default (least privilege). */
  privileged: boolean;
  /** "host" by default: Fuel serves its repos on the master's 127.0.0.1:8080. */
  network: string;
  logger: Logger;
  signal: AbortSignal;
  retry?: RetryOptions;
  /** Environment of commands in the helper and in the target. */
  env?: { helper: string[]; target: string[] };
  /** Named volumes of the engine (never host paths) by mount path: the image cache. */
  volumes?: Record<string, string>;
}

/**
 * Docker's SecurityOpt for the helper. apparmor=unconfined: docker's default
 * AppArmor profile denies mount(2) even to a process holding SYS_ADMIN.
 * label=disable on an SELinux engine: the default container label would deny
 * debootstrap's mounts and dpkg's writes in the target the same way.
 * --privileged turns both off by itself.
 */
export function helperSecurityOpt(options: { privileged: boolean; selinux: boolean }): string[] {
  if (options.privileged) return [];
  return ['apparmor=unconfined', ...(options.selinux ? ['label=disable'] : [])];
}

/** True when the engine confines containers with SELinux (`docker info` SecurityOptions: "name=selinux"). */
export function engineUsesSelinux(securityOptions: readonly string[] | undefined): boolean {
  return (securityOptions ?? []).some((entry) => entry.split(',').some((field) => field.trim() === 'name=selinux'));
}

/**
 * Helpers this process has asked for and not yet removed, by container name
 * (known before the engine answers the create), so that a second SIGINT or
 * SIGTERM can ask for their removal on its way out.
 */
const liveHelpers = new Map<string, Docker>();

/**
 * Sends a removal request for every helper of this process; resolves when
 * the engine answered them. A caller that is exiting does not wait for that:
 * the request is out, and "fuel-image gc" removes what it missed.
 */
export async function requestHelperRemoval(): Promise<void> {
  await Promise.allSettled([...liveHelpers].map(([name, docker]) => docker.getContainer(name).remove({ force: true, v: true })));
}

/**
 * Creates and starts a helper container and returns its session. Its main
 * process only watches the builder (builder-heartbeat.ts) and every step is
 * an exec; when the builder goes, the helper stops and the engine removes it. No host path is bind-mounted:
 * the builder may itself run in a container (Fuel's MCollective) whose paths
 * the engine cannot see.
 */
export async function startHelperSession(docker: Docker, options: StartSessionOptions): Promise<HelperSession> {
  const info = await docker.info();
  const name = `fuel-image-${options.buildId}`;
  liveHelpers.set(name, docker);
  let container: Docker.Container;
  try {
    container = await docker.createContainer({
      Image: options.image,
      name,
      Cmd: watchBuilderCommand(),
      ...WATCHED_STDIN,
      Labels: { ...buildLabels(options.buildId, HELPER_ROLE), [LABEL.owner]: `${hostname()}:${process.pid}` },
      WorkingDir: '/',
      HostConfig: {
        NetworkMode: options.network,
        Privileged: options.privileged,
        // SYS_ADMIN: debootstrap and the install mount /proc and /sys inside the target.
        CapAdd: options.privileged ? [] : ['SYS_ADMIN'],
        SecurityOpt: helperSecurityOpt({ privileged: options.privileged, selinux: engineUsesSelinux(info.SecurityOptions as string[] | undefined) }),
        // A PID 1 that reaps: debootstrap and dpkg leave orphans behind.
        Init: true,
        // The helper removes itself once its builder is gone (builder-heartbeat.ts).
        AutoRemove: true,
        Mounts: Object.entries(options.volumes ?? {}).map(([target, source]) => ({ Type: 'volume' as const, Source: source, Target: target })),
      },
    });
  } catch (error) {
    // Interrupted or cut off while the engine was creating it: it may exist.
    const mayExist = error instanceof FuelImageError && (error.code === 'ABORTED' || error.code === 'ENGINE_UNREACHABLE');
    if (mayExist) await removeAfterAbandonedCreate(docker.getContainer(name), options.logger);
    liveHelpers.delete(name);
    throw error;
  }
  options.logger.debug({ container: container.id.slice(0, 12) }, 'helper container created');
  let heartbeat: BuilderHeartbeat;
  try {
    heartbeat = await attachHeartbeat(container, options.logger);
  } catch (error) {
    await removeContainer(container, options.logger);
    liveHelpers.delete(name);
    throw error;
  }
  const session = new ContainerSession(container, name, heartbeat, (info as { DockerRootDir?: string }).DockerRootDir, options);
  try {
    await container.start();
  } catch (error) {
    await session.remove();
    throw error;
  }
  return session;
}

/**
 * Removes a helper container within ENGINE_LIMITS.removeMs; never throws:
 * a failure is logged ("fuel-image gc" removes it later).
 */
async function removeContainer(container: Docker.Container, logger: Logger): Promise<void> {
  const id = /^[0-9a-f]{64}$/.test(container.id) ? container.id.slice(0, 12) : container.id;
  const limit = AbortSignal.timeout(ENGINE_LIMITS.removeMs);
  try {
    await container.remove({ force: true, v: true, abortSignal: limit });
    logger.debug({ container: id }, 'helper container removed');
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404) return;
    // 409: the engine is removing it already (AutoRemove once its stdin
    // closed, e.g. an interrupt cut the attach): wait for that to finish, so
    // no helper is listed after the build returns.
    if (status === 409 && (await waitUntilGone(container, limit))) return;
    const reason = limit.aborted ? `no answer within ${ENGINE_LIMITS.removeMs / 1000} s` : (error as Error).message;
    logger.error({ err: limit.aborted ? undefined : error, container: id }, `could not remove the helper container (${reason}); "fuel-image gc" removes it later`);
  }
}

/**
 * A create the builder stopped waiting for may still complete on the engine
 * after a first DELETE answered 404, leaving a container that never starts
 * (so AutoRemove never fires). A create takes well under a second: DELETE
 * by name again for up to CREATE_SETTLE_MS until one finds it.
 */
async function removeAfterAbandonedCreate(container: Docker.Container, logger: Logger): Promise<void> {
  const deadline = Date.now() + CREATE_SETTLE_MS;
  for (;;) {
    const status = await container.remove({ force: true, v: true, abortSignal: AbortSignal.timeout(ENGINE_LIMITS.removeMs) }).then(
      () => 200,
      (error: unknown) => (error as { statusCode?: number }).statusCode ?? 0,
    );
    if (status !== 404 || Date.now() > deadline) {
      if (status !== 200 && status !== 404 && status !== 409) logger.error({ container: container.id }, `could not remove the helper container (status ${status}); "fuel-image gc" removes it later`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const CREATE_SETTLE_MS = 2000;

/** Polls until the container is gone (404) or `limit` fires; true when gone. */
async function waitUntilGone(container: Docker.Container, limit: AbortSignal): Promise<boolean> {
  // DELETE, not inspect: once the build's signal fired, the engine watch lets
  // only DELETEs through. It answers 409 while the removal runs, 404 after.
  while (!limit.aborted) {
    const gone = await container.remove({ force: true, v: true, abortSignal: limit }).then(
      () => true,
      (error: unknown) => (error as { statusCode?: number }).statusCode === 404,
    );
    if (gone) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

const NO_RETRY: RetryOptions = { retries: 0, minTimeout: 0 };

class ContainerSession implements HelperSession {
  readonly logger: Logger;
  readonly signal: AbortSignal;
  private readonly retryOptions: RetryOptions;
  private env: { helper: string[]; target: string[] };

  constructor(
    private readonly container: Docker.Container,
    private readonly name: string,
    private readonly heartbeat: BuilderHeartbeat,
    /** The engine's data root (`docker info`), named when its disk fills up. */
    private readonly dataRoot: string | undefined,
    options: StartSessionOptions,
  ) {
    this.logger = options.logger;
    this.signal = options.signal;
    this.retryOptions = options.retry ?? NO_RETRY;
    this.env = options.env ?? { helper: [], target: [] };
  }

  run(name: string, argv: string[], options: StepOptions = {}): Promise<ExecResult> {
    return this.exec(name, argv, options);
  }

  chroot(name: string, argv: string[], options: StepOptions = {}): Promise<ExecResult> {
    return this.exec(name, ['chroot', HELPER.target, ...argv], { ...options, env: options.env ?? 'target' });
  }

  runNetwork(name: string, argv: string[], options: NetworkStepOptions): Promise<ExecResult> {
    const { timeoutSeconds, what, inTarget, beforeRetry, ...step } = options;
    const timed = withTimeout(timeoutSeconds, inTarget ? ['chroot', HELPER.target, ...argv] : argv);
    const env = step.env ?? (inTarget ? 'target' : 'helper');
    return this.retry(name, async (attempt) => {
      if (attempt > 1 && beforeRetry) await beforeRetry();
      return this.exec(name, timed, {
        ...step,
        env,
        classify: async (result) => classifyTimeout(result, what, timeoutSeconds) ?? (await step.classify?.(result)),
      });
    });
  }

  retry<T>(name: string, attempt: (attemptNumber: number) => Promise<T>): Promise<T> {
    return retryStep(name, attempt, { retry: this.retryOptions, logger: this.logger, signal: this.signal });
  }

  write(directory: string, files: ArchiveFile[]): Promise<void> {
    return putFiles(this.container, directory, files).catch((error: unknown) => this.engineFailure(`write ${directory}`, error));
  }

  writeHostFile(directory: string, name: string, hostFile: string): Promise<void> {
    return putHostFile(this.container, directory, name, hostFile).catch((error: unknown) => this.engineFailure(`write ${directory}/${name}`, error));
  }

  async read(path: string): Promise<string> {
    return (await this.run('read', ['cat', '--', path])).stdout;
  }

  copyOut(path: string, destDir: string, destName: string): Promise<CopiedFile> {
    return copyFileOut(this.container, path, destDir, destName, this.signal).catch((error: unknown) => this.engineFailure(`copy ${path}`, error));
  }

  setTargetEnv(env: string[]): void {
    this.env = { ...this.env, target: env };
  }

  async remove(): Promise<void> {
    this.heartbeat.expectClose();
    try {
      await removeContainer(this.container, this.logger);
    } finally {
      // After the removal request: if the engine never answered it, the
      // closed stdin still makes the helper stop and remove itself.
      this.heartbeat.stop();
      liveHelpers.delete(this.name);
    }
  }

  /** One step = one exec. Logs its duration; a failure carries the tail of the step's output. */
  private async exec(name: string, argv: string[], options: StepOptions): Promise<ExecResult> {
    const { logger } = this;
    const started = performance.now();
    logger.debug({ step: name, argv: argv.map((arg) => redactSecrets(arg, { singleValue: true })) }, `${name}: start`);
    const env = options.env === 'target' ? this.env.target : options.env === 'helper' || options.env === undefined ? this.env.helper : options.env;
    const result = await execCommand(this.container, argv, {
      env,
      stdin: options.stdin,
      signal: this.signal,
      onLine: (stream, line) => {
        options.onLine?.(line);
        if (line.trim() === '') return;
        const level = options.verbose && stream === 'stdout' ? 'info' : 'debug';
        logger[level]({ step: name, stream }, redactSecrets(line));
      },
    }).catch((error: unknown) => this.engineFailure(name, error));
    const seconds = Math.round(performance.now() - started) / 1000;
    const ok = (options.okExitCodes ?? [0]).includes(result.exitCode);
    logger.debug({ step: name, seconds, exitCode: result.exitCode }, `${name}: ${ok ? 'done' : 'failed'} in ${seconds}s`);
    // A full disk on the engine's side first, even behind an exit code the step accepts (apt-get update's 100):
    // any tool may fail of it, and no classify or retry can fix it.
    const full = result.exitCode === 0 ? undefined : await checkDiskFull(name, { output: result.outputTail, accepted: ok }, this.diskProbe());
    if (full) throw full;
    if (ok) return result;
    throw (await options.classify?.(result)) ?? stepFailed(name, result);
  }

  /** An Engine API answer saying the engine's disk is full becomes ENGINE_DISK_FULL; any other error is rethrown as it is. */
  private async engineFailure(step: string, error: unknown): Promise<never> {
    throw (await checkDiskFull(step, { error }, this.diskProbe())) ?? error;
  }

  /** How disk-full.ts measures after a failure: commands straight to the engine (no step, no recursion); the data root as `docker info` gave it at the start. */
  private diskProbe(): DiskProbe {
    return {
      run: async (argv) => (await execCommand(this.container, argv, { signal: this.signal })).stdout,
      dataRoot: async () => this.dataRoot,
    };
  }
}

export function stepFailed(name: string, result: ExecResult): FuelImageError {
  const tail = redactSecrets(result.outputTail.trim().split('\n').slice(-12).join('\n'));
  return new FuelImageError('STEP_FAILED', `step "${name}" failed (exit ${result.exitCode})${tail ? `:\n${tail}` : ''}`, {
    details: { step: name, exitCode: result.exitCode },
  });
}
