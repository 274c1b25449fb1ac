import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proxyBuildArgs } from '../../src/helper/helper-image.js';
import { engineUsesSelinux, helperSecurityOpt } from '../../src/helper/helper-session.js';
import { Spec } from '../../src/input/schema.js';
import { unitSpec } from '../helpers/specs.js';

/* What the helper gets from the host it runs on: the spec's proxies for its image build, SELinux. */
describe('proxies reach the helper image build as build arguments', () => {
  const proxiesOf = (proxies: unknown) => Spec.parse(unitSpec({ proxies })).proxies;

  it('maps each protocol to Docker predefined proxy arguments, upper and lower case', () => {
    const args = proxyBuildArgs(
      proxiesOf({
        protocols: { http: 'http://proxy.local:3128', https: 'http://user:secret@proxy.local:3129', ftp: 'ftp://proxy.local:21' },
        direct_repo_addr_list: ['127.0.0.1', 'mirror.local'],
      }),
    );
    assert.deepEqual(args, {
      HTTP_PROXY: 'http://proxy.local:3128',
      http_proxy: 'http://proxy.local:3128',
      HTTPS_PROXY: 'http://user:secret@proxy.local:3129',
      https_proxy: 'http://user:secret@proxy.local:3129',
      FTP_PROXY: 'ftp://proxy.local:21',
      ftp_proxy: 'ftp://proxy.local:21',
      NO_PROXY: '127.0.0.1,mirror.local',
      no_proxy: '127.0.0.1,mirror.local',
    });
  });

  it('only what the spec sets; nothing without proxies', () => {
    assert.deepEqual(proxyBuildArgs(proxiesOf({ protocols: { http: 'http://proxy.local:3128' } })), {
      HTTP_PROXY: 'http://proxy.local:3128',
      http_proxy: 'http://proxy.local:3128',
    });
    assert.deepEqual(proxyBuildArgs(proxiesOf({ direct_repo_addr_list: ['10.0.0.1'] })), { NO_PROXY: '10.0.0.1', no_proxy: '10.0.0.1' });
    assert.deepEqual(proxyBuildArgs(undefined), {});
  });

  it('uses only names Docker predefines (kept out of docker history), never BASE_IMAGE', () => {
    const predefined = new Set(['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap((n) => [n, n.toLowerCase()]));
    const args = proxyBuildArgs(proxiesOf({ protocols: { http: 'http://a:1', https: 'http://b:2', ftp: 'ftp://c:3' }, direct_repo_addr_list: ['d'] }));
    for (const name of Object.keys(args)) assert.ok(predefined.has(name), name);
  });
});

describe('helper security options', () => {
  it('finds SELinux among the engine SecurityOptions', () => {
    assert.equal(engineUsesSelinux(['name=seccomp,profile=builtin', 'name=selinux', 'name=cgroupns']), true);
    assert.equal(engineUsesSelinux(['name=apparmor', 'name=seccomp,profile=builtin', 'name=cgroupns']), false);
    assert.equal(engineUsesSelinux(['name=selinux,profile=x']), true);
    assert.equal(engineUsesSelinux(['name=selinuxish']), false);
    assert.equal(engineUsesSelinux(undefined), false);
    assert.equal(engineUsesSelinux([]), false);
  });

  it('adds label=disable on SELinux engines; privileged needs neither', () => {
    assert.deepEqual(helperSecurityOpt({ privileged: false, selinux: false }), ['apparmor=unconfined']);
    assert.deepEqual(helperSecurityOpt({ privileged: false, selinux: true }), ['apparmor=unconfined', 'label=disable']);
    assert.deepEqual(helperSecurityOpt({ privileged: true, selinux: true }), []);
  });
});
