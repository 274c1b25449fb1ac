/*
 * What the build needs to know of a release before anything is installed.
 * Known releases come from this table; any other codename is placed in its
 * family by the Origin of repos[0]'s Release file, and built with the
 * family's generic debootstrap script when the helper has none for it.
 */

export type Family = 'debian' | 'ubuntu';
export type InitSystem = 'systemd' | 'upstart';

export interface ReleaseInfo {
  family: Family;
  version: string;
  /** What the release boots with by default. */
  init: InitSystem;
  /** The release's own apt and e2fsprogs, for tests and documentation; the build reads them from the tree. */
  apt: string;
  e2fsprogs: string;
}

export const RELEASES: Readonly<Record<string, ReleaseInfo>> = {
  precise: { family: 'ubuntu', version: '12.04', init: 'upstart', apt: '0.8.16~exp12ubuntu10', e2fsprogs: '1.42' },
  trusty: { family: 'ubuntu', version: '14.04', init: 'upstart', apt: '1.0.1ubuntu2', e2fsprogs: '1.42.9' },
  xenial: { family: 'ubuntu', version: '16.04', init: 'systemd', apt: '1.2.10ubuntu1', e2fsprogs: '1.42.13' },
  bionic: { family: 'ubuntu', version: '18.04', init: 'systemd', apt: '1.6.1', e2fsprogs: '1.44.1' },
  focal: { family: 'ubuntu', version: '20.04', init: 'systemd', apt: '2.0.2', e2fsprogs: '1.45.5' },
  jammy: { family: 'ubuntu', version: '22.04', init: 'systemd', apt: '2.4.5', e2fsprogs: '1.46.5' },
  noble: { family: 'ubuntu', version: '24.04', init: 'systemd', apt: '2.7.14', e2fsprogs: '1.47.0' },
  oracular: { family: 'ubuntu', version: '24.10', init: 'systemd', apt: '2.9.8', e2fsprogs: '1.47.1' },
  plucky: { family: 'ubuntu', version: '25.04', init: 'systemd', apt: '3.0.0', e2fsprogs: '1.47.2' },
  questing: { family: 'ubuntu', version: '25.10', init: 'systemd', apt: '3.1.6', e2fsprogs: '1.47.2' },
  jessie: { family: 'debian', version: '8', init: 'systemd', apt: '1.0.9.8', e2fsprogs: '1.42.12' },
  stretch: { family: 'debian', version: '9', init: 'systemd', apt: '1.4.11', e2fsprogs: '1.43.4' },
  buster: { family: 'debian', version: '10', init: 'systemd', apt: '1.8.2', e2fsprogs: '1.44.5' },
  bullseye: { family: 'debian', version: '11', init: 'systemd', apt: '2.2.4', e2fsprogs: '1.46.2' },
  bookworm: { family: 'debian', version: '12', init: 'systemd', apt: '2.6.1', e2fsprogs: '1.47.0' },
  trixie: { family: 'debian', version: '13', init: 'systemd', apt: '3.0.3', e2fsprogs: '1.47.2' },
  forky: { family: 'debian', version: '14', init: 'systemd', apt: '3.1.11', e2fsprogs: '1.47.2' },
  sid: { family: 'debian', version: 'unstable', init: 'systemd', apt: '3.1.11', e2fsprogs: '1.47.2' },
};

/**
 * The family of a codename: from the table, else from the Origin field of
 * repos[0]'s Release file ("Ubuntu", "Debian"); undefined when neither says.
 */
export function familyOf(codename: string, releaseOrigin?: string): Family | undefined {
  const known = RELEASES[codename];
  if (known) return known.family;
  const origin = releaseOrigin?.trim().toLowerCase();
  if (origin === 'ubuntu') return 'ubuntu';
  if (origin === 'debian') return 'debian';
  return undefined;
}

/** What the release boots with: the table's word, else systemd (every release since 2016 does). */
export function initSystemOf(codename: string): InitSystem {
  return RELEASES[codename]?.init ?? 'systemd';
}

/** debootstrap's catch-all scripts: every later release of the family builds with them. */
const GENERIC_SCRIPT: Record<Family, string> = { ubuntu: 'gutsy', debian: 'sid' };

/**
 * The script argument for debootstrap: none when the helper's debootstrap
 * knows the codename, else the family's generic script.
 */
export function debootstrapScript(codename: string, family: Family, available: readonly string[]): string | undefined {
  return available.includes(codename) ? undefined : GENERIC_SCRIPT[family];
}

/** The keyring in the helper that checks the family's archive (Debian trixie ships both). */
export function defaultKeyring(family: Family): string {
  return family === 'ubuntu' ? '/usr/share/keyrings/ubuntu-archive-keyring.gpg' : '/usr/share/keyrings/debian-archive-keyring.gpg';
}

/**
 * Installed when the spec has no `packages`: a kernel, the bootloader and
 * network configuration Fuel's node agent sets up, and a way in.
 */
export function defaultPackages(family: Family): string[] {
  return family === 'ubuntu'
    ? ['ubuntu-minimal', 'linux-image-generic', 'grub-pc', 'openssh-server', 'ifupdown']
    : ['linux-image-amd64', 'grub-pc', 'systemd-sysv', 'openssh-server', 'ifupdown'];
}

/** The fields of a Release file's header paragraph (after any PGP armour). */
export function releaseFields(release: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of release.split('\n')) {
    if (line === '' && Object.keys(fields).length > 0) break;
    const match = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$/.exec(line);
    if (match && !/^(MD5Sum|SHA1|SHA256|SHA512|Hash)$/.test(match[1]!)) fields[match[1]!] = match[2]!.trim();
    if (/^(MD5Sum|SHA1|SHA256|SHA512):/.test(line)) break;
  }
  return fields;
}

/** When a Release file stops being valid (its Valid-Until), if it says. */
export function validUntil(release: string): Date | undefined {
  const value = releaseFields(release)['Valid-Until'];
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Debian releases before the merged-/usr transition: debootstrap's
 * debian-common script excludes nothing for them (every later codename,
 * known or built with sid's script, falls in its catch-all case).
 */
const DEBIAN_BEFORE_USR_IS_MERGED = /^(etch.*|lenny|squeeze|wheezy|jessie.*|stretch|buster|bullseye)$/;

/**
 * Packages debootstrap keeps out of the base system although a dependency
 * names them first: from bookworm on, Debian's script satisfies
 * "usrmerge | usr-is-merged" with usr-is-merged (the tree is merged
 * already), where usrmerge would bring perl and its modules. apt, fetching
 * the same set ahead (prefetch-debs.sh), is told never to pick them, so it
 * fetches what debootstrap installs and nothing more. Ubuntu's script
 * (gutsy) excludes nothing.
 */
export function debootstrapExcludes(codename: string, family: Family): string[] {
  if (family !== 'debian' || DEBIAN_BEFORE_USR_IS_MERGED.test(codename)) return [];
  return ['usrmerge'];
}
