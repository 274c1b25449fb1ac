import path from 'node:path';
import { z } from 'zod';

/*
 * The spec Fuel sends (../shared/reference/fuel-ibp-contract.md). Unknown
 * fields are stripped, not refused: Fuel's later releases add fields. Every
 * value that ends up in a file name, an apt source or a command argument is
 * held to Debian's own syntax here, so nothing odd gets further.
 */

const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;
// Debian policy 5.6.1: lower case, digits, + - . ; at least two characters.
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?(=[A-Za-z0-9.+~:-]+)?$/;
const CODENAME = /^[a-z][a-z0-9.-]{0,63}$/;
// A suite is a dists/ path ("bookworm", "bookworm-updates", "stable/updates")
// or, for a flat repository, a directory such as "/" or "./".
const SUITE = /^[A-Za-z0-9._~+/-]{1,128}$/;
const COMPONENT = /^[A-Za-z0-9][A-Za-z0-9._+/-]{0,63}$/;
const CRYPT_HASH = /^\$[A-Za-z0-9]+\$[A-Za-z0-9./$=,]+$/;

const hasDotDot = (value: string) => value.split('/').includes('..');

/** The output file name Fuel derives from an image uri: its last path part. */
export function uriBasename(uri: string): string {
  const withoutQuery = uri.split(/[?#]/, 1)[0] ?? '';
  const afterScheme = withoutQuery.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  return afterScheme.slice(afterScheme.lastIndexOf('/') + 1);
}

/**
 * A URI's credentials percent-encoded as the URL standard serializes them
 * ("@" to "%40", ":" in the user name...; a "%XX" already there is kept),
 * plus "'" and a stray "%"; the rest of the URI as written. Decoded, they are
 * the same credentials. The URL standard and apt split the userinfo from the
 * host at the LAST "@" of the authority, but wget (debootstrap's downloader,
 * the Release probe) splits it at the first: given "http://u:p@ss@host", it
 * looks up the host "ss@host" and prints that part of the password in its
 * error. Applied to every repo uri and proxy, so no tool sees a raw "@" or
 * quote in a password.
 */
export function encodeUserinfo(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return uri;
  }
  if (url.username === '' && url.password === '') return uri;
  const start = /^[a-z][a-z0-9+.-]*:\/\//i.exec(uri)?.[0].length;
  if (start === undefined) return uri;
  // The authority ends at "/", "?", "#" (or "\\", which the URL standard reads as "/").
  const end = uri.slice(start).search(/[/?#\\]/);
  const authority = end < 0 ? uri.slice(start) : uri.slice(start, start + end);
  const at = authority.lastIndexOf('@');
  if (at < 0) return uri;
  // Beyond the standard's set: "'" (a quote ends a URL in free text, and its
  // redaction with it) and a "%" that starts no escape.
  const encode = (part: string) => part.replaceAll("'", '%27').replace(/%(?![0-9A-Fa-f]{2})/g, '%25');
  const userinfo = url.password === '' ? encode(url.username) : `${encode(url.username)}:${encode(url.password)}`;
  return `${uri.slice(0, start)}${userinfo}${uri.slice(start + at)}`;
}

const MountPoint = z.string().check((ctx) => {
  const value = ctx.value;
  if (!value.startsWith('/')) ctx.issues.push({ code: 'custom', input: value, message: `mount point "${value}" must be absolute` });
  else if (path.posix.normalize(value) !== value || (value !== '/' && value.endsWith('/')) || hasDotDot(value))
    ctx.issues.push({ code: 'custom', input: value, message: `mount point "${value}" must be normalised (no "..", "//" or trailing "/")` });
  else if (!/^[A-Za-z0-9._/-]{1,255}$/.test(value))
    ctx.issues.push({ code: 'custom', input: value, message: `mount point "${value}" may only hold letters, digits, ".", "_", "-" and "/"` });
});

const ImageData = z.object({
  uri: z
    .string()
    .min(1)
    .max(4096)
    .refine((uri) => SAFE_FILE_NAME.test(uriBasename(uri)) && !/^\.+$/.test(uriBasename(uri)), {
      message: 'the last part of the uri is the output file name: it must be a plain file name (letters, digits, ".", "_", "+", "-"; no "/", "..", spaces)',
    }),
  format: z.enum(['ext2', 'ext3', 'ext4']).optional(),
  container: z.enum(['gzip', 'raw']).default('gzip'),
});

const RepoUri = z
  .string()
  .max(2048)
  .refine((uri) => {
    try {
      const url = new URL(uri);
      return ['http:', 'https:', 'ftp:', 'file:'].includes(url.protocol) && !/\s/.test(uri);
    } catch {
      return false;
    }
  }, { message: 'must be an http://, https://, ftp:// or file:// URL without spaces' })
  .transform(encodeUserinfo);

const Repo = z.object({
  name: z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters'),
  uri: RepoUri,
  suite: z.string().regex(SUITE, 'must be a Debian suite (letters, digits, "._~+-/")').refine((s) => !hasDotDot(s), 'must not contain ".."'),
  section: z
    .string()
    .max(1024)
    .default('')
    .refine((s) => s.trim() === '' || s.trim().split(/\s+/).every((c) => COMPONENT.test(c) && !hasDotDot(c)), {
      message: 'must be a space-separated list of components (letters, digits, "._+-/"), or empty for a flat repository',
    }),
  priority: z.number().int().min(-32768).max(32767).nullable().default(null),
  type: z.literal('deb').default('deb'),
  meta: z.unknown().optional(),
});

const ProxyUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      // Written into apt.conf between quotes: no quote, brace or semicolon.
      return ['http:', 'https:', 'ftp:'].includes(new URL(value).protocol) && !/[\s"'\\;{}]/.test(value);
    } catch {
      return false;
    }
  }, { message: 'must be an http://, https:// or ftp:// URL without spaces' })
  .transform(encodeUserinfo);

const Proxies = z.object({
  protocols: z.object({ http: ProxyUrl.optional(), https: ProxyUrl.optional(), ftp: ProxyUrl.optional() }).default({}),
  direct_repo_addr_list: z.array(z.string().regex(/^[A-Za-z0-9.:_\-[\]/*]{1,255}$/, 'must be a host name or address')).max(256).default([]),
});

export const Spec = z
  .object({
    image_data: z
      .record(MountPoint, ImageData)
      .refine((data) => '/' in data, { message: 'must have an entry for the root mount point "/"' })
      .refine((data) => Object.keys(data).length <= 32, { message: 'at most 32 mount points' }),
    output: z
      .string()
      .min(1)
      .max(4096)
      .refine((p) => path.isAbsolute(p), 'must be an absolute path')
      .refine((p) => !p.includes('\0'), 'must not contain NUL'),
    repos: z.array(Repo).min(1, 'at least one repository is needed (the first one is the bootstrap mirror)').max(64),
    codename: z.string().regex(CODENAME, 'must be a release codename (lower-case letters, digits, "." and "-")'),
    packages: z.array(z.string().regex(PACKAGE_NAME, 'must be a Debian package name')).max(4096).optional(),
    proxies: Proxies.optional(),
    root_password: z.string().min(1).max(1024).regex(/^[^\n\r:\0]+$/, 'must not contain newlines, ":" or NUL').optional(),
    hashed_root_password: z.string().max(1024).regex(CRYPT_HASH, 'must be a crypt(3) hash such as $6$salt$hash').optional(),
  })
  .superRefine((spec, ctx) => {
    const seen = new Map<string, string>();
    for (const [mount, image] of Object.entries(spec.image_data)) {
      const name = uriBasename(image.uri);
      const other = seen.get(name);
      if (other !== undefined)
        ctx.addIssue({ code: 'custom', path: ['image_data', mount, 'uri'], message: `file name "${name}" is also used by "${other}"` });
      seen.set(name, mount);
    }
    const root = spec.image_data['/'];
    if (root && seen.has(metadataFileName(root.uri)))
      ctx.addIssue({ code: 'custom', path: ['image_data', '/', 'uri'], message: 'collides with the metadata file name' });
    if (spec.root_password !== undefined && spec.hashed_root_password !== undefined)
      ctx.addIssue({ code: 'custom', path: ['root_password'], message: 'give root_password or hashed_root_password, not both' });
  });

export type Spec = z.infer<typeof Spec>;
export type Repo = Spec['repos'][number];
export type ImageData = Spec['image_data'][string];

/** `<root image basename up to its first ".">.yaml`, as Fuel's agent expects. */
export function metadataFileName(rootUri: string): string {
  return `${uriBasename(rootUri).split('.', 1)[0]}.yaml`;
}
