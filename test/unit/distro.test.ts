import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPackages, familyOf, mkfsFeatures } from '../../src/release/distro.js';

describe('release-dependent choices', () => {
  it('tells Ubuntu from Debian by codename', () => {
    assert.equal(familyOf('trusty'), 'ubuntu');
    assert.equal(familyOf('noble'), 'ubuntu');
    assert.equal(familyOf('bookworm'), 'debian');
  });

  it('has a default package set with a kernel for each family', () => {
    assert.ok(defaultPackages('bookworm').includes('linux-image-amd64'));
    assert.ok(defaultPackages('trusty').includes('linux-image-generic'));
  });

  it('never enables features older grub or e2fsprogs refuse', () => {
    for (const codename of ['precise', 'trusty', 'xenial', 'bookworm', 'trixie', 'noble']) {
      for (const format of ['ext2', 'ext3', 'ext4'] as const) {
        const features = mkfsFeatures(format, codename).split(',');
        assert.equal(features[0], 'none', 'the list starts from nothing, not from the helper defaults');
        assert.ok(!features.includes('metadata_csum_seed') && !features.includes('orphan_file'));
      }
    }
    assert.ok(!mkfsFeatures('ext4', 'trusty').includes('metadata_csum'));
    assert.ok(!mkfsFeatures('ext4', 'trusty').includes('64bit'));
    assert.ok(mkfsFeatures('ext4', 'bookworm').includes('metadata_csum'));
    assert.ok(!mkfsFeatures('ext2', 'bookworm').includes('has_journal'));
    assert.ok(mkfsFeatures('ext3', 'bookworm').includes('has_journal'));
    assert.ok(!mkfsFeatures('ext3', 'bookworm').includes('extent'));
  });
});
