import type { Logger } from 'pino';

/**
 * Stage-level progress in the log: each line carries `progress` (0-100), so
 * a caller following the log file (Astute polls it every second) can drive a
 * progress bar. Weights follow measured stage times.
 */
export const STAGES = {
  'helper-image': 2,
  'helper-start': 1,
  bootstrap: 30,
  install: 45,
  clean: 1,
  filesystems: 11,
  // A build whose images are all cached goes from bootstrap's probe to here.
  cache: 1,
  'stream-out': 9,
  publish: 1,
} as const;

export type Stage = keyof typeof STAGES;

export class Progress {
  private done = 0;
  private readonly total = Object.values(STAGES).reduce((a, b) => a + b, 0);
  private current?: { stage: Stage; started: number };
  readonly timings: Partial<Record<Stage, number>> = {};

  constructor(private readonly logger: Logger) {}

  start(stage: Stage, message: string): void {
    this.finishCurrent();
    this.current = { stage, started: performance.now() };
    this.logger.info({ stage, progress: Math.round((this.done / this.total) * 100) }, message);
  }

  finish(): void {
    this.finishCurrent();
    this.logger.info({ stage: 'done', progress: 100 }, 'build complete');
  }

  private finishCurrent(): void {
    if (!this.current) return;
    const seconds = Math.round(performance.now() - this.current.started) / 1000;
    this.timings[this.current.stage] = seconds;
    this.done += STAGES[this.current.stage];
    this.logger.debug({ stage: this.current.stage, seconds }, `${this.current.stage} took ${seconds}s`);
    this.current = undefined;
  }
}
