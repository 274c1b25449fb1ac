import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyInstallFailure, classifyUpdateFailure } from '../../src/apt/failures.js';
import { proxyEnv } from '../../src/stages/target-env.js';
import { pinPreferences } from '../../src/apt/pins.js';
import { planBuild } from '../../src/plan/plan-build.js';
import { buildAptConf, sourceLine, sourcesList } from '../../src/apt/target-files.js';
import { redactSecrets } from '../../src/log/redact.js';
import { parseSpec } from '../../src/input/read-spec.js';
import { unitSpec as exampleSpec } from '../helpers/specs.js';

const repo = (extra: Record<string, unknown>) => parseSpec(JSON.stringify(exampleSpec({ repos: [{ name: 'r', uri: 'http://m/d', suite: 'bookworm', ...extra }] }))).repos[0]!;
const result = (outputTail: string) => ({ exitCode: 100, stdout: '', outputTail });

describe('apt files for the build', () => {
  it('writes one deb line per repo; an empty section is a flat repo', () => {
    assert.equal(sourceLine(repo({ section: 'main contrib' }), false), 'deb http://m/d bookworm main contrib');
    assert.equal(sourceLine(repo({ section: '', suite: './' }), false), 'deb http://m/d ./');
    assert.equal(sourceLine(repo({ section: 'main' }), true), 'deb [trusted=yes] http://m/d bookworm main');
    const plan = planBuild(parseSpec(JSON.stringify(exampleSpec())));
    assert.match(sourcesList(plan, { checkGpg: true }), /^deb http:\/\/mirror\.example\/debian bookworm main$/m);
  });

  it('pins only repos with a numeric priority', () => {
    const prefs = pinPreferences([repo({ priority: 1001 }), repo({ priority: null })]);
    assert.equal((prefs.match(/Pin-Priority/g) ?? []).length, 1);
    assert.match(prefs, /Pin-Priority: 1001/);
  });

  it('routes apt and debootstrap through the spec proxies, except direct hosts', () => {
    const plan = planBuild(parseSpec(JSON.stringify(exampleSpec({ proxies: { protocols: { http: 'http://u:pw@proxy:3128' }, direct_repo_addr_list: ['10.20.0.2'] } }))));
    assert.match(buildAptConf(plan), /Acquire::http::Proxy "http:\/\/u:pw@proxy:3128";/);
    assert.match(buildAptConf(plan), /Acquire::http::Proxy::10\.20\.0\.2 "DIRECT";/);
    assert.deepEqual(proxyEnv(plan.spec), ['http_proxy=http://u:pw@proxy:3128', 'no_proxy=10.20.0.2']);
  });

  it('redacts credentials in URLs', () => {
    assert.equal(redactSecrets('E: http://user:s3cret@proxy:3128/x failed'), 'E: http://***@proxy:3128/x failed');
    assert.equal(redactSecrets('http://host/path'), 'http://host/path');
  });
});

describe('apt failures that no retry fixes', () => {
  it('names a package no repo has', () => {
    const error = classifyInstallFailure(result('Reading package lists...\nE: Unable to locate package no-such-pkg'));
    assert.equal(error?.code, 'PACKAGE_NOT_FOUND');
    assert.match(error!.message, /no-such-pkg/);
    assert.equal(classifyInstallFailure(result("E: Package 'vim' has no installation candidate"))?.code, 'PACKAGE_NOT_FOUND');
  });

  it('leaves network trouble to the retry', () => {
    assert.equal(classifyInstallFailure(result('E: Failed to fetch http://m/pool/a.deb  Connection failed')), undefined);
    assert.equal(classifyUpdateFailure(result('E: Failed to fetch http://m/dists/x/InRelease  503  Service Unavailable')), undefined);
    assert.equal(classifyUpdateFailure(result('Hash Sum mismatch')), undefined);
  });

  it('names a repo without a Release file', () => {
    const error = classifyUpdateFailure(result("E: The repository 'http://m/d nosuch Release' does not have a Release file."));
    assert.equal(error?.code, 'REPO_NOT_FOUND');
    assert.match(error!.message, /http:\/\/m\/d nosuch/);
  });
});
