/**
 * What stderr shows (`--progress`):
 * - json: JSON log lines, as machines read them (every run off a terminal);
 * - plain: one human line per stage, warnings, errors and a summary; no
 *   cursor movement or colour (dumb terminals, CI logs, `| tee`);
 * - tty: a live view of a few lines redrawn in place, the finished stages,
 *   warnings, errors and a summary.
 * `auto` picks tty for a person at a terminal and json everywhere else, so
 * nothing changes for a caller reading stderr through a pipe or a file.
 */
export const PROGRESS_MODES = ['auto', 'tty', 'plain', 'json'] as const;
export type ProgressRequest = (typeof PROGRESS_MODES)[number];
export type ProgressMode = Exclude<ProgressRequest, 'auto'>;

export interface ViewChoice {
  mode: ProgressMode;
  /** ANSI colours (tty mode only; off with NO_COLOR or TERM=dumb). */
  colour: boolean;
  /** Box-drawing and braille characters (tty mode only; not on the Linux console). */
  unicode: boolean;
}

export interface Surroundings {
  /** process.stderr.isTTY */
  isTTY: boolean;
  env: Record<string, string | undefined>;
}

/** The mode and style for `--progress`, from where stderr goes and the environment. */
export function chooseProgressMode(requested: ProgressRequest, { isTTY, env }: Surroundings): ViewChoice {
  const term = env.TERM ?? '';
  const mode: ProgressMode = requested !== 'auto' ? requested : !isTTY ? 'json' : term === 'dumb' || isCi(env) ? 'plain' : 'tty';
  const tty = mode === 'tty';
  return {
    mode,
    // https://no-color.org: set and not empty means no colour.
    colour: tty && !env.NO_COLOR && term !== 'dumb',
    unicode: tty && term !== 'linux' && term !== 'dumb',
  };
}

/** CI systems set CI (true, 1, or their name); CI=false or CI=0 says it is not one. */
export function isCi(env: Record<string, string | undefined>): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && !/^(0|false|no)$/i.test(value);
}
