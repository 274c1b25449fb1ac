import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aptListFileName, groupRepos, releaseListNames, releaseListsIndex, releaseSignature, repoOfUrl } from '../../src/apt/release-files.js';
import { pinPreferences } from '../../src/apt/pins.js';
import type { Repo } from '../../src/input/schema.js';

const repo = (uri: string, suite: string, section: string, priority: number | null = null): Repo => ({ name: 'r', uri, suite, section, priority, type: 'deb' });

describe('per-repo pins', () => {
  it('names list files the way apt does', () => {
    assert.equal(aptListFileName('http://mirror.example/debian/dists/bookworm/InRelease'), 'mirror.example_debian_dists_bookworm_InRelease');
    assert.equal(aptListFileName('http://user:pw@127.0.0.1:8080/2014.2-6.1/ubuntu/x86_64/dists/mos6.1-updates/Release'), '127.0.0.1:8080_2014.2-6.1_ubuntu_x86%5f64_dists_mos6.1-updates_Release');
    assert.equal(aptListFileName('file:/srv/repo/./Release'), '_srv_repo_._Release');
  });

  it('finds the Release file of dists-style and flat repos', () => {
    assert.deepEqual(releaseListNames(repo('http://h/debian', 'bookworm', 'main')).slice(0, 2), ['h_debian_dists_bookworm_InRelease', 'h_debian_dists_bookworm_Release']);
    assert.ok(releaseListNames(repo('http://h/flat', './', '')).includes('h_flat_._InRelease'));
    assert.ok(releaseListNames(repo('http://h/flat', './', '')).includes('h_flat_InRelease'));
  });

  it('gives each repo its own label, even on a shared host and suite', () => {
    const repos = [repo('http://h/a', 'trusty', 'main', 1001), repo('http://h/b', 'trusty', 'main', 500), repo('http://h/a', 'trusty', 'restricted', 1050)];
    const groups = groupRepos(repos);
    assert.deepEqual(groups.map((g) => g.repos), [[0, 2], [1]]);
    const prefs = pinPreferences(repos);
    assert.match(prefs, /Pin: release l=fuel-image-repo-0,c=main\nPin-Priority: 1001/);
    assert.match(prefs, /Pin: release l=fuel-image-repo-1\nPin-Priority: 500/);
    assert.match(prefs, /Pin: release l=fuel-image-repo-0,c=restricted\nPin-Priority: 1050/);
    assert.doesNotMatch(prefs, /origin/);
    assert.match(pinPreferences(repos, new Set([1])), /Pin: origin "h"\nPin-Priority: 500/);
  });

  it('finds the repo and the index path behind a URL apt failed to fetch', () => {
    const repos = [repo('http://u:pw@h/debian', 'bookworm', 'main'), repo('http://h/flat', './', '')];
    assert.deepEqual(repoOfUrl(repos, 'http://h/debian/dists/bookworm/main/binary-amd64/Packages.xz'), { index: 0, path: 'main/binary-amd64/Packages.xz' });
    assert.deepEqual(repoOfUrl(repos, 'http://h/flat/./Packages'), { index: 1, path: 'Packages' });
    assert.deepEqual(repoOfUrl(repos, 'http://h/flat/Packages'), { index: 1, path: 'Packages' });
    assert.equal(repoOfUrl(repos, 'http://other/debian/dists/bookworm/main/binary-amd64/Packages'), undefined);
  });

  it('tells an index the Release file lists (a mirror mid-sync) from one it does not (a wrong section)', () => {
    const release = 'Origin: Debian\nSHA256:\n 0123 4567 main/binary-amd64/Packages.xz\n 89ab 100 main/binary-amd64/Release\n';
    assert.ok(releaseListsIndex(release, 'main/binary-amd64/Packages'));
    assert.ok(releaseListsIndex(release, 'main/binary-amd64/Packages.gz'));
    assert.ok(!releaseListsIndex(release, 'nosuch/binary-amd64/Packages.xz'));
  });

  it('tells signed, unsigned and missing Release files from the lists directory (apt before 1.5 only warns)', () => {
    const r = repo('http://h/debian', 'trusty', 'main');
    assert.equal(releaseSignature(r, new Set(['h_debian_dists_trusty_InRelease'])), 'signed');
    assert.equal(releaseSignature(r, new Set(['h_debian_dists_trusty_Release', 'h_debian_dists_trusty_Release.gpg'])), 'signed');
    assert.equal(releaseSignature(r, new Set(['h_debian_dists_trusty_Release'])), 'unsigned');
    assert.equal(releaseSignature(r, new Set()), 'missing');
  });
});
