/**
 * What a terminal finally shows after some output, scrollback included: a
 * tiny emulator of what the progress view writes (printable text with
 * wrapping at `columns`, CR, LF (as CR LF, as a tty's default onlcr sends it), BS, cursor up/down/column, erase line and
 * erase below; colours and other sequences are dropped). Enough to count the
 * lines a person ends up with, and to read them.
 */
export function screenLines(output: string, columns: number): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  // A character written in the last column wraps only when the next one comes (as xterm does).
  let pendingWrap = false;
  const at = (r: number) => (rows[r] ??= []);
  for (let i = 0; i < output.length; i++) {
    const ch = output[i]!;
    if (ch === '\x1b') {
      const csi = /^\x1b\[([0-9;?]*)([A-Za-z@`])/.exec(output.slice(i, i + 32));
      if (!csi) {
        // ESC plus one character (e.g. ESC 7 / ESC 8): ignored.
        i += 1;
        continue;
      }
      i += csi[0].length - 1;
      const n = Number(csi[1]!.split(';')[0] || 0);
      pendingWrap = false;
      switch (csi[2]) {
        case 'A':
          row = Math.max(0, row - (n || 1));
          break;
        case 'B':
          row += n || 1;
          break;
        case 'G':
          col = Math.max(0, (n || 1) - 1);
          break;
        case 'K': {
          const line = at(row);
          if (n === 0) line.length = Math.min(line.length, col);
          else if (n === 1) for (let c = 0; c <= col && c < line.length; c++) line[c] = ' ';
          else line.length = 0;
          break;
        }
        case 'J':
          if (n === 0) {
            at(row).length = Math.min(at(row).length, col);
            rows.length = row + 1;
          } else rows.length = 0;
          break;
        default:
          // Colours (m), cursor visibility (?25l/h) and the like: nothing on the screen.
          break;
      }
      continue;
    }
    if (ch === '\r') {
      col = 0;
      pendingWrap = false;
    } else if (ch === '\n') {
      // A terminal's default output mode (onlcr) sends LF as CR LF.
      row++;
      col = 0;
      at(row);
      pendingWrap = false;
    } else if (ch === '\b') {
      col = Math.max(0, col - 1);
    } else if (ch >= ' ') {
      if (pendingWrap) {
        row++;
        col = 0;
        pendingWrap = false;
      }
      const line = at(row);
      while (line.length < col) line.push(' ');
      line[col] = ch;
      if (col === columns - 1) pendingWrap = true;
      else col++;
    }
  }
  const lines = rows.map((r) => (r ?? []).join('').trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
