import { describeCounts } from './download-counts.js';
import { formatItem, formatLive, type HumanMode } from './view-format.js';
import { applyRecord, initialState, stageEnd, type LogRecord, type ViewLevel, type ViewState } from './view-state.js';
import type { Style } from './view-style.js';

export interface Sink {
  write(text: string): unknown;
}

export interface HumanViewOptions {
  mode: HumanMode;
  style: Style;
  /** What the person asked to see: debug (-v), info, warn (-q). */
  level: ViewLevel;
  out: Sink;
  /** Where the full log is, named when the run fails. */
  logFile?: string;
  /** Terminal width, read at each redraw (it may change). */
  columns?: () => number;
  now?: () => number;
  /** Redraw period of the live view; 0: no timer (tests call `render`). Default 100 ms (10 Hz). */
  intervalMs?: number;
}

/** Cursor to column 0, `n` lines up. */
const up = (n: number) => (n > 0 ? `\r\x1b[${n}A` : '\r');
/** Erase to the end of the line / of the screen. */
const EOL = '\x1b[K';
const EOS = '\x1b[J';

/**
 * The human side of stderr, fed the same JSON records as the log file (a
 * pino stream: one record per `write`). Plain mode prints its lines as they
 * come. Tty mode keeps a live view of a few lines at the bottom, redrawn in
 * place at most 10 times a second, and prints finished stages, warnings and
 * errors above it; nothing else reaches the screen unless -v asks for it.
 */
export class HumanView {
  private state: ViewState;
  private readonly live: boolean;
  private readonly now: () => number;
  /** Lines of the live view on the screen now. */
  private drawn = 0;
  /** Lines for above the live view, printed at the next redraw. */
  private pending: string[] = [];
  private dirty = true;
  private frame = 0;
  private lastSecond = -1;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: HumanViewOptions) {
    this.now = options.now ?? Date.now;
    this.state = initialState(this.now());
    // -q asks for warnings and errors only: no live view.
    this.live = options.mode === 'tty' && (options.level === 'debug' || options.level === 'info');
    const interval = options.intervalMs ?? 100;
    if (this.live && interval > 0) this.timer = setInterval(() => this.tick(), interval).unref();
  }

  /** One JSON log line (pino's stream interface). */
  write(line: string): void {
    let record: LogRecord;
    try {
      record = JSON.parse(line) as LogRecord;
    } catch {
      return;
    }
    if (typeof record !== 'object' || record === null || typeof record.level !== 'number') return;
    const { state, print } = applyRecord(this.state, record, this.options.level, this.now());
    if (state !== this.state) {
      this.state = state;
      this.dirty = true;
    }
    this.print(print.flatMap((item) => formatItem(item, this.options.mode, this.options.style)));
  }

  /** The running stage failed: its line says so (before the error is logged). */
  failStage(): void {
    if (!this.state.stage || this.options.level === 'warn' || this.options.level === 'error') return;
    const item = stageEnd(this.state, this.now(), false);
    this.state = { ...this.state, stage: undefined, step: undefined };
    this.dirty = true;
    this.print(formatItem(item, this.options.mode, this.options.style));
  }

  /** What debootstrap and apt fetched, for the summary. */
  downloads(): string | undefined {
    const parts = describeCounts(this.state.counts, { final: true });
    return parts.length > 0 ? parts.map((p) => p.text).join(', ') : undefined;
  }

  /**
   * The end: the live view goes, then the summary (a success, unless -q) or,
   * after a failure, where the full log is.
   */
  close(outcome: { ok: boolean; summary?: string[] }): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const { style, level, logFile } = this.options;
    const lines = [...this.pending];
    this.pending = [];
    if (outcome.ok && outcome.summary && (level === 'debug' || level === 'info')) lines.push(...outcome.summary);
    if (!outcome.ok && logFile) lines.push(style.dim(`  full log: ${logFile}`));
    const erase = this.live && this.drawn > 0 ? `${up(this.drawn)}${EOS}` : '';
    this.drawn = 0;
    const text = erase + lines.map((l) => `${l}\n`).join('');
    if (text) this.options.out.write(text);
  }

  /** Redraws the live view with the lines waiting above it. */
  render(): void {
    if (!this.live || this.closed) return;
    const now = this.now();
    const lines = formatLive(this.state, { now, width: this.columns(), style: this.options.style, frame: this.frame++ });
    // Each line overwrites the old one and erases what is left of it; the
    // screen below the new view is erased last (it may have shrunk).
    const text = up(this.drawn) + [...this.pending, ...lines].map((l) => `${l}${EOL}\n`).join('') + EOS;
    this.pending = [];
    this.drawn = lines.length;
    this.dirty = false;
    this.lastSecond = Math.floor((now - this.state.started) / 1000);
    this.options.out.write(text);
  }

  private tick(): void {
    const second = Math.floor((this.now() - this.state.started) / 1000);
    if (this.pending.length > 0 || this.dirty || second !== this.lastSecond) this.render();
  }

  private print(lines: string[]): void {
    if (lines.length === 0) return;
    // Above the live view, at its next redraw; straight out otherwise.
    if (this.live && !this.closed) this.pending.push(...lines);
    else this.options.out.write(lines.map((l) => `${l}\n`).join(''));
  }

  private columns(): number {
    const columns = this.options.columns?.() ?? 80;
    return Number.isFinite(columns) && columns >= 20 ? columns : 80;
  }
}
