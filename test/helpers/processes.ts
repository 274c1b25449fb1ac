import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Starts the CLI without waiting for it, for tests that signal it mid-build.
 * execa would follow a SIGTERM with SIGKILL after 5 s, which is shorter than
 * the CLI's own clean-up limit (the helper's removal: 10 s) and would turn a
 * slow clean-up into a kill the test misreads: the tests see the CLI as
 * Astute does, which waits.
 */
export function startCli(args: string[], env: Record<string, string> = {}): ResultPromise<{ cwd: string; reject: false; env: Record<string, string>; forceKillAfterDelay: false }> {
  return execa('node', ['bin/fuel-image.js', ...args], { cwd: ROOT, reject: false, env, forceKillAfterDelay: false });
}

/** Polls until `check` is true; fails the test after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** True once a JSON log line satisfies `match`. */
export function logHas(logFile: string, match: (line: Record<string, any>) => boolean): () => Promise<boolean> {
  return async () => {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    return text.split('\n').some((line) => {
      if (!line) return false;
      try {
        return match(JSON.parse(line) as Record<string, any>);
      } catch {
        return false;
      }
    });
  };
}

export function dirHas(dir: string, match: (name: string) => boolean): () => Promise<boolean> {
  return async () => (await readdir(dir).catch(() => [] as string[])).some(match);
}
