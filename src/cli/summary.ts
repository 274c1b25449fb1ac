import path from 'node:path';
import { formatBytes, formatDuration, type Style } from '../log/view-style.js';

/** The result fields a summary reads; each command's result line has them. */
export interface SummaryResult {
  outcome?: string;
  output?: string;
  metadata?: string;
  images?: Array<{ mount_point?: string; file?: string; size?: number; md5?: string; image?: string; checks?: Array<{ ok: boolean }> }>;
  duration_seconds?: number;
  warnings?: string[];
  removed_containers?: string[];
  kept_containers?: string[];
  cleaned_outputs?: string[];
}

export interface SummaryExtras {
  /** What debootstrap and apt fetched (the view counted it). */
  downloads?: string;
  /** The --log-file, named at the end. */
  logFile?: string;
  dryRun?: boolean;
}

/**
 * The few lines a person reads at the end of a run in tty or plain mode,
 * before the JSON result line (which stdout keeps for machines): what was
 * built, where, each file's size and md5, and how long it took.
 */
export function summaryLines(command: 'build' | 'verify' | 'gc', result: SummaryResult, style: Style, extras: SummaryExtras = {}): string[] {
  // Plain mode: words only.
  const ok = style.colour || style.unicode ? `${style.green(style.symbols.ok)} ` : '';
  const lines: string[] = [];
  if (command === 'build') {
    const images = result.images ?? [];
    const count = `${images.length} image${images.length === 1 ? '' : 's'}`;
    lines.push(
      result.outcome === 'up-to-date'
        ? `${ok}${style.bold(`Up to date, nothing to build (--force rebuilds): ${count} in ${result.output}`)}`
        : `${ok}${style.bold(`Built ${count} in ${formatDuration(result.duration_seconds ?? 0)}`)} into ${result.output}`,
    );
    // Laid out as md5sum prints them, so a person can compare at a glance.
    const sizes = images.map((image) => formatBytes(image.size ?? 0));
    const width = Math.max(0, ...sizes.map((s) => s.length));
    images.forEach((image, i) => {
      const where = image.mount_point ? style.dim(` (${image.mount_point})`) : '';
      lines.push(`  ${sizes[i]!.padStart(width)}  ${image.md5 ?? ''}  ${path.basename(image.file ?? '')}${where}`);
    });
    if (result.metadata) lines.push(`  metadata: ${path.basename(result.metadata)}`);
    if (extras.downloads && result.outcome !== 'up-to-date') lines.push(`  downloaded: ${extras.downloads}`);
    const warnings = result.warnings?.length ?? 0;
    const consequence = result.outcome === 'up-to-date' ? 'a mirror may have changed unseen' : "the image builds, but Fuel's node agent will miss something";
    if (warnings > 0) lines.push(`  ${style.yellow(`${style.symbols.warn} ${warnings} warning${warnings === 1 ? '' : 's'} (above): ${consequence}`)}`);
  } else if (command === 'verify') {
    const images = result.images ?? [];
    const checks = images.reduce((n, image) => n + (image.checks?.length ?? 0), 0);
    lines.push(`${ok}${style.bold(`Verified ${images.length} image${images.length === 1 ? '' : 's'}: ${checks} checks passed`)}${result.metadata ? ` (${result.metadata})` : ''}`);
  } else {
    const removed = result.removed_containers?.length ?? 0;
    const kept = result.kept_containers?.length ?? 0;
    const cleaned = result.cleaned_outputs?.length ?? 0;
    const verb = extras.dryRun ? 'Would remove' : 'Removed';
    lines.push(`${ok}${style.bold(`${verb} ${removed} leftover helper${removed === 1 ? '' : 's'}`)}${kept > 0 ? `, kept ${kept} in use` : ''}${cleaned > 0 ? `; cleaned ${cleaned} output director${cleaned === 1 ? 'y' : 'ies'}` : ''}`);
  }
  if (extras.logFile) lines.push(style.dim(`  log: ${extras.logFile}`));
  return lines;
}
