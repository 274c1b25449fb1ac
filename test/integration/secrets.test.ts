import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { execa } from 'execa';
import { pino } from 'pino';
import tar from 'tar-fs';
import YAML from 'yaml';
import { DEFAULT_BASE_IMAGE } from '../../src/cli/parse-args.js';
import { ensureHelperImage } from '../../src/helper/helper-image.js';
import type { Spec } from '../../src/input/schema.js';
import { docker, runCli } from '../helpers/engine.js';
import { basicAuth, startFlakyProxy } from '../helpers/http-servers.js';
import { debugfs, gunzipTo, listDir } from '../helpers/image-tools.js';
import { lightSpec, testMirror } from '../helpers/specs.js';
import { useWorkDir } from '../helpers/temp-dir.js';

/*
 * Secrets a spec carries (credentials in repo and proxy URIs, with "@" in
 * the password raw and percent-encoded; a root password) reach the tools that
 * need them and nothing else: not stdout, stderr, the log file, the metadata,
 * the image, nor the helper image's history. The malformed-spec side is in
 * failures.test.ts and hostile-input.test.ts; a quick one here uses the same
 * secrets in every form.
 */

/** A random word that occurs nowhere by chance (not hex: an image holds megabytes of md5sums). */
const word = (prefix: string) => `${prefix}${randomBytes(6).toString('base64url')}`;

interface Credential {
  user: string;
  /** Two random halves around a raw "@". */
  halves: [string, string];
  password: string;
  encoded: string;
}

/** `quote`: a "'" before the "@" (a proxy URL refuses quotes; a repo uri takes them). */
function credential(user: string, prefix: string, quote = false): Credential {
  const halves: [string, string] = [word(`${prefix}A`), word(`${prefix}B`)];
  const password = `${halves[0]}${quote ? "'" : ''}@${halves[1]}`;
  return { user, halves, password, encoded: encodeURIComponent(password) };
}

/** Every form a credential could leak in: either half (so raw, encoded and half-parsed), and Basic auth's base64 of user:password, decoded or not. */
function leakForms(c: Credential): string[] {
  return [...c.halves, basicAuth(c.user, c.password).slice('Basic '.length), basicAuth(c.user, c.encoded).slice('Basic '.length)];
}

/** Case-insensitive: wget lowercases what it takes for a host name, half a password included. */
function assertNoSecret(where: string, text: string, secrets: string[]): void {
  const lower = text.toLowerCase();
  for (const secret of secrets) {
    const at = lower.indexOf(secret.toLowerCase());
    assert.ok(at < 0, `${where} holds "${secret}": …${text.slice(Math.max(0, at - 200), at + 100)}…`);
  }
}

/** Byte search through a (large) file, chunks overlapping so no match is split. */
async function fileHolds(file: string, needles: string[]): Promise<string[]> {
  const buffers = needles.map((n) => Buffer.from(n));
  const overlap = Math.max(...buffers.map((b) => b.length));
  const found = new Set<string>();
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 8 * 1024 * 1024 })) {
    const window = Buffer.concat([carry, chunk as Buffer]);
    buffers.forEach((b, i) => window.includes(b) && found.add(needles[i]!));
    carry = window.subarray(Math.max(0, window.length - overlap));
  }
  return [...found];
}

function mirrorWithCredentials(mirror: URL, user: string, password: string): string {
  return `${mirror.protocol}//${user}:${password}@${mirror.host}${mirror.pathname.replace(/\/$/, '')}`;
}

describe('secrets reach no output', () => {
  const workDir = useWorkDir('secrets');
  const mirror = new URL(testMirror());

  // The bootstrap repo and the proxy apt and wget use: a raw "@" (wget splits the userinfo at the first one), the
  // repos a raw "'" too; the other repo and proxy: "@" percent-encoded.
  const bootstrapRepo = credential('fuel', 'Rr', true);
  const updatesRepo = credential('fuel', 'Re', true);
  const httpProxy = credential('proxyuser', 'Ph');
  const httpsProxy = credential('proxyuser', 'Ps');
  const rootPassword = word('Root-');
  const secrets = [...[bootstrapRepo, updatesRepo, httpProxy, httpsProxy].flatMap(leakForms), rootPassword];

  function secretSpec(output: string, proxyPort: number): Record<string, any> {
    const spec = lightSpec(output, 'env_7_debian_12_amd64');
    const [base] = spec.repos as Array<Record<string, any>>;
    return {
      ...spec,
      repos: [
        { ...base, name: 'debian', uri: mirrorWithCredentials(mirror, bootstrapRepo.user, bootstrapRepo.password) },
        { ...base, name: 'debian-updates', uri: mirrorWithCredentials(mirror, updatesRepo.user, updatesRepo.encoded), suite: `${spec.codename}-updates` },
      ],
      proxies: {
        protocols: {
          http: `http://${httpProxy.user}:${httpProxy.password}@127.0.0.1:${proxyPort}`,
          // Never used (no https repo), but it goes wherever the http one goes.
          https: `http://${httpsProxy.user}:${httpsProxy.encoded}@127.0.0.1:${proxyPort}`,
        },
        direct_repo_addr_list: [],
      },
      root_password: rootPassword,
    };
  }

  it('a malformed spec holding them quotes none back', async () => {
    const spec = secretSpec(workDir(), 3128);
    const log = path.join(workDir(), 'malformed.log');
    const text = JSON.stringify(spec);
    const cases = [
      `${text.slice(0, -1)},}`, // not JSON
      JSON.stringify({ ...spec, codename: 'Bad Name' }), // valid JSON, invalid spec
      JSON.stringify({ ...spec, proxies: { ...spec.proxies, protocols: { http: `${spec.proxies.protocols.http}/"x` } } }), // the invalid field holds the secret
    ];
    for (const input of cases) {
      const run = await runCli(['-', '--log-file', log, '-v'], { input });
      assert.equal(run.exitCode, 2, run.stdout);
      assertNoSecret('stdout', run.stdout, secrets);
      assertNoSecret('stderr', run.stderr, secrets);
      assertNoSecret('the log file', await readFile(log, 'utf8').catch(() => ''), secrets);
    }
  });

  it('a real build with credentials in repo and proxy URIs and a root password: built through the proxy, no secret in stdout, stderr, log, metadata or image', async () => {
    assert.equal(mirror.protocol, 'http:', 'the test proxy forwards plain HTTP only');
    const proxy = await startFlakyProxy({ failShare: 0, seed: 1, allowHosts: [mirror.hostname], credentials: { user: httpProxy.user, password: httpProxy.password } });
    const out = path.join(workDir(), 'out');
    await mkdir(out);
    const log = path.join(workDir(), 'build.log');
    const spec = secretSpec(out, proxy.port);
    let run;
    try {
      // On stdin, as a secret should travel (an argument shows in ps).
      run = await runCli(['-', '--log-file', log, '-v'], { input: JSON.stringify(spec) });
    } finally {
      await proxy.close();
    }
    assert.equal(run.exitCode, 0, `build failed:\n${run.stdout}\n${run.stderr.slice(-4000)}`);
    assert.equal(run.result.outcome, 'success');

    // Every download went through the proxy, with the credentials decoded right (a wrong one gets 407).
    assert.equal(proxy.stats.status407, 0, JSON.stringify(proxy.stats));
    assert.equal(proxy.stats.refused, 0, JSON.stringify(proxy.stats));
    assert.ok(proxy.stats.authorized! >= 80, `a bootstrap and an install fetch more than ${proxy.stats.authorized} files: ${JSON.stringify(proxy.stats)}`);

    const logText = await readFile(log, 'utf8');
    assert.match(logText, /"step":"bootstrap-download"/, 'the log is the verbose one');
    const metadata = await readFile(run.result.metadata as string, 'utf8');
    assertNoSecret('stdout', run.stdout, secrets);
    assertNoSecret('stderr', run.stderr, secrets);
    assertNoSecret('the log file', logText, secrets);
    assertNoSecret('the metadata', metadata, secrets);
    const repos = (YAML.parse(metadata) as { repos: Array<{ uri: string }> }).repos.map((r) => r.uri);
    assert.deepEqual(repos, [`${mirror.protocol}//***@${mirror.host}${mirror.pathname.replace(/\/$/, '')}`, `${mirror.protocol}//***@${mirror.host}${mirror.pathname.replace(/\/$/, '')}`]);

    // The images: no secret in any file's bytes, and none of the build's apt settings left.
    const proxyAddress = `127.0.0.1:${proxy.port}`;
    for (const image of run.result.images as Array<{ file: string }>) {
      const raw = path.join(workDir(), path.basename(image.file, '.gz'));
      await gunzipTo(image.file, raw);
      // Lower case too: what wget took for a host name it prints lower-cased.
      const needles = [...new Set([...secrets, ...secrets.map((s) => s.toLowerCase()), proxyAddress])];
      assert.deepEqual(await fileHolds(raw, needles), [], `${path.basename(raw)} holds a secret or the proxy`);
    }
    const root = path.join(workDir(), path.basename((run.result.images as Array<{ mount_point: string; file: string }>).find((i) => i.mount_point === '/')!.file, '.gz'));
    const names = async (dir: string) => (await listDir(root, dir)).map((e) => e.name);
    assert.ok(!(await names('/etc/apt')).includes('sources.list'), 'the build’s sources.list is gone');
    assert.deepEqual((await names('/etc/apt/sources.list.d')).filter((n) => n.endsWith('.list') || n.endsWith('.sources')), []);
    const confs = await names('/etc/apt/apt.conf.d');
    assert.deepEqual(confs.filter((n) => n.includes('fuel-image')), []);
    for (const conf of confs) assert.doesNotMatch(await debugfs(root, `cat /etc/apt/apt.conf.d/${conf}`), /Proxy|127\.0\.0\.1/i, conf);
  });

  it('the helper image built behind a proxy carries no proxy in docker history or its config', async () => {
    assert.equal(mirror.protocol, 'http:', 'the test proxy forwards plain HTTP only');
    const id = randomBytes(4).toString('hex');
    const helperProxy = credential('helperuser', 'Hp');
    const noProxyHost = word('direct-').toLowerCase().replace(/[^a-z0-9-]/g, '');
    const proxy = await startFlakyProxy({ failShare: 0, seed: 2, allowHosts: [mirror.hostname], credentials: { user: helperProxy.user, password: helperProxy.password } });
    // A base of its own (the default one plus a label): a new context hash forces
    // a fresh build, and a new image id keeps the engine's build cache from
    // answering the RUN step without apt-get (and the proxy).
    const baseImage = `fuel-image-base:proxy-test-${id}`;
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    let helper: string | undefined;
    let baseMade = false;
    try {
      const context = path.join(workDir(), 'derived-base');
      await mkdir(context);
      await writeFile(path.join(context, 'Dockerfile'), `FROM ${DEFAULT_BASE_IMAGE}\nLABEL org.openstack.fuel-image.test=proxy-history-${id}\n`);
      const stream = await docker.buildImage(tar.pack(context) as unknown as NodeJS.ReadableStream, { t: baseImage, rm: true, forcerm: true });
      await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (error, output: Array<{ error?: string }>) => {
        const failure = error?.message ?? output.find((l) => l.error)?.error;
        return failure ? reject(new Error(failure)) : resolve();
      }));
      baseMade = true;

      const url = `http://${helperProxy.user}:${helperProxy.encoded}@127.0.0.1:${proxy.port}`;
      helper = await ensureHelperImage(docker, {
        baseImage,
        logger,
        proxies: { protocols: { http: url, https: url, ftp: url }, direct_repo_addr_list: [noProxyHost] } satisfies Spec['proxies'],
      });
      assert.equal(proxy.stats.status407, 0, JSON.stringify(proxy.stats));
      assert.ok(proxy.stats.authorized! >= 5, `apt-get in the Dockerfile went through the proxy: ${JSON.stringify(proxy.stats)}`);

      const history = (await execa('docker', ['history', '--no-trunc', helper])).stdout;
      const historyJson = JSON.stringify(await docker.getImage(helper).history());
      const inspect = (await execa('docker', ['image', 'inspect', helper])).stdout;
      assert.match(history, /apt-get update/, 'the history is the helper’s');
      const forbidden = [url, `http://${helperProxy.user}:${helperProxy.password}@`, `127.0.0.1:${proxy.port}`, helperProxy.user, ...leakForms(helperProxy), noProxyHost];
      for (const [where, text] of [['docker history', history], ['the Engine API history', historyJson], ['docker image inspect', inspect], ['the build log', lines.join('')]] as const) {
        assertNoSecret(where, text, where === 'the build log' ? leakForms(helperProxy) : forbidden);
        if (where !== 'the build log') assert.doesNotMatch(text, /_proxy=/i, `${where} records a proxy variable`);
      }
    } finally {
      await proxy.close();
      // Only what this test made: the helper (its context hash is this base's alone), then the base's tag.
      if (helper) await docker.getImage(helper).remove({ force: true }).catch(() => undefined);
      if (baseMade) await docker.getImage(baseImage).remove().catch(() => undefined);
    }
  });
});
