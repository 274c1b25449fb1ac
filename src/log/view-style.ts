/** How human output looks: colours and symbols, or plain ASCII. Pure functions only. */
export interface Style {
  colour: boolean;
  unicode: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  symbols: { ok: string; fail: string; warn: string; note: string; arrow: string; barFull: string; barEmpty: string; spinner: readonly string[] };
}

const UNICODE_SYMBOLS = { ok: '✔', fail: '✖', warn: '⚠', note: '·', arrow: '›', barFull: '█', barEmpty: '░', spinner: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] };
const ASCII_SYMBOLS = { ok: '+', fail: 'x', warn: '!', note: '-', arrow: '>', barFull: '#', barEmpty: '.', spinner: ['|', '/', '-', '\\'] };

export function makeStyle(options: { colour: boolean; unicode: boolean }): Style {
  const sgr = (open: number, close: number) => (text: string) => (options.colour && text ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    ...options,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    symbols: options.unicode ? UNICODE_SYMBOLS : ASCII_SYMBOLS,
  };
}

/** A piece of a line and how it is styled. */
export type Segment = [text: string, paint?: (text: string) => string];

/**
 * Joins segments into one line of at most `width` characters (cut with "…"
 * or "~"), styled after cutting so escape sequences are never cut and never
 * counted: a live line must not wrap, or redrawing it in place would leave
 * pieces behind.
 */
export function fitLine(segments: Segment[], width: number, style: Pick<Style, 'unicode'>): string {
  const max = Math.max(1, width);
  let used = 0;
  let out = '';
  for (const [raw, paint] of segments) {
    const text = [...raw.replace(/[\x00-\x1f\x7f]/g, ' ')];
    if (used + text.length <= max) {
      out += paint ? paint(text.join('')) : text.join('');
      used += text.length;
      continue;
    }
    const room = max - used;
    if (room > 0) {
      const cut = text.slice(0, room - 1).join('') + (style.unicode ? '…' : '~');
      out += paint ? paint(cut) : cut;
    }
    break;
  }
  return out;
}

/** Removes ANSI escape sequences (for measuring and for tests). */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

/** 51.1s, 2m 05s, 1h 02m. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${(Math.round(seconds * 10) / 10).toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** An elapsed-time clock: 0:07, 12:34, 1:02:03. */
export function formatClock(milliseconds: number): string {
  const s = Math.max(0, Math.floor(milliseconds / 1000));
  const mm = String(Math.floor((s % 3600) / 60));
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm.padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** Binary units, as `ls -lh` and `du -h` show file sizes: 181.3 MiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
