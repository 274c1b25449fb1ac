import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';

/*
 * The helper's baked scripts that are plain text processing run here on the
 * host's bash and awk (the helper has the same, from Debian's Essential set).
 */
const SCRIPTS = fileURLToPath(new URL('../../images/helper/scripts/', import.meta.url));
const run = promisify(execFile);

async function labelReleases(files: Record<string, string>, groups: string[]): Promise<{ stdout: string; files: Record<string, string> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fuel-image-lists-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    const { stdout } = await run('bash', [path.join(SCRIPTS, 'label-releases.sh'), dir, ...groups]);
    const after: Record<string, string> = {};
    for (const name of Object.keys(files)) after[name] = await readFile(path.join(dir, name), 'utf8');
    return { stdout, files: after };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('label-releases.sh: a label of its own for each pinned repo', () => {
  it('replaces the Label in the header only, not in the checksum lists', async () => {
    const plain = 'Origin: Debian\nLabel: Debian\nSuite: stable\nSHA256:\n abc 1 main/Label: x\n';
    const { files, stdout } = await labelReleases({ h_Release: plain }, ['fuel-image-repo-0/h_InRelease/h_Release']);
    assert.equal(files.h_Release, 'Label: fuel-image-repo-0\nOrigin: Debian\nSuite: stable\nSHA256:\n abc 1 main/Label: x\n');
    assert.equal(stdout, '');
  });

  it('adds a Label after the PGP armour of an InRelease file', async () => {
    const signed = '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: X\nSuite: s\nMD5Sum:\n a 1 P\n-----BEGIN PGP SIGNATURE-----\n';
    const { files } = await labelReleases({ h_InRelease: signed, h_Release: 'Origin: Y\n' }, ['L1/h_InRelease/h_Release']);
    assert.equal(files.h_InRelease, '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nLabel: L1\nOrigin: X\nSuite: s\nMD5Sum:\n a 1 P\n-----BEGIN PGP SIGNATURE-----\n');
    // Only the first present candidate is labelled.
    assert.equal(files.h_Release, 'Origin: Y\n');
  });

  it('names each group whose Release file apt did not download', async () => {
    const { stdout, files } = await labelReleases({ a_Release: 'Suite: a\n' }, ['L0/a_InRelease/a_Release', 'L1/b_InRelease/b_Release']);
    assert.equal(files.a_Release, 'Label: L0\nSuite: a\n');
    assert.equal(stdout, 'unlabelled L1\n');
  });
});

describe('clean-target.sh: nothing of the build stays in the tree', () => {
  it('removes the build’s apt files and debootstrap’s log (it quotes the mirror’s credentials); other logs stay', async () => {
    const t = await mkdtemp(path.join(tmpdir(), 'fuel-image-target-'));
    try {
      const files: Record<string, string> = {
        'etc/apt/sources.list': 'deb http://fuel:p%40ss@mirror.example/debian bookworm main\n',
        'etc/apt/sources.list.d/fuel-image.list': 'deb http://fuel:p%40ss@mirror.example/debian bookworm main\n',
        'etc/apt/apt.conf.d/00fuel-image-build': 'Acquire::http::Proxy "http://u:p%40w@127.0.0.1:3128";\n',
        'etc/apt/apt.conf.d/01autoremove': 'APT::NeverAutoRemove {};\n',
        'var/log/bootstrap.log': 'URL:http://fuel:p%40ss@mirror.example/debian/dists/bookworm/InRelease [1/1] -> "x" [1]\n',
        'var/log/dpkg.log': 'install adduser\n',
        'debootstrap/debootstrap.log': 'x\n',
      };
      for (const [name, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(t, name)), { recursive: true });
        await writeFile(path.join(t, name), text);
      }
      await mkdir(path.join(t, 'etc/ssh'), { recursive: true });
      await run('bash', [path.join(SCRIPTS, 'clean-target.sh'), t]);
      const left = Object.keys(files).filter((name) => existsSync(path.join(t, name)));
      assert.deepEqual(left, ['etc/apt/apt.conf.d/01autoremove', 'var/log/dpkg.log']);
    } finally {
      await rm(t, { recursive: true, force: true });
    }
  });
});

describe('keep-bootstrap.sh: the bootstrap cache gets no mirror URI, log or host file', () => {
  it('copies the tree as hard links without debootstrap\u2019s sources, indexes, log and .debs, and leaves the original as it was', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fuel-image-bootstrap-'));
    try {
      const t = path.join(dir, 'target');
      const files: Record<string, string> = {
        'etc/apt/sources.list': 'deb http://fuel:p%40ss@mirror.example/debian bookworm main\n',
        'var/lib/apt/lists/mirror.example_debian_dists_bookworm_main_binary-amd64_Packages': 'Package: x\n',
        'var/cache/apt/archives/bash_5.2_amd64.deb': 'deb',
        'var/log/bootstrap.log': 'URL:http://fuel:p%40ss@mirror.example/debian/dists/bookworm/InRelease\n',
        'etc/resolv.conf': 'nameserver 127.0.0.53\n',
        'etc/hostname': 'buildhost\n',
        'etc/dpkg/dpkg.cfg.d/fuel-image-unsafe-io': 'force-unsafe-io\n',
        '.fuel-image/libeatmydata.so': 'elf',
        'var/lib/dpkg/status': 'Package: bash\n',
        'usr/bin/bash': 'elf',
      };
      for (const [name, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(t, name)), { recursive: true });
        await writeFile(path.join(t, name), text);
      }
      const copy = path.join(dir, 'copy');
      await run('bash', [path.join(SCRIPTS, 'keep-bootstrap.sh'), t, copy]);
      const kept = Object.keys(files).filter((name) => existsSync(path.join(copy, name)));
      assert.deepEqual(kept, ['etc/resolv.conf', 'etc/hostname', 'var/lib/dpkg/status', 'usr/bin/bash']);
      assert.equal(await readFile(path.join(copy, 'etc/resolv.conf'), 'utf8'), '');
      assert.equal(await readFile(path.join(copy, 'etc/hostname'), 'utf8'), 'localhost\n');
      // The rest shares the original's inodes, and the original lost nothing.
      const inode = async (file: string) => (await run('stat', ['-c', '%i', file])).stdout;
      assert.equal(await inode(path.join(copy, 'usr/bin/bash')), await inode(path.join(t, 'usr/bin/bash')));
      for (const [name, text] of Object.entries(files)) assert.equal(await readFile(path.join(t, name), 'utf8'), text, name);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('cache.sh: entries of every kind on the cache volume', () => {
  const key = (c: string) => c.repeat(64);
  async function cacheSh(root: string, args: string[], stdin = '') {
    const child = execFile('bash', [path.join(SCRIPTS, 'cache.sh'), ...args], { env: { PATH: process.env.PATH, CACHE_DIR: root } });
    child.stdin!.end(stdin);
    let stdout = '';
    child.stdout!.on('data', (chunk: string) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, stdout };
  }

  it('stores a tree (installed or bootstrapped) and restores it with owners, modes and links; lists and evicts across kinds, least recently used first', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fuel-image-cache-'));
    try {
      const tree = path.join(dir, 'tree');
      await mkdir(path.join(tree, 'etc'), { recursive: true });
      await writeFile(path.join(tree, 'etc', 'hostname'), 'localhost\n');
      await run('chown', ['1234:5678', path.join(tree, 'etc', 'hostname')]);
      await run('chmod', ['4751', path.join(tree, 'etc', 'hostname')]);
      await run('ln', ['-s', 'etc/hostname', path.join(tree, 'link')]);
      const root = path.join(dir, 'volume');
      assert.equal((await cacheSh(root, ['put', 'trees', key('a'), tree], '{"codename":"bookworm"}')).stdout, 'stored\n');
      assert.equal((await cacheSh(root, ['put', 'trees', key('a'), tree], '{}')).stdout, 'present\n', 'a second put keeps the first');
      const restored = path.join(dir, 'restored');
      assert.equal((await cacheSh(root, ['restore', 'trees', key('a'), restored])).code, 0);
      const { stdout: stat } = await run('stat', ['-c', '%u:%g %a', path.join(restored, 'etc', 'hostname')]);
      assert.equal(stat.trim(), '1234:5678 4751');
      assert.equal(await readFile(path.join(restored, 'link'), 'utf8'), 'localhost\n');
      assert.equal((await cacheSh(root, ['restore', 'trees', key('b'), restored])).code, 3, 'no such tree');
      // One mount point's subtree alone, into its part directory; one the tree lacks is an empty directory.
      const parts = path.join(dir, 'parts');
      assert.equal((await cacheSh(root, ['restore-parts', key('a'), parts, '1:/etc', '2:/srv'])).code, 0);
      assert.equal(await readFile(path.join(parts, '1', 'hostname'), 'utf8'), 'localhost\n');
      assert.deepEqual(await readdir(path.join(parts, '2')), []);
      assert.deepEqual((await readdir(parts)).sort(), ['1', '2'], 'nothing else unpacked');
      assert.equal((await cacheSh(root, ['restore-parts', key('a'), path.join(dir, 'parts2'), '1:/link'])).code, 3, 'a symlinked mount point is refused');

      // A bootstrap is its own kind: restored from there, not from the trees.
      assert.equal((await cacheSh(root, ['put', 'bootstraps', key('d'), tree], '{"codename":"bookworm","io":"eatmydata"}')).stdout, 'stored\n');
      assert.equal((await cacheSh(root, ['restore', 'trees', key('d'), path.join(dir, 'nothing')])).code, 3, 'not a tree');
      const bootstrapped = path.join(dir, 'bootstrapped');
      assert.equal((await cacheSh(root, ['restore', 'bootstraps', key('d'), bootstrapped])).code, 0);
      assert.equal(await readFile(path.join(bootstrapped, 'link'), 'utf8'), 'localhost\n');
      await run('touch', ['-d', '2019-01-01', path.join(root, 'bootstraps', key('d'), 'used')]);

      const image = path.join(dir, 'root.img.gz');
      await writeFile(image, Buffer.alloc(4096, 1));
      assert.equal((await cacheSh(root, ['put', 'images', key('c'), image], '{"mountPoint":"/"}')).stdout, 'stored\n');
      assert.equal((await cacheSh(root, ['get', 'trees', key('a'), key('c')])).stdout, `### ${key('a')}\n{"codename":"bookworm"}\n`, 'get reads one kind');
      // The tree used last: it stays, the image goes.
      await run('touch', ['-d', '2020-01-01', path.join(root, 'images', key('c'), 'used')]);
      const listed = (await cacheSh(root, ['ls'])).stdout;
      assert.match(listed, new RegExp(`^### ${key('a')} \\d+ \\d+ trees\\n\\{"codename":"bookworm"\\}\\n### ${key('c')} \\d+ 1577836800 images\\n.*\\n### ${key('d')} \\d+ 1546300800 bootstraps\\n`));
      const treeBytes = Number(new RegExp(`### ${key('a')} (\\d+)`).exec(listed)![1]);
      const evicted = (await cacheSh(root, ['evict', String(treeBytes)])).stdout;
      assert.match(evicted, new RegExp(`^evicted ${key('c')} \\d+\\nevicted ${key('d')} \\d+\\ntotal ${treeBytes}\\n$`));
      assert.equal((await cacheSh(root, ['prune-all'])).code, 0);
      assert.equal((await cacheSh(root, ['ls'])).stdout, '');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('pigz-relay.sh: mkinitramfs in the initramfs copy compresses with the helper\u2019s pigz', () => {
  /** Runs the shim as mkinitramfs would ("pigz -c" on a pipe), with the relay's FIFOs at their path on this machine. */
  const shim = (copy: string, args: string[], input: Buffer) =>
    new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve) => {
      const child = spawn('sh', [path.join(copy, 'usr/bin/pigz'), ...args], { env: { ...process.env, FUEL_IMAGE_PIGZ_RELAY: path.join(copy, 'run/fuel-image-pigz') } });
      const out: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
      child.stdin.end(input);
    });

  it('puts a shim in the copy that returns what the helper\u2019s pigz made, call after call, with its exit status', async () => {
    const copy = await mkdtemp(path.join(tmpdir(), 'fuel-image-relay-'));
    await mkdir(path.join(copy, 'usr/bin'), { recursive: true });
    await mkdir(path.join(copy, 'run'));
    const relay = spawn('bash', [path.join(SCRIPTS, 'pigz-relay.sh'), copy], { stdio: ['ignore', 'ignore', 'pipe'] });
    let relayErr = '';
    relay.stderr.on('data', (chunk: Buffer) => (relayErr += chunk.toString()));
    try {
      for (let i = 0; i < 50 && !existsSync(path.join(copy, 'usr/bin/pigz')); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      const input = Buffer.from('cpio archive '.repeat(200_000));
      for (const args of [['-c'], ['-9'], []]) {
        const run = await shim(copy, args, input);
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(gunzipSync(run.stdout), input, `pigz ${args.join(' ')}`);
      }
      // As bookworm's mkinitramfs calls it: "pigz -c FILE", the file read in the tree.
      const cpio = path.join(copy, 'main.cpio');
      await writeFile(cpio, input);
      const named = await shim(copy, ['-c', cpio], Buffer.alloc(0));
      assert.equal(named.code, 0, named.stderr);
      assert.deepEqual(gunzipSync(named.stdout), input, 'pigz -c FILE');
      // Anything but a compression is refused, not passed to pigz; the relay serves the next call.
      const refused = await shim(copy, ['-d'], input);
      assert.equal(refused.code, 2);
      assert.match(relayErr, /unexpected arguments: -d/);
      assert.equal((await shim(copy, ['-c'], input)).code, 0);
    } finally {
      relay.kill('SIGKILL');
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('leaves a tree with a pigz of its own (or one whose paths are links) alone', async () => {
    const copy = await mkdtemp(path.join(tmpdir(), 'fuel-image-relay-'));
    try {
      await mkdir(path.join(copy, 'usr/bin'), { recursive: true });
      await symlink('/tmp', path.join(copy, 'run'));
      const relay = () => run('bash', [path.join(SCRIPTS, 'pigz-relay.sh'), copy]).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
      const linked = await relay();
      assert.equal(linked.code, 3);
      assert.match(linked.stderr, /\/run in the tree is not a directory/);
      await rm(path.join(copy, 'run'));
      await mkdir(path.join(copy, 'run'));
      await symlink('/etc/alternatives/pigz', path.join(copy, 'usr/bin/pigz'));
      const own = await relay();
      assert.equal(own.code, 3);
      assert.match(own.stderr, /a pigz of its own/);
      assert.deepEqual(await readdir(path.join(copy, 'run')), [], 'nothing made');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
