import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FuelImageError } from '../errors.js';

/**
 * The Debian mirror the example spec, the base image and the tests use: never
 * a fixed host, since an air-gapped Fuel master reaches only its local mirror.
 *
 * Order: the FUEL_IMAGE_MIRROR environment variable; else the first suitable
 * `deb` entry of the host's deb822 files (/etc/apt/sources.list.d/*.sources,
 * by name); else of its one-line files (/etc/apt/sources.list, then
 * sources.list.d/*.list). Suitable: enabled, http(s) or ftp, not a security
 * archive, and serving a Debian suite (the host's own codename first), so a
 * third-party repo or an Ubuntu archive is never taken for the Debian mirror.
 */
export const MIRROR_ENV = 'FUEL_IMAGE_MIRROR';

/** One URI of an apt source with the suites it is used for. */
export interface AptSource {
  uri: string;
  suites: string[];
  /** The file it was read from, for messages. */
  file: string;
}

export interface FindMirrorOptions {
  env?: NodeJS.ProcessEnv;
  /** Where /etc is looked for (tests pass a temporary directory). */
  root?: string;
}

/** Debian's suite names and codenames; with the host's own codename, what marks a Debian archive. */
const DEBIAN_SUITES = new Set([
  'stable', 'testing', 'unstable', 'oldstable', 'oldoldstable', 'experimental', 'sid',
  'jessie', 'stretch', 'buster', 'bullseye', 'bookworm', 'trixie', 'forky', 'duke',
]);
const SUITE_SUFFIX = /-(updates|backports|backports-sloppy|proposed-updates)$/;
const FALSE_WORDS = new Set(['no', 'false', 'without', 'off', 'disable']);
const SCHEMES = new Set(['http:', 'https:', 'ftp:']);

/** The `deb` entries of a deb822 .sources file; disabled stanzas are left out. */
export function parseDeb822Sources(text: string, file = ''): AptSource[] {
  const sources: AptSource[] = [];
  for (const stanza of deb822Stanzas(text)) {
    const types = words(stanza.get('types'));
    if (!types.includes('deb') || FALSE_WORDS.has((stanza.get('enabled') ?? 'yes').trim().toLowerCase())) continue;
    const suites = words(stanza.get('suites'));
    if (suites.length === 0) continue;
    for (const uri of words(stanza.get('uris'))) sources.push({ uri, suites, file });
  }
  return sources;
}

/** Stanzas as lower-cased field name → value; comment lines (also between fields) are dropped. */
function deb822Stanzas(text: string): Array<Map<string, string>> {
  const stanzas: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    if (line.trim() === '') {
      if (current.size > 0) stanzas.push(current);
      current = new Map();
      last = undefined;
    } else if (/^\s/.test(line)) {
      if (last !== undefined) current.set(last, `${current.get(last)}\n${line.trim()}`);
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      current.set(last, line.slice(colon + 1).trim());
    }
  }
  if (current.size > 0) stanzas.push(current);
  return stanzas;
}

/** The `deb` lines of a one-line sources.list: `deb [options] uri suite [components]`, `#` starts a comment. */
export function parseOneLineSources(text: string, file = ''): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    const match = /^deb\s+(?:\[[^\]]*\]\s*)?(\S+)\s+(\S+)/.exec(line);
    if (match) sources.push({ uri: match[1]!, suites: [match[2]!], file });
  }
  return sources;
}

function words(value: string | undefined): string[] {
  return value ? value.split(/\s+/).filter(Boolean) : [];
}

function isSecuritySuite(suite: string): boolean {
  return suite.endsWith('-security') || suite.endsWith('/updates');
}

function uriPath(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    return SCHEMES.has(url.protocol) ? url.pathname.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The first source that is a Debian archive: one serving the host's codename
 * (when the host is Debian) first, then one serving any Debian suite. Security
 * archives and non-http(s)/ftp URIs (cdrom:, file:, mirror+...) never qualify.
 */
export function pickDebianMirror(sources: AptSource[], hostCodename?: string): AptSource | undefined {
  const usable = sources
    .filter((s) => {
      const p = uriPath(s.uri);
      return p !== undefined && !p.endsWith('-security');
    })
    .map((s) => ({ ...s, suites: s.suites.filter((suite) => !isSecuritySuite(suite)) }))
    .filter((s) => s.suites.length > 0);
  const serves = (names: Set<string>) => usable.find((s) => s.suites.some((suite) => names.has(suite.replace(SUITE_SUFFIX, ''))));
  return (hostCodename ? serves(new Set([hostCodename])) : undefined) ?? serves(DEBIAN_SUITES);
}

/** Checks a mirror URI and drops its trailing slashes. */
export function normaliseMirror(uri: string, from: string): string {
  const trimmed = uri.trim().replace(/\/+$/, '');
  let ok = false;
  try {
    ok = ['http:', 'https:', 'ftp:', 'file:'].includes(new URL(trimmed).protocol) && !/\s/.test(trimmed);
  } catch {
    // not a URL
  }
  if (!ok) throw new FuelImageError('USAGE', `${from}: "${uri}" is not an http://, https://, ftp:// or file:// URL of a Debian mirror`);
  return trimmed;
}

/** The Debian mirror to use (see the top of this file); a USAGE error naming FUEL_IMAGE_MIRROR when there is none. */
export function findDebianMirror({ env = process.env, root = '/' }: FindMirrorOptions = {}): string {
  const fromEnv = env[MIRROR_ENV]?.trim();
  if (fromEnv) return normaliseMirror(fromEnv, MIRROR_ENV);

  const apt = path.join(root, 'etc/apt');
  const listDir = path.join(apt, 'sources.list.d');
  const names = listDirectory(listDir).sort();
  const deb822 = names.filter((n) => n.endsWith('.sources')).flatMap((n) => parseDeb822Sources(readText(path.join(listDir, n)) ?? '', path.join(listDir, n)));
  const oneLineFiles = [path.join(apt, 'sources.list'), ...names.filter((n) => n.endsWith('.list')).map((n) => path.join(listDir, n))];
  const oneLine = oneLineFiles.flatMap((file) => parseOneLineSources(readText(file) ?? '', file));

  const codename = hostDebianCodename(readText(path.join(root, 'etc/os-release')) ?? '');
  const found = pickDebianMirror(deb822, codename) ?? pickDebianMirror(oneLine, codename);
  if (found) return normaliseMirror(found.uri, found.file);

  const seen = [...deb822, ...oneLine].map((s) => `${s.uri} ${s.suites.join(',')}`);
  throw new FuelImageError(
    'USAGE',
    `no Debian mirror found: ${MIRROR_ENV} is not set and no enabled, non-security deb source serving a Debian suite is in ` +
      `${path.join(listDir, '*.sources')}, ${path.join(apt, 'sources.list')} or ${path.join(listDir, '*.list')}` +
      (seen.length > 0 ? ` (looked at: ${seen.slice(0, 5).join('; ')}${seen.length > 5 ? '; ...' : ''})` : '') +
      `; set ${MIRROR_ENV} to your Debian mirror, e.g. ${MIRROR_ENV}=http://mirror.local/debian`,
  );
}

/** VERSION_CODENAME from os-release when the host is Debian itself (a derivative's codename names another archive). */
export function hostDebianCodename(osRelease: string): string | undefined {
  const field = (name: string) => new RegExp(`^${name}=["']?([^"'\\n]*)["']?\\s*$`, 'm').exec(osRelease)?.[1];
  return field('ID') === 'debian' ? field('VERSION_CODENAME') || undefined : undefined;
}

function listDirectory(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw unreadable(dir, error);
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw unreadable(file, error);
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function unreadable(file: string, error: unknown): FuelImageError {
  return new FuelImageError('USAGE', `cannot read ${file} to find the Debian mirror: ${(error as Error).message}; set ${MIRROR_ENV} instead`, { cause: error });
}
