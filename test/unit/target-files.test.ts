import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyInstallFailure, readUpdateOutput } from '../../src/apt/failures.js';
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

  it('gives apt and wget a password with "@" percent-encoded (wget would take what follows the first "@" for the host)', () => {
    const plan = planBuild(
      parseSpec(JSON.stringify(exampleSpec({ repos: [{ name: 'r', uri: 'http://u:r@pw@m/d', suite: 'bookworm', section: 'main' }], proxies: { protocols: { http: 'http://u:p@pw@proxy:3128' } } }))),
    );
    assert.match(buildAptConf(plan), /Acquire::http::Proxy "http:\/\/u:p%40pw@proxy:3128";/);
    assert.deepEqual(proxyEnv(plan.spec), ['http_proxy=http://u:p%40pw@proxy:3128']);
    assert.equal(sourceLine(plan.spec.repos[0]!, false), 'deb http://u:r%40pw@m/d bookworm main');
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
  });
});

describe('what apt-get update said', () => {
  it('reads unsigned repos, expired Release files, missing components and failed indexes, in the words of old and new apt', () => {
    const report = readUpdateOutput(
      [
        "E: The repository 'http://m/d nosuch Release' does not have a Release file.",
        "W: The repository 'http://m/flat ./ Release' is not signed.",
        'E: Release file for http://m/debian/dists/forky/InRelease is expired (invalid since 20d 6h 24min 47s). Updates for this repository will not be applied.',
        "W: Skipping acquire of configured file 'nosuch/binary-amd64/Packages' as repository 'http://m/debian bookworm InRelease' doesn't have the component 'nosuch' (component misspelt in sources.list?)",
        'W: Failed to fetch http://m/debian/dists/bookworm/main/binary-amd64/Packages.xz  404  Not Found [IP: 127.0.0.1 80]',
        'E: Failed to fetch http://m/debian/dists/bookworm/contrib/binary-amd64/Packages  503  Service Unavailable',
        'E: Failed to fetch http://m/debian/dists/bookworm/InRelease  503  Service Unavailable',
        'W: Some index files failed to download. They have been ignored, or old ones used instead.',
      ].join('\n'),
    );
    assert.deepEqual(report.unsigned, ['http://m/d nosuch', 'http://m/flat ./']);
    assert.deepEqual(report.expired, [{ url: 'http://m/debian/dists/forky/InRelease', since: '20d 6h 24min 47s' }]);
    assert.deepEqual(report.missingComponents, [{ repo: 'http://m/debian bookworm', component: 'nosuch' }]);
    // Release files are the unsigned/missing case above, not an index failure.
    assert.deepEqual(report.failedIndexes, [
      { url: 'http://m/debian/dists/bookworm/main/binary-amd64/Packages.xz', notFound: true },
      { url: 'http://m/debian/dists/bookworm/contrib/binary-amd64/Packages', notFound: false },
    ]);
    assert.equal(report.incomplete, true);
    assert.equal(report.untrustedKey, false);
    assert.equal(readUpdateOutput('Hit:1 http://m/debian bookworm InRelease\nReading package lists...').incomplete, false);
  });
});
