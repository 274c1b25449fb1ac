import { pino, type Logger, type StreamEntry, multistream, destination } from 'pino';
import pretty from 'pino-pretty';

export interface LoggerOptions {
  level: 'debug' | 'info' | 'warn' | 'error';
  /** Also write JSON lines here, at debug level, synchronously so a caller can follow the build. */
  logFile?: string;
}

/** Logs go to stderr (stdout carries only the JSON result line). */
export function createLogger(options: LoggerOptions): Logger {
  // Readable lines on a terminal, JSON lines for machines.
  const usePretty = process.stderr.isTTY === true;
  const streams: StreamEntry[] = [
    {
      level: options.level,
      stream: usePretty
        ? pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname,build', translateTime: 'HH:MM:ss' })
        : destination({ dest: 2, sync: true }),
    },
  ];
  if (options.logFile) streams.push({ level: 'debug', stream: destination({ dest: options.logFile, sync: true, mkdir: true, append: true }) });
  return pino(
    {
      level: 'debug',
      base: { pid: process.pid },
      // Belt and braces: these never get logged on purpose.
      redact: { paths: ['root_password', 'hashed_root_password', '*.root_password', '*.hashed_root_password'], censor: '***' },
    },
    multistream(streams),
  );
}
