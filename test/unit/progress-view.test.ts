import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseCliArgs, type BuildArgs } from '../../src/cli/parse-args.js';
import { summaryLines } from '../../src/cli/summary.js';
import { createLogger } from '../../src/log/create-logger.js';
import { countLine, describeCounts, emptyCounts, parseAptSize, type Counts } from '../../src/log/download-counts.js';
import { HumanView } from '../../src/log/human-view.js';
import { chooseProgressMode, isCi } from '../../src/log/progress-mode.js';
import { formatLive } from '../../src/log/view-format.js';
import { applyRecord, initialState, type ViewLevel, type ViewState } from '../../src/log/view-state.js';
import { fitLine, formatClock, formatDuration, makeStyle, stripAnsi } from '../../src/log/view-style.js';
import { STAGES } from '../../src/pipeline/progress.js';
import { BUILD_RESULT, buildRecords } from '../helpers/build-records.js';
import { UNIT_MIRROR } from '../helpers/specs.js';
import { screenLines } from '../helpers/terminal.js';

const TTY_STYLE = makeStyle({ colour: true, unicode: true });
const PLAIN_STYLE = makeStyle({ colour: false, unicode: false });
// A cold build's stages: cache is where a build whose images are all cached goes instead.
const STAGE_NAMES = Object.keys(STAGES).filter((stage) => stage !== 'cache');
const ESC = '\x1b';

/** Feeds log lines to a view on a fake clock (the records' own times), redrawing as a 10 Hz timer would. */
function replay(lines: string[], options: { mode: 'tty' | 'plain'; level?: ViewLevel; columns?: number; colour?: boolean; summary?: boolean; fail?: boolean }) {
  let out = '';
  let now = (JSON.parse(lines[0]!) as { time: number }).time - 50;
  const style = options.mode === 'tty' ? makeStyle({ colour: options.colour ?? true, unicode: true }) : PLAIN_STYLE;
  const view = new HumanView({
    mode: options.mode,
    style,
    level: options.level ?? 'info',
    out: { write: (text: string) => (out += text) },
    columns: () => options.columns ?? 100,
    now: () => now,
    intervalMs: 0,
    logFile: '/var/log/fuel-image/build.log',
  });
  let drawn = 0;
  for (const line of lines) {
    now = (JSON.parse(line) as { time: number }).time;
    view.write(line);
    if (now - drawn >= 100) {
      view.render();
      drawn = now;
    }
  }
  if (options.fail) {
    view.failStage();
    view.write(JSON.stringify({ level: 50, time: now, code: 'PACKAGE_NOT_FOUND', msg: 'package "nosuch" not found in any repo\nE: Unable to locate package nosuch' }));
    view.close({ ok: false });
  } else {
    view.close({ ok: true, summary: options.summary === false ? undefined : summaryLines('build', BUILD_RESULT, style, { downloads: view.downloads() }) });
  }
  return { out, view };
}

describe('progress mode: --progress, the terminal and the environment', () => {
  const tty = { isTTY: true, env: { TERM: 'xterm-256color' } };

  it('auto: the live view at a terminal, JSON lines anywhere else', () => {
    assert.equal(chooseProgressMode('auto', tty).mode, 'tty');
    assert.equal(chooseProgressMode('auto', { isTTY: false, env: { TERM: 'xterm-256color' } }).mode, 'json');
    assert.equal(chooseProgressMode('auto', { isTTY: false, env: {} }).mode, 'json');
    // Off a terminal nothing changes for machines, whatever else is set.
    assert.equal(chooseProgressMode('auto', { isTTY: false, env: { CI: 'true', TERM: 'dumb' } }).mode, 'json');
  });

  it('auto: plain lines on a dumb terminal and in CI, with no colour', () => {
    assert.deepEqual(chooseProgressMode('auto', { isTTY: true, env: { TERM: 'dumb' } }), { mode: 'plain', colour: false, unicode: false });
    assert.deepEqual(chooseProgressMode('auto', { isTTY: true, env: { TERM: 'xterm', CI: 'true' } }), { mode: 'plain', colour: false, unicode: false });
    assert.equal(chooseProgressMode('auto', { isTTY: true, env: { TERM: 'xterm', CI: 'false' } }).mode, 'tty');
    assert.equal(chooseProgressMode('auto', { isTTY: true, env: { TERM: 'xterm', CI: '' } }).mode, 'tty');
    assert.ok(isCi({ CI: '1' }) && isCi({ CI: 'woodpecker' }) && !isCi({ CI: '0' }) && !isCi({}));
  });

  it('colour unless NO_COLOR (set and not empty) or TERM=dumb; ASCII on the Linux console', () => {
    assert.deepEqual(chooseProgressMode('auto', tty), { mode: 'tty', colour: true, unicode: true });
    assert.equal(chooseProgressMode('auto', { isTTY: true, env: { TERM: 'xterm', NO_COLOR: '1' } }).colour, false);
    assert.equal(chooseProgressMode('auto', { isTTY: true, env: { TERM: 'xterm', NO_COLOR: '' } }).colour, true);
    assert.equal(chooseProgressMode('tty', { isTTY: true, env: { TERM: 'dumb' } }).colour, false);
    assert.equal(chooseProgressMode('auto', { isTTY: true, env: { TERM: 'linux' } }).unicode, false);
  });

  it('an explicit mode is what it says, terminal or not', () => {
    for (const mode of ['tty', 'plain', 'json'] as const) {
      assert.equal(chooseProgressMode(mode, { isTTY: false, env: {} }).mode, mode);
      assert.equal(chooseProgressMode(mode, { isTTY: true, env: { TERM: 'dumb', CI: 'true' } }).mode, mode);
    }
    assert.equal(chooseProgressMode('plain', tty).colour, false);
  });

  it('--progress is parsed for build, verify and gc; a bad value is a usage error', () => {
    assert.equal((parseCliArgs(['spec.json']) as BuildArgs).progress, 'auto');
    assert.equal((parseCliArgs(['spec.json', '--progress=plain']) as BuildArgs).progress, 'plain');
    assert.equal((parseCliArgs(['spec.json', '--progress', 'json']) as BuildArgs).progress, 'json');
    assert.equal((parseCliArgs(['verify', 'out', '--progress=tty']) as { progress: string }).progress, 'tty');
    assert.equal((parseCliArgs(['gc', '--progress=plain']) as { progress: string }).progress, 'plain');
    assert.throws(() => parseCliArgs(['spec.json', '--progress=fancy']), (error: Error & { code?: string }) => error.code === 'USAGE' && /auto, tty, plain, json/.test(error.message));
  });
});

describe('download counts from debootstrap and apt lines', () => {
  const feed = (lines: string[], start: Counts = emptyCounts()) => lines.reduce(countLine, start);

  it("counts debootstrap's Retrieving/Validating/Extracting/Unpacking/Configuring lines, not its index files", () => {
    const counts = feed(['I: Retrieving InRelease ', 'I: Retrieving Packages ', 'I: Validating Packages ', 'I: Retrieving adduser 3.134', 'I: Validating adduser 3.134', 'I: Retrieving apt 2.6.1', 'I: Extracting adduser...', 'I: Unpacking adduser...', 'I: Configuring adduser...', 'I: Configuring required packages']);
    assert.deepEqual(counts.debootstrap, { retrieved: 2, validated: 1, extracted: 1, unpacked: 1, configured: 1 });
  });

  it('starts over when debootstrap fetches its Release file again (a retry)', () => {
    const counts = feed(['I: Retrieving InRelease', 'I: Retrieving a 1', 'I: Retrieving b 1', 'I: Retrieving InRelease', 'I: Retrieving a 1']);
    assert.equal(counts.debootstrap.retrieved, 1);
  });

  it("counts apt's package downloads with their sizes, not index downloads", () => {
    const indexes = feed([
      `Get:1 ${UNIT_MIRROR} bookworm InRelease [151 kB]`,
      `Get:2 ${UNIT_MIRROR} bookworm/main amd64 Packages [8,780 kB]`,
      `Get:3 ${UNIT_MIRROR} bookworm/main Translation-en [6,109 kB]`,
      'Get:4 http://archive.example/ubuntu precise Release.gpg [198 B]',
      `Get:5 ${UNIT_MIRROR} ./ InRelease`,
    ]);
    assert.deepEqual(indexes.apt, emptyCounts().apt);
    const counts = feed([
      `Get:1 ${UNIT_MIRROR} bookworm InRelease [151 kB]`,
      `Get:2 ${UNIT_MIRROR} bookworm/main amd64 Packages [8,780 kB]`,
      `Get:3 ${UNIT_MIRROR} bookworm/main Translation-en [6,109 kB]`,
      '0 upgraded, 3 newly installed, 0 to remove and 0 not upgraded.',
      'Need to get 2,056 kB of archives.',
      `Get:1 ${UNIT_MIRROR} bookworm/main amd64 libssl3 amd64 3.0.20-1~deb12u2 [2,036 kB]`,
      `Get:2 ${UNIT_MIRROR} bookworm/main amd64 libargon2-1 amd64 0~20171227-0.3+deb12u1 [19.4 kB]`,
      // apt of Ubuntu precise: no architecture after the suite.
      'Get:3 http://archive.example/ubuntu/ precise/main zlib1g amd64 1:1.2.3.4 [512 B]',
    ]);
    assert.equal(counts.apt.total, 3);
    assert.equal(counts.apt.fetched, 3);
    assert.equal(counts.apt.bytes, 2_036_000 + 19_400 + 512);
    assert.equal(counts.apt.needBytes, 2_056_000);
  });

  it('counts packages unpacked and set up; a new download (a retry) counts from zero', () => {
    let counts = feed(['1 upgraded, 2 newly installed, 0 to remove and 0 not upgraded.', 'Need to get 1.2 MB/3.4 MB of archives.', `Get:1 ${UNIT_MIRROR} bookworm/main amd64 a amd64 1 [1 kB]`]);
    assert.equal(counts.apt.total, 3);
    assert.equal(counts.apt.needBytes, 1_200_000);
    counts = feed(['Need to get 1.2 MB of archives.'], counts);
    assert.equal(counts.apt.fetched, 0);
    // With everything cached apt needs 0 B: the count stands.
    counts = feed([`Get:1 ${UNIT_MIRROR} bookworm/main amd64 a amd64 1 [1 kB]`, 'Need to get 0 B/3.4 MB of archives.'], counts);
    assert.equal(counts.apt.fetched, 1);
    counts = feed(['Unpacking libssl3:amd64 (3.0.20-1~deb12u2) ...', 'Unpacking udev (252.39-1~deb12u1) over (252.38-1) ...', 'Setting up libssl3:amd64 (3.0.20-1~deb12u2) ...', 'Setting up nothing-here'], counts);
    assert.equal(counts.apt.unpacked, 2);
    assert.equal(counts.apt.setUp, 1);
  });

  it("reads apt's decimal sizes", () => {
    assert.equal(parseAptSize('151 kB'), 151_000);
    assert.equal(parseAptSize('8,780 kB'), 8_780_000);
    assert.equal(parseAptSize('91.1 MB'), 91_100_000);
    assert.equal(parseAptSize('512 B'), 512);
    assert.equal(parseAptSize('1.5 GB'), 1_500_000_000);
    assert.equal(parseAptSize('lots'), undefined);
  });

  it('says the counts in words: the running phase against the total, or once over just what was fetched', () => {
    const counts = feed([
      ...['a', 'b', 'c'].flatMap((n) => [`I: Retrieving ${n} 1`, `I: Extracting ${n}...`]),
      ...['a', 'b', 'c', 'a'].map((n) => `I: Configuring ${n}...`),
      '0 upgraded, 4 newly installed, 0 to remove and 0 not upgraded.',
      'Need to get 2.0 MB of archives.',
      `Get:1 ${UNIT_MIRROR} bookworm/main amd64 a amd64 1 [1,000 kB]`,
      'Setting up a (1) ...',
    ]);
    assert.deepEqual(
      describeCounts(counts).map((p) => p.text),
      // debootstrap configures a few packages twice: never more than it fetched.
      ['debootstrap 3 fetched, 3/3 configured', 'apt 1/4 fetched (1.0/2.0 MB), 1/4 set up'],
    );
    assert.deepEqual(
      describeCounts(counts, { final: true }).map((p) => p.text),
      ['debootstrap 3 packages', 'apt 4 packages, 1.0 MB'],
    );
    // The install's .debs prefetched into apt's cache: nothing to get, every package still counted.
    const cached = feed(['0 upgraded, 3 newly installed, 0 to remove and 0 not upgraded.', 'Need to get 0 B/2,000 kB of archives.', 'Setting up a (1) ...', 'Setting up b (1) ...']);
    assert.deepEqual(describeCounts(cached).map((p) => p.text), ['apt 0/3 fetched, 2/3 set up']);
    assert.deepEqual(describeCounts(cached, { final: true }).map((p) => p.text), ['apt 3 packages']);
    assert.deepEqual(describeCounts(emptyCounts()), []);
    // .debs apt prefetched are only validated: still counted as debootstrap's packages.
    const prefetched = feed(['I: Validating a 1', 'I: Retrieving b 1', 'I: Validating b 1', 'I: Extracting a...', 'I: Extracting b...']);
    assert.deepEqual(describeCounts(prefetched).map((p) => p.text), ['debootstrap 2 fetched, 2/2 extracted']);
    assert.deepEqual(describeCounts(prefetched, { final: true }).map((p) => p.text), ['debootstrap 2 packages']);
  });
});

describe('the live view: a few lines, never wider than the terminal', () => {
  const state = (): ViewState => {
    let s = initialState(0);
    for (const line of buildRecords().slice(0, 60)) s = applyRecord(s, JSON.parse(line), 'info', 0).state;
    return s;
  };

  it('shows the stage, the overall percent, the elapsed time, the counts and the running step with its last line', () => {
    const s = state();
    const lines = formatLive(s, { now: s.started + 83_000, width: 100, style: PLAIN_STYLE, frame: 0 });
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0]!, /bootstrap\s+#+\.+\s+3%\s+1:23\s+bootstrapping bookworm from debian/);
    assert.match(lines[1]!, /^ {2}debootstrap \d+ fetched, \d+ validated$/);
    assert.match(lines[2]!, /^ {2}bootstrap-download > I: (Retrieving|Validating) pkg\d+ 1\.0-1$/);
  });

  it('cuts every line to the width, counting characters and not colour codes', () => {
    const s = state();
    for (const width of [20, 40, 71, 80, 200]) {
      for (const style of [TTY_STYLE, PLAIN_STYLE]) {
        const lines = formatLive(s, { now: 5000, width, style, frame: 3 });
        for (const line of lines) assert.ok([...stripAnsi(line)].length < width, `${width}: ${JSON.stringify(line)}`);
      }
    }
    assert.equal(fitLine([['abcdef'], ['ghij', TTY_STYLE.red]], 8, TTY_STYLE), `abcdef${TTY_STYLE.red('g…')}`);
  });

  it('has no escape sequences without colour', () => {
    for (const line of formatLive(state(), { now: 5000, width: 100, style: makeStyle({ colour: false, unicode: true }), frame: 1 })) assert.ok(!line.includes(ESC), line);
  });
});

describe('the human view of a whole build', () => {
  it('tty: the finished stages, their times and counts, and the summary, in a screenful', () => {
    const { out } = replay(buildRecords({ debootstrapPackages: 90, aptPackages: 63, warnings: ['the image has no grub-install: add grub-pc to packages'] }), { mode: 'tty' });
    assert.match(out, /\x1b\[\d+A/, 'the live view is redrawn in place');
    const screen = screenLines(out, 100);
    assert.ok(screen.length <= 20, screen.join('\n'));
    for (const stage of STAGE_NAMES) assert.equal(screen.filter((l) => l.startsWith(`✔ ${stage} `)).length, 1, `${stage}:\n${screen.join('\n')}`);
    assert.match(screen.find((l) => l.startsWith('✔ bootstrap '))!, /bootstrapping bookworm from debian · debootstrap 90 packages$/);
    assert.match(screen.find((l) => l.startsWith('✔ install '))!, /installing 63 packages · apt 63 packages, 63\.0 MB$/);
    assert.ok(screen.includes('⚠ the image has no grub-install: add grub-pc to packages'), screen.join('\n'));
    // The summary: files, sizes, md5s, time.
    assert.ok(screen.includes('  181.3 MiB  e6054bec0cdfd535ff7a67b6d65e50c8  env_1.img.gz (/)'), screen.join('\n'));
    assert.ok(screen.includes('   43.1 MiB  98efaa3df5c0f0d2c9f062f967712679  env_1-boot.img.gz (/boot)'), screen.join('\n'));
    assert.ok(screen.some((l) => l.startsWith('✔ Built 2 images in 2m 14s into /srv/out')), screen.join('\n'));
    // No step output is left on the screen: the live view went.
    assert.ok(!screen.some((l) => /Setting up|I: Retrieving|›/.test(l)), screen.join('\n'));
  });

  it('tty with NO_COLOR: cursor movement, no colour', () => {
    const { out } = replay(buildRecords(), { mode: 'tty', colour: false });
    assert.match(out, /\x1b\[\d+A/);
    assert.ok(!/\x1b\[[0-9;]*m/.test(out), 'no SGR sequence');
  });

  it('plain: one line per stage, with percent and elapsed time, no escape sequences', () => {
    const { out } = replay(buildRecords({ warnings: ['no ifupdown'] }), { mode: 'plain' });
    assert.ok(!out.includes(ESC));
    const lines = out.trimEnd().split('\n');
    for (const stage of [...STAGE_NAMES, 'done']) assert.equal(lines.filter((l) => new RegExp(`^\\[\\s*\\d+%\\] \\d+:\\d\\d ${stage}: `).test(l)).length, 1, `${stage}:\n${out}`);
    assert.deepEqual(lines.slice(0, 4), [
      'fuel-image: building: no metadata from an earlier build',
      '[  0%] 0:01 helper-image: preparing the helper image',
      '[  2%] 0:02 helper-start: starting helper container fuel-image-0123456789ab',
      '[  3%] 0:03 bootstrap: bootstrapping bookworm from debian',
    ]);
    assert.ok(lines.includes('warning: no ifupdown'));
    assert.ok(lines.includes('Built 2 images in 2m 14s into /srv/out'));
    assert.ok(lines.length <= 25, out);
  });

  it('-v: every record, each step line among them, on its own line; the stages still shown', () => {
    const records = buildRecords();
    for (const mode of ['tty', 'plain'] as const) {
      const { out } = replay(records, { mode, level: 'debug', colour: false });
      const screen = mode === 'tty' ? screenLines(out, 200) : out.split('\n');
      for (const record of records.map((l) => JSON.parse(l) as { msg: string; stream?: string; stage?: string; level: number })) {
        if (record.stream) assert.ok(screen.some((l) => l.endsWith(`| ${record.msg}`)), `${mode}: ${record.msg}`);
      }
      assert.ok(screen.some((l) => /bootstrap/.test(l) && /(✔|\[ +\d+%\])/.test(l)));
    }
  });

  it('-q: only warnings and errors, no live view and no summary', () => {
    const { out } = replay(buildRecords({ warnings: ['no grub'] }), { mode: 'tty', level: 'warn' });
    assert.equal(out, `${TTY_STYLE.yellow('⚠')} ${TTY_STYLE.yellow('no grub')}\n`);
  });

  it('a failure: the stage marked failed, the error, and where the full log is', () => {
    const tty = screenLines(replay(buildRecords({ failIn: 'install' }), { mode: 'tty', fail: true }).out, 100);
    assert.deepEqual(tty.slice(-4).map((l) => l.replace(/ +\d+\.\ds /, ' T ')), [
      '✖ install T  installing 12 packages · apt 12 packages, 12.0 MB',
      '✖ package "nosuch" not found in any repo',
      '  E: Unable to locate package nosuch',
      '  full log: /var/log/fuel-image/build.log',
    ]);
    const plain = replay(buildRecords({ failIn: 'bootstrap' }), { mode: 'plain', fail: true }).out.trimEnd().split('\n');
    assert.deepEqual(plain.slice(-4).map((l) => l.replace(/\d+\.\ds/, 'T')), [
      'bootstrap: failed after T',
      'error: package "nosuch" not found in any repo',
      '  E: Unable to locate package nosuch',
      '  full log: /var/log/fuel-image/build.log',
    ]);
  });
});

describe('the summary at the end', () => {
  it('names each file with its size and md5, the metadata, the downloads and the time', () => {
    const lines = summaryLines('build', BUILD_RESULT, PLAIN_STYLE, { downloads: 'debootstrap 88 packages, apt 63 packages, 91.1 MB', logFile: 'build.log' });
    assert.deepEqual(lines, [
      'Built 2 images in 2m 14s into /srv/out',
      '  181.3 MiB  e6054bec0cdfd535ff7a67b6d65e50c8  env_1.img.gz (/)',
      '   43.1 MiB  98efaa3df5c0f0d2c9f062f967712679  env_1-boot.img.gz (/boot)',
      '  metadata: env_1.yaml',
      '  downloaded: debootstrap 88 packages, apt 63 packages, 91.1 MB',
      '  log: build.log',
    ]);
  });

  it('an up-to-date build, a warning count, verify and gc', () => {
    const upToDate = summaryLines('build', { ...BUILD_RESULT, outcome: 'up-to-date', warnings: undefined }, PLAIN_STYLE, { downloads: 'apt 1 packages' });
    assert.equal(upToDate[0], 'Up to date, nothing to build (--force rebuilds): 2 images in /srv/out');
    assert.ok(!upToDate.some((l) => l.includes('downloaded')));
    assert.ok(summaryLines('build', { ...BUILD_RESULT, warnings: ['a', 'b'] }, PLAIN_STYLE).some((l) => l.includes('2 warnings (above)')));
    assert.equal(summaryLines('verify', { outcome: 'success', metadata: '/o/m.yaml', images: [{ checks: [{ ok: true }, { ok: true }] }, { checks: [{ ok: true }] }] }, PLAIN_STYLE)[0], 'Verified 2 images: 3 checks passed (/o/m.yaml)');
    assert.equal(summaryLines('gc', { removed_containers: ['a'], kept_containers: [], cleaned_outputs: [] }, PLAIN_STYLE, { dryRun: true })[0], 'Would remove 1 leftover helper');
    assert.match(summaryLines('build', BUILD_RESULT, TTY_STYLE)[0]!, /^\x1b\[32m✔\x1b\[39m /);
  });
});

describe('formatting helpers', () => {
  it('durations and clocks', () => {
    assert.equal(formatDuration(0.022), '0.0s');
    assert.equal(formatDuration(51.097), '51.1s');
    assert.equal(formatDuration(133.6), '2m 14s');
    assert.equal(formatDuration(3725), '1h 02m');
    assert.equal(formatClock(83_400), '1:23');
    assert.equal(formatClock(3_723_000), '1:02:03');
  });
});

describe('createLogger: the log file keeps everything in every mode', () => {
  it('human mode: the view gets the records, a temporary log keeps them all and goes when the run succeeds', () => {
    let out = '';
    const logging = createLogger({ level: 'info', view: { mode: 'plain', colour: false, unicode: false }, tempLog: true, stderr: { write: (t: string) => (out += t) } });
    const file = logging.logFile!;
    try {
      assert.match(file, /fuel-image-\d{8}-\d{6}-\d+\.log$/);
      logging.logger.info({ stage: 'bootstrap', progress: 3 }, 'bootstrapping');
      logging.logger.debug({ step: 'download-packages', stream: 'stdout' }, 'Get:1 x y z pkg amd64 1 [1 kB]');
      assert.equal(out, '[  3%] 0:00 bootstrap: bootstrapping\n');
      const logged = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
      assert.deepEqual(logged.map((r) => r.msg), ['bootstrapping', 'Get:1 x y z pkg amd64 1 [1 kB]']);
      logging.end({ ok: true, summary: ['done'] });
      assert.equal(out.split('\n').at(-2), 'done');
      assert.throws(() => readFileSync(file), /ENOENT/);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('a failed run keeps the temporary log and names it', () => {
    let out = '';
    const logging = createLogger({ level: 'info', view: { mode: 'plain', colour: false, unicode: false }, tempLog: true, stderr: { write: (t: string) => (out += t) } });
    try {
      logging.logger.error({ code: 'NETWORK' }, 'the mirror went away');
      logging.end({ ok: false });
      assert.equal(out, `error: the mirror went away\n  full log: ${logging.logFile}\n`);
      assert.match(readFileSync(logging.logFile!, 'utf8'), /the mirror went away/);
    } finally {
      rmSync(logging.logFile!, { force: true });
    }
  });
});

describe('the test terminal', () => {
  it('interprets carriage returns, cursor-up, erase-line and erase-below, and wraps long lines', () => {
    assert.deepEqual(screenLines('one\r\ntwo\r\nthree\r\n\x1b[2A\r\x1b[JTWO\r\n', 80), ['one', 'TWO']);
    assert.deepEqual(screenLines('abcdef\rxy\x1b[K\r\n', 80), ['xy']);
    assert.deepEqual(screenLines('abcdefgh\r\n', 4), ['abcd', 'efgh']);
    assert.deepEqual(screenLines('\x1b[31mred\x1b[39m\r\n', 80), ['red']);
  });
});
