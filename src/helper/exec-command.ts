import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { abortedError, FuelImageError } from '../errors.js';

export interface ExecOptions {
  env?: string[];
  /** Written to the process's stdin, then closed (secrets go this way, never in argv). */
  stdin?: string;
  signal?: AbortSignal;
  /** Called with each complete output line, for live logs. */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  /** The last lines of stdout and stderr interleaved, for errors from tools that report on stdout. */
  outputTail: string;
}

const MAX_STDOUT = 16 * 1024 * 1024;
const TAIL_LINES = 40;

/**
 * Runs one command in the container as an argument array: no shell ever sees
 * it. Resolves with its exit code; rejects if the engine fails or the signal
 * fires (the container's removal then ends the process).
 */
export async function execCommand(container: Docker.Container, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
  const { signal } = options;
  if (signal?.aborted) throw abortedError(signal);
  const exec = await container.exec({
    Cmd: argv,
    Env: options.env,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: options.stdin !== undefined,
  });
  const stream = await exec.start({ hijack: true, stdin: options.stdin !== undefined });
  const stdout: string[] = [];
  let stdoutSize = 0;
  const tail: string[] = [];
  const collect = (name: 'stdout' | 'stderr') => {
    const sink = new PassThrough();
    let partial = '';
    sink.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (name === 'stdout' && stdoutSize < MAX_STDOUT) {
        stdout.push(text);
        stdoutSize += text.length;
      }
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) emit(name, line);
    });
    sink.on('end', () => partial && emit(name, partial));
    return sink;
  };
  const emit = (name: 'stdout' | 'stderr', line: string) => {
    options.onLine?.(name, line);
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  const out = collect('stdout');
  const err = collect('stderr');
  container.modem.demuxStream(stream, out, err);
  if (options.stdin !== undefined) stream.end(options.stdin);

  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      stream.destroy();
      reject(abortedError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
  });
  out.end();
  err.end();
  let info = await exec.inspect();
  // The output stream can close a moment before the engine records the exit.
  for (let i = 0; info.Running && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 50));
    info = await exec.inspect();
  }
  // No exit code means the engine lost the process (or our stream): the
  // target's state is unknown, so this must not look like a failed command
  // that a retry could run again.
  if (info.Running || typeof info.ExitCode !== 'number')
    throw new FuelImageError('ENGINE_UNREACHABLE', `the Docker engine reported no exit code for "${argv[0]}": the exec stream ended early`);
  return { exitCode: info.ExitCode, stdout: stdout.join(''), outputTail: tail.join('\n') };
}
