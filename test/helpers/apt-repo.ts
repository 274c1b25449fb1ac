import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/*
 * A local apt repository for tests: packages made with dpkg-deb, indexes
 * written here (no dpkg-dev needed), no signature (Fuel's local repos were
 * unsigned too).
 */

export interface TestPackage {
  name: string;
  version: string;
  /** More files it installs: path (relative to /) -> content. */
  files?: Record<string, string>;
  /** Its Depends field, as written in a control file. */
  depends?: string;
}

/** Builds name_version_all.deb holding /usr/share/doc/<name>/version (the version as text) and `files`. */
export async function makeDeb(work: string, pkg: TestPackage): Promise<string> {
  const root = path.join(work, `${pkg.name}-${pkg.version}`);
  await mkdir(path.join(root, 'DEBIAN'), { recursive: true });
  await mkdir(path.join(root, 'usr/share/doc', pkg.name), { recursive: true });
  await writeFile(path.join(root, 'usr/share/doc', pkg.name, 'version'), `${pkg.version}\n`);
  for (const [file, content] of Object.entries(pkg.files ?? {})) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  }
  await writeFile(
    path.join(root, 'DEBIAN/control'),
    `Package: ${pkg.name}\nVersion: ${pkg.version}\nArchitecture: all\n${pkg.depends ? `Depends: ${pkg.depends}\n` : ''}Maintainer: fuel-image tests <tests@example.invalid>\nDescription: fuel-image test package\n`,
  );
  const deb = path.join(work, `${pkg.name}_${pkg.version}_all.deb`);
  await execa('dpkg-deb', ['--root-owner-group', '--build', root, deb]);
  return deb;
}

/**
 * Writes a repository under `dir`. `flat`: Packages and Release at the top
 * (used as "deb uri ./"); otherwise dists/<suite>/main/binary-amd64/.
 */
export async function writeRepo(dir: string, packages: TestPackage[], options: { flat: boolean; suite: string; origin: string; validUntil?: Date }): Promise<void> {
  const work = path.join(dir, '.build');
  const indexDir = options.flat ? dir : path.join(dir, 'dists', options.suite, 'main', 'binary-amd64');
  const releaseDir = options.flat ? dir : path.join(dir, 'dists', options.suite);
  await mkdir(indexDir, { recursive: true });
  await mkdir(path.join(dir, 'pool'), { recursive: true });
  const stanzas: string[] = [];
  for (const pkg of packages) {
    const built = await makeDeb(work, pkg);
    const file = path.join('pool', path.basename(built));
    const content = await readFile(built);
    await writeFile(path.join(dir, file), content);
    const control = (await execa('dpkg-deb', ['--field', built])).stdout.trim();
    stanzas.push(`${control}\nFilename: ${file}\nSize: ${content.length}\nMD5sum: ${md5(content)}\nSHA256: ${sha256(content)}\n`);
  }
  const packagesText = `${stanzas.join('\n')}`;
  await writeFile(path.join(indexDir, 'Packages'), packagesText);
  const indexName = options.flat ? 'Packages' : 'main/binary-amd64/Packages';
  const size = Buffer.byteLength(packagesText);
  const date = new Date(Date.now() - 86_400_000).toUTCString();
  const release = [
    `Origin: ${options.origin}`,
    `Label: ${options.origin}`,
    `Suite: ${options.suite}`,
    `Codename: ${options.suite}`,
    `Date: ${date}`,
    ...(options.validUntil ? [`Valid-Until: ${options.validUntil.toUTCString()}`] : []),
    'Architectures: amd64 all',
    ...(options.flat ? [] : ['Components: main']),
    'MD5Sum:',
    ` ${md5(packagesText)} ${size} ${indexName}`,
    'SHA256:',
    ` ${sha256(packagesText)} ${size} ${indexName}`,
    '',
  ].join('\n');
  await writeFile(path.join(releaseDir, 'Release'), release);
}

const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('hex');
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Signs a dists-style repo's Release as InRelease with a key made for the
 * test (in its own GNUPGHOME, no passphrase) and returns the public key as a
 * binary keyring for --keyring.
 */
export async function signRepo(dir: string, suite: string, work: string): Promise<string> {
  const home = path.join(work, 'gnupg');
  await mkdir(home, { recursive: true, mode: 0o700 });
  const gpg = (args: string[]) => execa('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args]);
  await gpg(['--quick-gen-key', 'fuel-image test repo <tests@example.invalid>', 'rsa2048', 'sign', '1d']);
  const release = path.join(dir, 'dists', suite, 'Release');
  await gpg(['--yes', '--clearsign', '--digest-algo', 'SHA256', '--output', path.join(dir, 'dists', suite, 'InRelease'), release]);
  const keyring = path.join(work, 'test-repo.gpg');
  await gpg(['--yes', '--output', keyring, '--export']);
  return keyring;
}
