import { countLine, describeCounts, emptyCounts, type CountPart, type Counts } from './download-counts.js';

export type { CountPart };

/**
 * What the progress view knows, rebuilt from the log records alone (the
 * pipeline logs them for machines anyway): the stage and its percentage
 * (src/pipeline/progress.ts), the running step and its last output line
 * (src/helper/helper-session.ts), the download counts. Pure: `applyRecord`
 * returns the next state and what to print for good.
 */
export interface LogRecord {
  level: number;
  time?: number;
  msg?: string;
  stage?: string;
  progress?: number;
  step?: string;
  [field: string]: unknown;
}

export type ViewLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<ViewLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface ViewState {
  /** When the run started (ms). */
  started: number;
  /** The running stage; undefined before the first and after "done". */
  stage?: { name: string; message: string; started: number; counts: Counts };
  progress?: number;
  done: boolean;
  /** The step whose output came last, and that output's last line. */
  step?: { name: string; line?: string };
  counts: Counts;
}

/** Lines printed once, above the live view (tty) or as they come (plain). */
export type PrintItem =
  | { kind: 'stage-start'; name: string; message: string; progress: number; elapsed: number }
  | { kind: 'stage-end'; name: string; message: string; seconds: number; ok: boolean; note?: string }
  | { kind: 'message'; level: 'warn' | 'error'; text: string }
  | { kind: 'note'; text: string; elapsed: number }
  | { kind: 'verbose'; level: number; step?: string; text: string; elapsed: number };

export function initialState(started: number): ViewState {
  return { started, done: false, counts: emptyCounts() };
}

/** The stage marker records: `{stage, progress}`, ending with stage "done". */
export function isStageRecord(record: LogRecord): record is LogRecord & { stage: string; progress: number } {
  return typeof record.stage === 'string' && typeof record.progress === 'number';
}

/** A step's own "NAME: start" / "NAME: done in 1.2s" / "NAME: failed in ..." record, as opposed to its output. */
function stepMarker(record: LogRecord): 'start' | 'end' | undefined {
  const prefix = `${record.step}: `;
  const msg = record.msg ?? '';
  if (!msg.startsWith(prefix)) return undefined;
  const rest = msg.slice(prefix.length);
  return rest === 'start' ? 'start' : /^(done|failed) in \S+$/.test(rest) ? 'end' : undefined;
}

export interface Applied {
  state: ViewState;
  print: PrintItem[];
}

/**
 * One log record into the view. `level` is what the person asked to see:
 * debug (-v) prints every record, info the stages and notes, warn (-q) only
 * warnings and errors.
 */
export function applyRecord(state: ViewState, record: LogRecord, level: ViewLevel, now: number): Applied {
  const time = typeof record.time === 'number' ? record.time : now;
  const elapsed = time - state.started;
  const print: PrintItem[] = [];
  const shows = (min: number) => LEVELS[level] <= min;
  let next = state;

  if (isStageRecord(record)) {
    if (next.stage && shows(LEVELS.info)) print.push(stageEnd(next, time, true));
    const done = record.stage === 'done';
    next = {
      ...next,
      progress: record.progress,
      done,
      stage: done ? undefined : { name: record.stage, message: record.msg ?? '', started: time, counts: next.counts },
      step: done ? undefined : next.step,
    };
    if (shows(LEVELS.info)) print.push({ kind: 'stage-start', name: record.stage, message: record.msg ?? '', progress: record.progress, elapsed });
    return { state: next, print };
  }

  if (record.level >= LEVELS.warn) {
    print.push({ kind: 'message', level: record.level >= LEVELS.error ? 'error' : 'warn', text: messageOf(record) });
    return { state: next, print };
  }

  if (typeof record.step === 'string') {
    const marker = stepMarker(record);
    if (marker === 'start') next = { ...next, step: { name: record.step } };
    else if (marker === undefined && record.msg) {
      next = { ...next, step: { name: record.step, line: record.msg }, counts: countLine(next.counts, record.msg) };
    }
  }

  if (shows(LEVELS.debug)) print.push({ kind: 'verbose', level: record.level, step: record.step, text: messageOf(record), elapsed });
  else if (shows(LEVELS.info) && record.level >= LEVELS.info && typeof record.step !== 'string') print.push({ kind: 'note', text: messageOf(record), elapsed });
  return { state: next, print };
}

/** The running stage as finished (ok) or failed, counts it added as its note. */
export function stageEnd(state: ViewState, time: number, ok: boolean): Extract<PrintItem, { kind: 'stage-end' }> {
  const stage = state.stage!;
  const added = stageCounts(state, { final: true });
  return {
    kind: 'stage-end',
    name: stage.name,
    message: stage.message,
    seconds: Math.max(0, time - stage.started) / 1000,
    ok,
    note: added.length > 0 ? added.map((p) => p.text).join(', ') : undefined,
  };
}

/** The record's message, with an error's message when pino serialised one. */
function messageOf(record: LogRecord): string {
  const msg = record.msg ?? '';
  const err = record.err as { message?: unknown } | undefined;
  const errMessage = err && typeof err.message === 'string' ? err.message : undefined;
  return errMessage && !msg.includes(errMessage) ? `${msg}: ${errMessage}` : msg;
}

/** The counts that moved during the running stage (all of them between stages). */
export function stageCounts(state: ViewState, options: { final?: boolean } = {}): CountPart[] {
  const now = describeCounts(state.counts, options);
  if (!state.stage) return now;
  const before = new Set(describeCounts(state.stage.counts, options).map((p) => p.text));
  return now.filter((p) => !before.has(p.text));
}
