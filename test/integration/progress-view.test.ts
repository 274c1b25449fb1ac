import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { STAGES } from '../../src/pipeline/progress.js';
import { runCli, type CliRun } from '../helpers/engine.js';
import { lightSpec } from '../helpers/specs.js';
import { useWorkDir } from '../helpers/temp-dir.js';
import { screenLines } from '../helpers/terminal.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// A cold build's stages: cache is where a build whose images are all cached goes instead.
const STAGE_NAMES = Object.keys(STAGES).filter((stage) => stage !== 'cache');
const COLUMNS = 100;
const ROWS = 50;

/** Single quotes for sh. */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the CLI in a pseudo-terminal (util-linux `script`, no native module):
 * stdout and stderr are the terminal, COLUMNS x ROWS. Returns what the
 * terminal was sent. The environment is a person's: a real TERM, not CI.
 */
async function runInTerminal(args: string[], extraEnv: Record<string, string> = {}) {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !['CI', 'NO_COLOR', 'TERM', 'COLUMNS', 'LINES'].includes(name)) env[name] = value;
  Object.assign(env, { TERM: 'xterm-256color', COLUMNS: String(COLUMNS), LINES: String(ROWS) }, extraEnv);
  const command = `stty rows ${ROWS} cols ${COLUMNS} && exec node bin/fuel-image.js ${args.map(quote).join(' ')}`;
  const run = await execa('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env, extendEnv: false, reject: false, stdin: 'ignore' });
  return { exitCode: run.exitCode ?? -1, output: run.stdout };
}

/*
 * The progress view for people, on a real build (the quick lightSpec: "/"
 * and "/boot", no kernel). The example build differs only in its package
 * count, which adds nothing to the screen: the live view is a fixed few
 * lines and one line per stage stays.
 */
describe('progress view: what a person sees', () => {
  const dir = useWorkDir('progress');
  // The plain-mode build runs beside the terminal one (the suite's time); its test reads it.
  let plain: Promise<CliRun> | undefined;
  const plainOut = () => path.join(dir(), 'plain-out');

  it('on a terminal: a live view, then the stages and a summary that fit a screen; the log file keeps every line', async (t) => {
    await mkdir(plainOut());
    plain = runCli([JSON.stringify(lightSpec(plainOut())), '--progress=plain']);
    plain.catch(() => undefined);
    const out = path.join(dir(), 'tty-out');
    await mkdir(out);
    const spec = path.join(dir(), 'tty-spec.json');
    await writeFile(spec, JSON.stringify(lightSpec(out)));
    const logFile = path.join(dir(), 'tty.log');
    const run = await runInTerminal([spec, '--log-file', logFile]);
    assert.equal(run.exitCode, 0, run.output.slice(-3000));

    // Machines still get their one JSON line on stdout, after the summary.
    const resultLine = /\{"outcome".*\}/.exec(run.output)?.[0];
    assert.ok(resultLine, run.output.slice(-3000));
    const result = JSON.parse(resultLine) as { outcome: string; images: Array<{ file: string; md5: string }> };
    assert.equal(result.outcome, 'success');

    assert.match(run.output, /\x1b\[\d+A/, 'the live view is redrawn in place (cursor up)');
    assert.ok(!/^\{"level"/m.test(run.output), 'no JSON log lines on the terminal');

    const screen = screenLines(run.output, COLUMNS);
    const shown = screen.join('\n');
    t.diagnostic(`the terminal shows ${screen.length} lines:\n${shown}`);
    // The example build's budget: about 40 lines, the wrapped JSON line included.
    assert.ok(screen.length <= 40, `${screen.length} lines:\n${shown}`);
    for (const stage of STAGE_NAMES) assert.equal(screen.filter((line) => line.startsWith(`✔ ${stage} `)).length, 1, `stage ${stage}:\n${shown}`);
    assert.match(shown, /^✔ bootstrap .* · debootstrap \d+ packages$/m);
    assert.match(shown, /^✔ Built 2 images in .+ into /m);
    for (const image of result.images) assert.ok(screen.some((line) => line.includes(`${image.md5}  ${path.basename(image.file)}`)), `${image.file}:\n${shown}`);
    // The live view is gone: no step output is left on the screen.
    assert.ok(!screen.some((line) => /›|I: Retriev|Setting up|Get:\d/.test(line)), shown);

    // Every apt and debootstrap line is in the log file.
    const records = (await readFile(logFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { step?: string; msg: string });
    // The packages' .debs were fetched during the second stage (prefetch-debs.ts): the install's own download finds them.
    const prefetched = records.find((r) => r.step === 'prefetch-packages' && /^apt fetched \d+ \.debs/.test(r.msg)) as { count?: number } | undefined;
    assert.ok((prefetched?.count ?? 0) > 0, `the install's .debs prefetched: ${JSON.stringify(prefetched)}`);
    const fetchedAgain = records.filter((r) => r.step === 'download-packages' && /^Get:\d+ /.test(r.msg)).length;
    assert.ok(fetchedAgain < prefetched!.count! / 2, `${fetchedAgain} .debs fetched again by the install, ${prefetched!.count} prefetched`);
    assert.ok(records.some((r) => r.step === 'download-packages' && /^Need to get .* of archives/.test(r.msg)), 'apt\'s download ran');
    assert.ok(records.some((r) => r.step === 'install-packages' && /^Setting up /.test(r.msg)), 'apt Setting up lines');
    // Each package is validated once, whether debootstrap fetched it or apt prefetched it (prefetch-debs.sh).
    assert.ok(records.filter((r) => r.step === 'bootstrap-download' && /^I: Validating /.test(r.msg)).length > 50, 'debootstrap lines');
  });

  it('plain mode: one line per stage, no escape sequences, the JSON line on stdout', async () => {
    assert.ok(plain, 'started beside the terminal build');
    const run = await plain;
    assert.equal(run.exitCode, 0, run.stderr.slice(-3000));
    assert.equal(run.result.outcome, 'success');
    assert.ok(!run.stderr.includes('\x1b'), 'no escape sequences');
    const lines = run.stderr.trimEnd().split('\n');
    for (const stage of [...STAGE_NAMES, 'done']) {
      const found = lines.filter((line) => line.includes(` ${stage}: `));
      assert.equal(found.length, 1, `stage ${stage}:\n${run.stderr}`);
      assert.match(found[0]!, new RegExp(`^\\[ *\\d+%\\] \\d+:\\d\\d ${stage}: \\S`));
    }
    assert.ok(lines.some((line) => line.startsWith('[100%] ') && line.endsWith(' done: build complete')), run.stderr);
    assert.ok(lines.some((line) => /^Built 2 images in .+ into /.test(line)), run.stderr);
    // Stages, a note, the node-agent warning of an image without grub, the summary.
    assert.ok(lines.length <= 25, `${lines.length} lines:\n${run.stderr}`);
  });
});
