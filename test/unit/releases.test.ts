import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aptConfForVersion, aptFeatures, aptUpdateArgs } from '../../src/release/apt-features.js';
import { sshKeygenFiles } from '../../src/release/first-boot.js';
import { initramfsAside } from '../../src/release/initramfs-aside.js';
import { featuresFor, mkfsFeatures, NODE_AGENT_E2FSPROGS, readerOf, unexpectedFeatures } from '../../src/release/fs-features.js';
import { nodeAgentWarnings } from '../../src/release/node-agent-needs.js';
import {
  debootstrapExcludes,
  debootstrapScript,
  defaultKeyring,
  defaultPackages,
  familyOf,
  initSystemOf,
  RELEASES,
  releaseFields,
  validUntil,
} from '../../src/release/releases.js';
import { compareVersions } from '../../src/release/versions.js';

/*
 * Every release-specific decision, per release: no Ubuntu archive is
 * reachable from the machines that test this, so these are the proof for
 * Ubuntu, with bullseye/bookworm/trixie/forky also built for real.
 */

/** What the helper's debootstrap (Debian trixie, 1.0.141) has scripts for, in part. */
const TRIXIE_DEBOOTSTRAP = ['precise', 'trusty', 'xenial', 'bionic', 'focal', 'jammy', 'noble', 'oracular', 'gutsy', 'bullseye', 'bookworm', 'trixie', 'sid'];

const UBUNTU_LTS = [
  { codename: 'precise', apt: '0.8.16~exp12ubuntu10.28', init: 'upstart', e2fsprogs: '1.42' },
  { codename: 'trusty', apt: '1.0.1ubuntu2.24', init: 'upstart', e2fsprogs: '1.42.9' },
  { codename: 'xenial', apt: '1.2.35', init: 'systemd', e2fsprogs: '1.42.13' },
  { codename: 'bionic', apt: '1.6.17', init: 'systemd', e2fsprogs: '1.44.1' },
  { codename: 'focal', apt: '2.0.10', init: 'systemd', e2fsprogs: '1.45.5' },
  { codename: 'jammy', apt: '2.4.13', init: 'systemd', e2fsprogs: '1.46.5' },
  { codename: 'noble', apt: '2.7.14build2', init: 'systemd', e2fsprogs: '1.47.0' },
] as const;

describe('Ubuntu LTS releases', () => {
  for (const release of UBUNTU_LTS) {
    it(`${release.codename}: Ubuntu, its own debootstrap script, Ubuntu's keyring, ${release.init}`, () => {
      assert.equal(familyOf(release.codename), 'ubuntu');
      assert.equal(debootstrapScript(release.codename, 'ubuntu', TRIXIE_DEBOOTSTRAP), undefined);
      assert.equal(defaultKeyring('ubuntu'), '/usr/share/keyrings/ubuntu-archive-keyring.gpg');
      assert.deepEqual(defaultPackages('ubuntu'), ['ubuntu-minimal', 'linux-image-generic', 'grub-pc', 'openssh-server', 'ifupdown']);
      assert.equal(initSystemOf(release.codename), release.init);
      assert.equal(RELEASES[release.codename]!.init, release.init);
    });
  }

  it('a new Ubuntu release the helper has no script for builds with the generic one', () => {
    assert.equal(familyOf('resolute'), undefined);
    assert.equal(familyOf('resolute', 'Ubuntu'), 'ubuntu');
    assert.equal(debootstrapScript('resolute', 'ubuntu', TRIXIE_DEBOOTSTRAP), 'gutsy');
    assert.equal(initSystemOf('resolute'), 'systemd');
  });

  it('first-boot SSH host keys come from an upstart job on precise and trusty, a systemd unit from xenial on', () => {
    for (const release of UBUNTU_LTS) {
      const files = sshKeygenFiles(initSystemOf(release.codename));
      if (release.init === 'upstart') {
        assert.deepEqual(files.map((f) => f.name), ['etc/init/fuel-image-ssh-keygen.conf']);
        assert.match(files[0]!.content, /^start on starting ssh$/m);
      } else {
        assert.deepEqual(files.map((f) => f.name), ['etc/systemd/system/fuel-image-ssh-keygen.service', 'etc/systemd/system/multi-user.target.wants/fuel-image-ssh-keygen.service']);
        assert.match(files[0]!.content, /^Before=ssh\.service/m);
        assert.match(files[0]!.content, /^ConditionPathExistsGlob=!\/etc\/ssh\/ssh_host_\*_key$/m);
        assert.equal(files[1]!.symlink, '/etc/systemd/system/fuel-image-ssh-keygen.service');
      }
      // precise's OpenSSH 5.9 has no ssh-keygen -A: the package's configure step makes the keys.
      assert.match(files[0]!.content, /ssh-keygen -A \|\| dpkg-reconfigure -fnoninteractive openssh-server/);
    }
  });

  it('images every LTS release can read: the node agent e2fsprogs 1.42 features by default', () => {
    for (const release of UBUNTU_LTS) {
      const reader = readerOf('compatible', release.e2fsprogs);
      assert.equal(reader, NODE_AGENT_E2FSPROGS);
      const ext4 = mkfsFeatures('ext4', reader).split(',');
      assert.equal(ext4[0], 'none');
      assert.ok(!ext4.includes('metadata_csum') && !ext4.includes('64bit'));
      assert.ok(ext4.includes('extent') && ext4.includes('uninit_bg'));
    }
  });

  it('"target" features follow the target own e2fsprogs: metadata_csum from bionic (1.44) on, never for precise to xenial', () => {
    for (const release of UBUNTU_LTS) {
      const ext4 = mkfsFeatures('ext4', readerOf('target', release.e2fsprogs));
      const modern = compareVersions(release.e2fsprogs, '1.43') >= 0;
      assert.equal(ext4.includes('metadata_csum'), modern, release.codename);
      assert.equal(ext4.includes('64bit'), modern, release.codename);
      // grub before 2.12 refuses these, and grub is installed from the image.
      assert.ok(!ext4.includes('metadata_csum_seed') && !ext4.includes('orphan_file'));
    }
  });
});

describe('apt by version', () => {
  const cases = [
    { release: 'precise', apt: '0.8.16~exp12ubuntu10.28', unsignedIsError: false, errorOnAny: false, retryDelay: false },
    { release: 'trusty', apt: '1.0.1ubuntu2.24', unsignedIsError: false, errorOnAny: false, retryDelay: false },
    { release: 'xenial', apt: '1.2.35', unsignedIsError: false, errorOnAny: false, retryDelay: false },
    { release: 'bionic', apt: '1.6.17', unsignedIsError: true, errorOnAny: false, retryDelay: false },
    { release: 'focal', apt: '2.0.10', unsignedIsError: true, errorOnAny: false, retryDelay: false },
    { release: 'bullseye', apt: '2.2.4', unsignedIsError: true, errorOnAny: true, retryDelay: false },
    { release: 'jammy', apt: '2.4.13', unsignedIsError: true, errorOnAny: true, retryDelay: true },
    { release: 'bookworm', apt: '2.6.1', unsignedIsError: true, errorOnAny: true, retryDelay: true },
    { release: 'noble', apt: '2.7.14build2', unsignedIsError: true, errorOnAny: true, retryDelay: true },
    { release: 'trixie', apt: '3.0.3', unsignedIsError: true, errorOnAny: true, retryDelay: true },
  ];
  for (const c of cases) {
    it(`${c.release} (apt ${c.apt})`, () => {
      const features = aptFeatures(c.apt);
      assert.equal(features.unsignedIsError, c.unsignedIsError, 'unsigned repos fail apt-get update');
      assert.equal(features.guardsReleaseInfo, c.unsignedIsError, 'a changed Label needs accepting (apt >= 1.5)');
      assert.equal(features.errorOnAny, c.errorOnAny);
      assert.equal(features.retryDelay, c.retryDelay);
      const conf = aptConfForVersion(features, { checkValidUntil: true });
      // A retried `apt-get update` after our relabelling must be accepted where apt checks it.
      assert.equal(conf.includes('Acquire::AllowReleaseInfoChange::Label "true";'), features.guardsReleaseInfo);
      assert.equal(conf.includes('Acquire::Retries::Delay "false";'), c.retryDelay);
      assert.ok(!conf.some((line) => /Check-Valid-Until/.test(line)));
      assert.deepEqual(aptUpdateArgs(features), c.errorOnAny ? ['--error-on=any'] : []);
      assert.ok(aptConfForVersion(features, { checkValidUntil: false }).includes('Acquire::Check-Valid-Until "false";'));
    });
  }
});

describe('Debian releases', () => {
  it('bullseye, bookworm and trixie have their own scripts; forky, which bookworm debootstrap lacks, gets sid', () => {
    for (const codename of ['bullseye', 'bookworm', 'trixie', 'forky']) assert.equal(familyOf(codename), 'debian');
    assert.equal(debootstrapScript('trixie', 'debian', TRIXIE_DEBOOTSTRAP), undefined);
    const bookwormDebootstrap = ['bullseye', 'bookworm', 'trixie', 'sid', 'gutsy', 'noble'];
    assert.equal(debootstrapScript('forky', 'debian', bookwormDebootstrap), 'sid');
    assert.equal(defaultKeyring('debian'), '/usr/share/keyrings/debian-archive-keyring.gpg');
    assert.ok(defaultPackages('debian').includes('grub-pc') && defaultPackages('debian').includes('ifupdown'));
  });

  it('tells the family of an unknown codename from the Release file Origin', () => {
    const release = '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Debian\nLabel: Debian\nSuite: testing\nCodename: duke\nValid-Until: Fri, 06 Nov 2026 08:08:01 UTC\nSHA256:\n abc 1 main/x\n';
    assert.equal(familyOf('duke', releaseFields(release).Origin), 'debian');
    assert.equal(familyOf('duke', 'Mirantis'), undefined);
    assert.equal(validUntil(release)?.toISOString(), '2026-11-06T08:08:01.000Z');
    assert.equal(validUntil('Origin: Debian\nSuite: stable\n'), undefined);
  });

  it('what debootstrap keeps out although a dependency names it first: usrmerge from bookworm on, as its debian-common script does', () => {
    for (const codename of ['jessie', 'stretch', 'buster', 'bullseye']) assert.deepEqual(debootstrapExcludes(codename, 'debian'), [], codename);
    // bookworm installs usr-is-merged instead; later releases (and a codename the table does not know, built with sid's script) prune it.
    for (const codename of ['bookworm', 'trixie', 'forky', 'sid', 'duke']) assert.deepEqual(debootstrapExcludes(codename, 'debian'), ['usrmerge'], codename);
    // Ubuntu's script (gutsy) excludes nothing, whatever the release.
    for (const { codename } of UBUNTU_LTS) assert.deepEqual(debootstrapExcludes(codename, 'ubuntu'), [], codename);
    assert.deepEqual(debootstrapExcludes('questing', 'ubuntu'), []);
  });

  it('dumpe2fs features outside the table are caught', () => {
    assert.deepEqual(unexpectedFeatures('ext4', '1.42.13', ['has_journal', 'extent', 'metadata_csum', 'orphan_file']), ['metadata_csum', 'orphan_file']);
    assert.deepEqual(unexpectedFeatures('ext2', '1.42.13', featuresFor('ext2', '1.42.13')), []);
    assert.deepEqual(unexpectedFeatures('ext2', '1.42.13', ['has_journal']), ['has_journal']);
  });
});

describe('what the node agent will miss', () => {
  it('names grub and ifupdown when the tree lacks them, and the package that fixes it', () => {
    assert.deepEqual(nodeAgentWarnings({ grubInstall: true, grubMkconfig: true, ifupdown: true }), []);
    const warnings = nodeAgentWarnings({ grubInstall: false, grubMkconfig: false, ifupdown: false });
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /grub-install.*add grub-pc/);
    assert.match(warnings[1]!, /ifupdown.*add ifupdown/);
  });
});

describe('versions', () => {
  it('compares Debian versions by their release numbers', () => {
    assert.ok(compareVersions('1:2.6.1', '2.3') > 0);
    assert.ok(compareVersions('1.0.1ubuntu2', '1.5') < 0);
    assert.ok(compareVersions('0.8.16~exp12ubuntu10', '1.5') < 0);
    assert.equal(compareVersions('2.1.16', '2.1.16'), 0);
    assert.ok(compareVersions('2.1.15', '2.1.16') < 0);
  });
});

describe('the initramfs beside the root image', () => {
  const layout = ['/', '/boot'];
  // Each release's initramfs-tools: only those that write nothing outside /boot leave the root image free to be made meanwhile.
  const versions: Array<[string, string, boolean]> = [
    ['trusty', '0.103ubuntu4.11', false],
    ['xenial', '0.122ubuntu8.17', false],
    ['bionic', '0.130ubuntu3.13', false],
    ['focal', '0.136ubuntu6.7', false],
    ['jammy', '0.140ubuntu13.4', true],
    ['noble', '0.142ubuntu25.5', true],
    ['bullseye', '0.140', true],
    ['bookworm', '0.142+deb12u3', true],
    ['trixie', '0.148.3', true],
  ];
  for (const [release, version, aside] of versions)
    it(`${release} (initramfs-tools ${version}): ${aside ? 'aside' : 'in place, before the root image'}`, () => {
      assert.equal(initramfsAside(version, layout), aside);
    });

  it('never without a /boot image (the initrd is in the root image) or without initramfs-tools', () => {
    assert.equal(initramfsAside('0.142', ['/']), false);
    assert.equal(initramfsAside('0.142', ['/', '/var']), false);
    assert.equal(initramfsAside(undefined, layout), false);
  });
});
