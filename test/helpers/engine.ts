import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { execa } from 'execa';
import { DEFAULT_BASE_IMAGE } from '../../src/cli/parse-args.js';
import { LABEL } from '../../src/helper/labels.js';
import { HELPER_FILTERS } from '../../src/helper/sweep-helpers.js';

export const docker = new Docker();
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The base image is made locally from the Debian mirror (no registry), once per machine. */
export async function ensureBaseImage(): Promise<void> {
  const exists = await docker.getImage(DEFAULT_BASE_IMAGE).inspect().then(() => true, () => false);
  if (!exists) await execa('bash', ['images/base/make-base.sh'], { cwd: ROOT, stdio: 'inherit' });
}

export async function labelledContainers(): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [LABEL.managed] } });
}

/**
 * Labelled containers created between `since` (unix seconds) and now, from
 * the engine's event log; with `pid`, only those started by that CLI process
 * (other builds may share the engine).
 */
export async function containersCreatedSince(since: number, pid?: number): Promise<string[]> {
  const until = Math.ceil(Date.now() / 1000) + 1;
  const label = pid === undefined ? [LABEL.managed] : [LABEL.managed, `${LABEL.owner}=${hostname()}:${pid}`];
  const stream = (await docker.getEvents({ since, until, filters: { type: ['container'], event: ['create'], label } })) as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { id: string }).id);
}

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The JSON result line (last line of stdout). */
  result: Record<string, any>;
  pid: number;
}

export async function runCli(args: string[], options: { env?: Record<string, string>; input?: string; cancelSignal?: AbortSignal } = {}): Promise<CliRun> {
  const child = execa('node', ['bin/fuel-image.js', ...args], { cwd: ROOT, reject: false, env: options.env, input: options.input, cancelSignal: options.cancelSignal });
  const pid = child.pid ?? -1;
  const run = await child;
  const last = run.stdout.trim().split('\n').slice(-1)[0] ?? '';
  let result: Record<string, any> = {};
  try {
    result = JSON.parse(last) as Record<string, any>;
  } catch {
    /* asserted by the caller */
  }
  return { exitCode: run.exitCode ?? -1, stdout: run.stdout, stderr: run.stderr, result, pid };
}

/** The builder image from the checkout's Dockerfile (compiled in its build stage from the local base; no registry). */
export const BUILDER_TEST_IMAGE = 'fuel-image-builder:test';

export async function ensureBuilderImage(): Promise<string> {
  await ensureBaseImage();
  await execa('docker', ['build', '--network', 'host', '-q', '-t', BUILDER_TEST_IMAGE, '--build-arg', `BASE_IMAGE=${DEFAULT_BASE_IMAGE}`, '.'], { cwd: ROOT });
  return BUILDER_TEST_IMAGE;
}

/** Helper containers (by role, as gc selects them), running or not. */
export async function helperContainers(): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: HELPER_FILTERS });
}
