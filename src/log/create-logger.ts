import { closeSync, openSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino, type Logger, type StreamEntry, multistream, destination } from 'pino';
import { HumanView } from './human-view.js';
import type { ViewChoice } from './progress-mode.js';
import { makeStyle, type Style } from './view-style.js';

export interface LoggerOptions {
  level: 'debug' | 'info' | 'warn' | 'error';
  /** Also write JSON lines here, at debug level, synchronously so a caller can follow the build. */
  logFile?: string;
  /** What stderr shows (chooseProgressMode); JSON lines when not given. */
  view?: ViewChoice;
  /**
   * In a human mode without logFile, keep the full log in a temporary file
   * all the same (named when the run fails, removed when it succeeds).
   */
  tempLog?: boolean;
  /** Tests: where human output goes instead of stderr. */
  stderr?: { write(text: string): unknown };
}

export interface Logging {
  logger: Logger;
  /** The human view on stderr (tty and plain modes). */
  view?: HumanView;
  /** Colours and symbols of the human view (none in json mode). */
  style: Style;
  /** Where every record goes at debug level, if anywhere. */
  logFile?: string;
  /**
   * Ends the run's output: the human view closes (with the summary, or with
   * where the full log is), and a temporary log of a run that succeeded goes.
   */
  end(outcome: { ok: boolean; summary?: string[] }): void;
}

/**
 * Logs go to stderr (stdout carries only the JSON result line): JSON lines
 * for machines, or the human view fed from the same records. The log file
 * always gets every record as JSON.
 */
export function createLogger(options: LoggerOptions): Logging {
  const choice = options.view ?? { mode: 'json', colour: false, unicode: false };
  const style = makeStyle(choice);
  let logFile = options.logFile;
  let tempLog: string | undefined;
  if (!logFile && options.tempLog && choice.mode !== 'json') logFile = tempLog = openTempLog();
  const streams: StreamEntry[] = [];
  let view: HumanView | undefined;
  if (choice.mode === 'json') {
    streams.push({ level: options.level, stream: destination({ dest: 2, sync: true }) });
  } else {
    const out = options.stderr ?? destination({ dest: 2, sync: true });
    view = new HumanView({
      mode: choice.mode,
      style,
      level: options.level,
      out,
      logFile,
      columns: () => process.stderr.columns ?? Number(process.env.COLUMNS ?? 80),
    });
    // The view sees every record (its step lines and counts come from debug
    // ones) and itself prints what the level asks for.
    streams.push({ level: 'debug', stream: view });
  }
  if (logFile) streams.push({ level: 'debug', stream: destination({ dest: logFile, sync: true, mkdir: true, append: true }) });
  const logger = pino(
    {
      level: 'debug',
      base: { pid: process.pid },
      // Belt and braces: these never get logged on purpose.
      redact: { paths: ['root_password', 'hashed_root_password', '*.root_password', '*.hashed_root_password'], censor: '***' },
    },
    multistream(streams),
  );
  return {
    logger,
    view,
    style,
    logFile,
    end(outcome) {
      view?.close(outcome);
      if (tempLog && outcome.ok) {
        try {
          unlinkSync(tempLog);
        } catch {
          /* gone already */
        }
      }
    },
  };
}

/** A new private file in the temporary directory, or undefined when none can be made. */
function openTempLog(): string | undefined {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const file = path.join(tmpdir(), `fuel-image-${stamp}-${process.pid}.log`);
  try {
    // Created here (only by this process, readable by its user only); pino appends to it.
    closeSync(openSync(file, 'wx', 0o600));
    return file;
  } catch {
    return undefined;
  }
}
