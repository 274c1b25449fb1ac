import { stageCounts, type PrintItem, type ViewState } from './view-state.js';
import { fitLine, formatClock, formatDuration, type Segment, type Style } from './view-style.js';

export type HumanMode = 'tty' | 'plain';

/** Stage names are padded to this, so the finished stages line up. */
const STAGE_COLUMN = 12;

/**
 * The lines an item prints for good (none for an item the mode does not
 * show). tty shows each stage when it ends, with its time and counts; plain
 * shows each stage when it starts, with the overall percentage and the
 * elapsed time: one line per stage either way.
 */
export function formatItem(item: PrintItem, mode: HumanMode, style: Style): string[] {
  const { symbols: sym } = style;
  switch (item.kind) {
    case 'stage-start':
      if (mode === 'tty') return [];
      return [`[${String(item.progress).padStart(3)}%] ${formatClock(item.elapsed)} ${item.name}: ${item.message}`];
    case 'stage-end': {
      if (mode === 'plain') return item.ok ? [] : [`${item.name}: failed after ${formatDuration(item.seconds)}`];
      const mark = item.ok ? style.green(sym.ok) : style.red(sym.fail);
      const note = item.note ? style.dim(` ${sym.note} ${item.note}`) : '';
      return [`${mark} ${style.bold(item.name.padEnd(STAGE_COLUMN))} ${formatDuration(item.seconds).padStart(7)}  ${item.message}${note}`];
    }
    case 'message': {
      const [first = '', ...rest] = item.text.split('\n');
      if (mode === 'plain') return [`${item.level === 'error' ? 'error' : 'warning'}: ${first}`, ...rest.map((line) => `  ${line}`)];
      const paint = item.level === 'error' ? style.red : style.yellow;
      return [`${paint(item.level === 'error' ? sym.fail : sym.warn)} ${paint(first)}`, ...rest.map((line) => style.dim(`  ${line}`))];
    }
    case 'note':
      return mode === 'plain' ? [`fuel-image: ${item.text}`] : [style.dim(`${sym.note} ${item.text}`)];
    case 'verbose': {
      const text = `${formatClock(item.elapsed).padStart(5)} ${item.step ? `${item.step} | ` : ''}${item.text}`;
      return mode === 'plain' ? [text] : [style.dim(text)];
    }
  }
}

export interface LiveOptions {
  now: number;
  /** Terminal columns: every line stays shorter, so none wraps. */
  width: number;
  style: Style;
  /** Advances the spinner. */
  frame: number;
}

/**
 * The live view, redrawn in place: stage, overall percentage and elapsed
 * time; the download counts; the running step's last output line. At most
 * three lines, none wider than the terminal.
 */
export function formatLive(state: ViewState, options: LiveOptions): string[] {
  const { style, width } = options;
  const sym = style.symbols;
  const fit = (segments: Segment[]) => fitLine(segments, width - 1, style);
  const clock = formatClock(options.now - state.started);
  const lines: string[] = [];
  const spinner: Segment = state.done ? [sym.ok, style.green] : [sym.spinner[options.frame % sym.spinner.length]!, style.cyan];
  const name = state.done ? 'done' : (state.stage?.name ?? 'starting');
  const head: Segment[] = [spinner, [' '], [name.padEnd(STAGE_COLUMN), style.bold]];
  if (state.progress !== undefined) {
    const percent = Math.max(0, Math.min(100, state.progress));
    // The bar only where there is room for it and the message.
    if (width >= 72) {
      const barWidth = 20;
      const full = Math.round((percent / 100) * barWidth);
      head.push([' '], [sym.barFull.repeat(full), style.green], [sym.barEmpty.repeat(barWidth - full), style.dim]);
    }
    head.push([` ${String(percent).padStart(3)}%`, style.bold]);
  }
  head.push([`  ${clock}`]);
  if (state.stage?.message) head.push([`  ${state.stage.message}`, style.dim]);
  lines.push(fit(head));
  const counts = stageCounts(state);
  if (counts.length > 0) lines.push(fit([['  '], [counts.map((p) => p.text).join(` ${sym.note} `)]]));
  if (state.step && !state.done) lines.push(fit([['  '], [`${state.step.name} ${sym.arrow} `, style.cyan], [state.step.line ?? '', style.dim]]));
  return lines;
}
