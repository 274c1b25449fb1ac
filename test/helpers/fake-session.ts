import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino, type Level, type Logger } from 'pino';
import { abortedError } from '../../src/errors.js';
import { classifyTimeout, withTimeout } from '../../src/helper/attempt-timeout.js';
import {
  stepFailed,
  type ArchiveFile,
  type CopiedFile,
  type ExecResult,
  type HelperSession,
  type NetworkStepOptions,
  type StepOptions,
} from '../../src/helper/helper-session.js';
import { retryStep, type RetryOptions } from '../../src/helper/retry-policy.js';
import { HELPER } from '../../src/plan/helper-paths.js';

/*
 * A HelperSession for unit tests of stages: no Docker, no container. It keeps
 * the session's contract (exit codes that count as success, classify, retries
 * with the real retry policy, time-limit classification, the abort signal)
 * and records every call in order, so a test can assert what a stage asked
 * the helper to do and feed it the output the helper's scripts would print.
 */

export type CallKind = 'run' | 'chroot' | 'runNetwork' | 'write' | 'read' | 'copyOut' | 'writeHostFile' | 'retry' | 'remove' | 'setTargetEnv';

export interface FakeCall {
  kind: CallKind;
  /** The step's name (run, chroot, runNetwork, retry); writeHostFile and copyOut: the file's name at its destination. */
  name?: string;
  /** The argv the stage gave: without the "chroot /target" or "timeout" prefixes the real session adds. */
  argv?: string[];
  /** What the real session would exec (with "chroot /target" and "timeout ..." where it adds them). */
  execArgv?: string[];
  /** The options the stage passed, as given. */
  options?: unknown;
  /**
   * The environment the command would get: 'helper', 'target' or an explicit
   * list. Once the stage has called `setTargetEnv`, a command given the
   * target's environment records that list instead of 'target' (as the real
   * session would resolve it). setTargetEnv: the list it was given.
   */
  env?: StepOptions['env'];
  /** runNetwork and retry: the attempt's number (1 = first). */
  attempt?: number;
  /** write and writeHostFile: the directory; copyOut: the destination directory. */
  directory?: string;
  files?: ArchiveFile[];
  /** read and copyOut: the file in the helper. */
  path?: string;
}

/** What a responder answers: missing fields default to exit 0 and empty output. */
export interface FakeResponse extends Partial<ExecResult> {
  /** Lines the command printed on stderr: they count in `outputTail` (as in the real session), not in `stdout`. */
  stderr?: string;
}

export type FakeMatch = string | RegExp | ((name: string, argv: string[]) => boolean);

/** `nth`: how many commands this responder has answered, this one included (1 = first). */
export type FakeRespond = (call: FakeCall, nth: number) => FakeResponse | Promise<FakeResponse>;

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface FakeSessionOptions {
  /** Default `{ retries: 2, minTimeout: 0 }`: retried steps are retried at once. */
  retry?: RetryOptions;
  /** Lowest level recorded in `logs` (default 'debug'); 'silent' records nothing. */
  level?: Level | 'silent';
}

const TAIL_LINES = 40;

interface Responder {
  match: FakeMatch;
  respond: FakeRespond;
  answered: number;
}

export class FakeSession implements HelperSession {
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly controller = new AbortController();
  /** Every call, in the order the stage made them. */
  readonly calls: FakeCall[] = [];
  /** Every log line (parsed pino JSON), in order. */
  readonly logs: LogLine[] = [];
  /** The helper's files as written through `write`/`writeHostFile` (or seeded by the test): absolute path -> content. */
  readonly files = new Map<string, string | Buffer>();
  removed = false;
  /** The target's environment as last set by `setTargetEnv` (undefined: the session's initial one, recorded as 'target'). */
  targetEnv: string[] | undefined;
  private readonly responders: Responder[] = [];
  private readonly retryOptions: RetryOptions;

  constructor(options: FakeSessionOptions = {}) {
    this.retryOptions = options.retry ?? { retries: 2, minTimeout: 0 };
    this.signal = this.controller.signal;
    this.logger = pino(
      { level: options.level ?? 'debug', base: null, timestamp: false },
      { write: (line: string) => void this.logs.push(JSON.parse(line) as LogLine) },
    );
  }

  /**
   * Answers the commands `match` selects (a step name, a pattern on the step
   * name, or a predicate on name and argv). The newest matching responder
   * wins, so a test can set a default and override it. Unmatched commands
   * exit 0 with no output.
   */
  on(match: FakeMatch, respond: FakeRespond | FakeResponse): this {
    this.responders.unshift({ match, respond: typeof respond === 'function' ? respond : () => respond, answered: 0 });
    return this;
  }

  /** Aborts the session's signal, as the CLI does on SIGINT/SIGTERM. */
  abort(reason?: unknown): void {
    this.controller.abort(reason);
  }

  /** Messages logged at warn level or above. */
  get warnings(): string[] {
    return this.logs.filter((line) => line.level >= 40).map((line) => line.msg);
  }

  /** The calls of one kind (and step name, if given). */
  callsOf(kind: CallKind, name?: string): FakeCall[] {
    return this.calls.filter((call) => call.kind === kind && (name === undefined || call.name === name));
  }

  /** The commands (run, chroot, runNetwork) of one step name. */
  commands(name: string): FakeCall[] {
    return this.calls.filter((call) => (call.kind === 'run' || call.kind === 'chroot' || call.kind === 'runNetwork') && call.name === name);
  }

  /** Every version of a file written to `filePath` (absolute), oldest first. */
  writesOf(filePath: string): string[] {
    return this.callsOf('write').flatMap((call) =>
      (call.files ?? []).filter((file) => path.posix.join(call.directory!, file.name) === filePath).map((file) => file.content.toString()),
    );
  }

  /** The file's last written content, as text. */
  text(filePath: string): string | undefined {
    return this.files.get(filePath)?.toString();
  }

  run(name: string, argv: string[], options: StepOptions = {}): Promise<ExecResult> {
    return this.exec({ kind: 'run', name, argv, execArgv: argv, options, env: this.resolveEnv(options.env ?? 'helper') }, options);
  }

  chroot(name: string, argv: string[], options: StepOptions = {}): Promise<ExecResult> {
    const env = options.env ?? 'target';
    return this.exec({ kind: 'chroot', name, argv, execArgv: ['chroot', HELPER.target, ...argv], options, env: this.resolveEnv(env) }, { ...options, env });
  }

  runNetwork(name: string, argv: string[], options: NetworkStepOptions): Promise<ExecResult> {
    const { timeoutSeconds, what, inTarget, beforeRetry, ...step } = options;
    const execArgv = withTimeout(timeoutSeconds, inTarget ? ['chroot', HELPER.target, ...argv] : argv);
    const env = step.env ?? (inTarget ? 'target' : 'helper');
    return this.retryAttempts(name, async (attempt) => {
      if (attempt > 1 && beforeRetry) await beforeRetry();
      return this.exec(
        { kind: 'runNetwork', name, argv, execArgv, options, env: this.resolveEnv(env), attempt },
        { ...step, env, classify: async (result) => classifyTimeout(result, what, timeoutSeconds) ?? (await step.classify?.(result)) },
      );
    });
  }

  retry<T>(name: string, attempt: (attemptNumber: number) => Promise<T>): Promise<T> {
    return this.retryAttempts(name, (n) => {
      this.calls.push({ kind: 'retry', name, attempt: n });
      return attempt(n);
    });
  }

  async write(directory: string, files: ArchiveFile[]): Promise<void> {
    this.calls.push({ kind: 'write', directory, files });
    for (const file of files) this.files.set(path.posix.join(directory, file.name), file.content);
  }

  async writeHostFile(directory: string, name: string, hostFile: string): Promise<void> {
    this.calls.push({ kind: 'writeHostFile', directory, name, path: hostFile });
    this.files.set(path.posix.join(directory, name), await readFile(hostFile));
  }

  /** Like `cat`: a file not written into the fake fails the step as the real read would. */
  async read(filePath: string): Promise<string> {
    this.calls.push({ kind: 'read', path: filePath });
    if (this.signal.aborted) throw abortedError(this.signal);
    const content = this.files.get(filePath);
    if (content === undefined) throw stepFailed('read', result({ exitCode: 1, stderr: `cat: ${filePath}: No such file or directory` }));
    return content.toString();
  }

  /** Writes the fake's file to `destDir/destName` on the host and returns its size and md5, as the real copy does. */
  async copyOut(filePath: string, destDir: string, destName: string): Promise<CopiedFile> {
    this.calls.push({ kind: 'copyOut', path: filePath, directory: destDir, name: destName });
    if (this.signal.aborted) throw abortedError(this.signal);
    const content = this.files.get(filePath);
    if (content === undefined) throw new Error(`${filePath}: not a regular file in the container`);
    const buffer = Buffer.from(content);
    await mkdir(destDir, { recursive: true });
    await writeFile(path.join(destDir, destName), buffer, { mode: 0o644 });
    return { size: buffer.length, md5: createHash('md5').update(buffer).digest('hex') };
  }

  async remove(): Promise<void> {
    this.calls.push({ kind: 'remove' });
    this.removed = true;
  }

  /** Recorded as a call; later commands given the target's environment get this list (a copy: the caller's array may change). */
  setTargetEnv(env: string[]): void {
    this.targetEnv = [...env];
    this.calls.push({ kind: 'setTargetEnv', env: [...env] });
  }

  /** What the real session would resolve an env option to: 'target' becomes the list set by `setTargetEnv`, if any. */
  private resolveEnv(env: NonNullable<StepOptions['env']>): NonNullable<StepOptions['env']> {
    return env === 'target' && this.targetEnv ? [...this.targetEnv] : env;
  }

  private retryAttempts<T>(name: string, attempt: (attemptNumber: number) => Promise<T>): Promise<T> {
    return retryStep(name, attempt, { retry: this.retryOptions, logger: this.logger, signal: this.signal });
  }

  /** One exec: recorded, answered by a responder, judged by the session's rules. */
  private async exec(call: FakeCall, options: StepOptions): Promise<ExecResult> {
    this.calls.push(call);
    // The real exec refuses to start once the build is interrupted.
    if (this.signal.aborted) throw abortedError(this.signal);
    const name = call.name!;
    const argv = call.argv!;
    const responder = this.responders.find((r) => matches(r.match, name, argv));
    const response = responder ? await responder.respond(call, ++responder.answered) : {};
    const answer = result(response);
    if (options.onLine) for (const line of outputLines(response)) options.onLine(line);
    if (this.signal.aborted) throw abortedError(this.signal);
    if ((options.okExitCodes ?? [0]).includes(answer.exitCode)) return answer;
    throw (await options.classify?.(answer)) ?? stepFailed(name, answer);
  }
}

function matches(match: FakeMatch, name: string, argv: string[]): boolean {
  if (typeof match === 'string') return match === name;
  if (match instanceof RegExp) return match.test(name);
  return match(name, argv);
}

/** The lines the real exec sees: each stream split on "\n", a last unterminated line kept if not empty (stdout's first, then stderr's). */
function outputLines(response: FakeResponse): string[] {
  return [response.stdout ?? '', response.stderr ?? ''].flatMap((text) => {
    const lines = text.split('\n');
    const last = lines.pop()!;
    return last === '' ? lines : [...lines, last];
  });
}

/** An ExecResult with the real defaults: the tail is the last lines of stdout and stderr. */
function result(response: FakeResponse): ExecResult {
  return {
    exitCode: response.exitCode ?? 0,
    stdout: response.stdout ?? '',
    outputTail: response.outputTail ?? outputLines(response).slice(-TAIL_LINES).join('\n'),
  };
}
