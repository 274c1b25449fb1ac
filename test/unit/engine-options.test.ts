import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { FuelImageError } from '../../src/errors.js';
import { connectDocker } from '../../src/helper/connect-docker.js';
import { engineOptions } from '../../src/helper/engine-options.js';
import { toEngineError } from '../../src/helper/engine-error.js';
import { parseSshHost, SshDialAgent, sshDialArgs } from '../../src/helper/ssh-dial.js';

/*
 * DOCKER_HOST and its companions read as the docker CLI reads them
 * (engine-options.ts), and the ssh transport (ssh-dial.ts) against a fake
 * `ssh` that "dials" a fake engine on a unix socket, as `ssh host docker
 * system dial-stdio` would. The real sshd, TLS and tcp engines are in
 * test/integration/remote-engines.test.ts.
 */
const unusable = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof FuelImageError, String(error));
  assert.equal(error.code, 'ENGINE_UNREACHABLE');
  assert.match(error.message, pattern);
  return true;
};

describe('DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fuel-image-engine-options-'));
    for (const sub of ['certs', 'home/.docker', 'partial']) await mkdir(path.join(dir, sub), { recursive: true });
    for (const name of ['ca.pem', 'cert.pem', 'key.pem']) {
      await writeFile(path.join(dir, 'certs', name), `${name} from DOCKER_CERT_PATH`);
      await writeFile(path.join(dir, 'home/.docker', name), `${name} from ~/.docker`);
    }
    await writeFile(path.join(dir, 'partial', 'ca.pem'), 'ca only');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('leaves the local default alone and takes unix sockets as given', () => {
    assert.equal(engineOptions({}), undefined);
    assert.deepEqual(engineOptions({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }), { socketPath: '/run/user/1000/docker.sock', host: undefined });
    assert.deepEqual(engineOptions({ DOCKER_HOST: 'unix://' }), { socketPath: '/var/run/docker.sock', host: undefined });
  });

  it('speaks plain HTTP to tcp:// (default port 2375), also written host:port', () => {
    assert.deepEqual(engineOptions({ DOCKER_HOST: 'tcp://127.0.0.1:12375' }), { protocol: 'http', host: '127.0.0.1', port: '12375', pathPrefix: '/' });
    assert.deepEqual(engineOptions({ DOCKER_HOST: 'engine.local' }), { protocol: 'http', host: 'engine.local', port: 2375, pathPrefix: '/' });
    assert.deepEqual(engineOptions({ DOCKER_HOST: 'engine.local:4243' }), { protocol: 'http', host: 'engine.local', port: '4243', pathPrefix: '/' });
  });

  it('uses TLS when DOCKER_TLS_VERIFY is set to anything (default port 2376), with ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH or ~/.docker', () => {
    const options = engineOptions({ DOCKER_HOST: 'tcp://engine.local', DOCKER_TLS_VERIFY: 'true', DOCKER_CERT_PATH: path.join(dir, 'certs') }) as Record<string, unknown>;
    assert.equal(options.protocol, 'https');
    assert.equal(options.port, 2376);
    assert.equal(String(options.ca), 'ca.pem from DOCKER_CERT_PATH');
    assert.equal(String(options.cert), 'cert.pem from DOCKER_CERT_PATH');
    assert.equal(String(options.key), 'key.pem from DOCKER_CERT_PATH');
    const fromHome = engineOptions({ DOCKER_HOST: 'tcp://engine.local:2376', DOCKER_TLS_VERIFY: '1', HOME: path.join(dir, 'home') }) as Record<string, unknown>;
    assert.equal(String(fromHome.cert), 'cert.pem from ~/.docker');
    // Without DOCKER_TLS_VERIFY: plain HTTP, the files unread (as the docker CLI).
    assert.equal((engineOptions({ DOCKER_HOST: 'tcp://engine.local:2376', DOCKER_CERT_PATH: path.join(dir, 'certs') }) as Record<string, unknown>).protocol, 'http');
  });

  it('names a missing TLS file before anything is sent', () => {
    assert.throws(
      () => engineOptions({ DOCKER_HOST: 'tcp://engine.local:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: path.join(dir, 'partial') }),
      unusable(/^cannot use the Docker engine at tcp:\/\/engine\.local:2376: DOCKER_TLS_VERIFY is set, so .*partial\/cert\.pem is needed: no such file \(DOCKER_CERT_PATH must hold ca\.pem, cert\.pem and key\.pem\)/),
    );
    assert.throws(() => engineOptions({ DOCKER_HOST: 'tcp://engine.local', DOCKER_TLS_VERIFY: '1', HOME: path.join(dir, 'nowhere') }), unusable(/nowhere\/\.docker\/ca\.pem is needed: no such file \(~\/\.docker, or DOCKER_CERT_PATH,/));
  });

  it('refuses what it cannot use, naming the engine without its password', () => {
    assert.throws(() => engineOptions({ DOCKER_HOST: 'http://engine.local:2375' }), unusable(/the scheme "http" is not supported: use unix:\/\/, tcp:\/\/ or ssh:\/\//));
    assert.throws(() => engineOptions({ DOCKER_HOST: 'ssh://builder:secret@engine.local' }), (error: unknown) => {
      assert.ok(unusable(/at ssh:\/\/builder:\*\*\*@engine\.local: a password is not supported/)(error));
      assert.ok(!(error as Error).message.includes('secret'));
      return true;
    });
    assert.throws(() => engineOptions({ DOCKER_HOST: 'ssh://engine.local/var/run/docker.sock' }), unusable(/has a path/));
  });

  it('reaches ssh:// engines through the ssh client, never through docker-modem\'s own ssh', () => {
    const options = engineOptions({ DOCKER_HOST: 'ssh://builder@engine.local:2222' }) as Record<string, unknown>;
    assert.equal(options.protocol, 'http');
    assert.ok(options.agent instanceof SshDialAgent);
  });
});

describe('the ssh command line', () => {
  it('parses ssh://[user@]host[:port]', () => {
    assert.deepEqual(parseSshHost('ssh://engine.local'), { host: 'engine.local' });
    assert.deepEqual(parseSshHost('ssh://builder@engine.local:2222'), { host: 'engine.local', user: 'builder', port: '2222' });
    assert.deepEqual(parseSshHost('ssh://root@[::1]:22'), { host: '::1', user: 'root', port: '22' });
  });

  it('runs docker system dial-stdio in batch mode, with FUEL_IMAGE_SSH_CONFIG and FUEL_IMAGE_SSH_KEY when given', () => {
    const target = { host: 'engine.local', user: 'builder', port: '2222' };
    assert.deepEqual(sshDialArgs(target, {}), ['-o', 'BatchMode=yes', '-T', '-l', 'builder', '-p', '2222', '--', 'engine.local', 'docker', 'system', 'dial-stdio']);
    assert.deepEqual(sshDialArgs({ host: 'engine.local' }, { FUEL_IMAGE_SSH_CONFIG: '/etc/fuel/ssh_config', FUEL_IMAGE_SSH_KEY: '/etc/fuel/id_ed25519' }), [
      '-F', '/etc/fuel/ssh_config', '-i', '/etc/fuel/id_ed25519', '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-T', '--', 'engine.local', 'docker', 'system', 'dial-stdio',
    ]);
  });
});

describe('the ssh transport (a fake ssh dialing a fake engine)', () => {
  let dir = '';
  let server: Server;
  const sockets = new Set<Socket>();
  let route: (req: IncomingMessage, res: ServerResponse) => void = () => {};

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fuel-image-ssh-dial-'));
    await mkdir(path.join(dir, 'bin'));
    // Records its arguments and each start, then connects stdin/stdout to the engine (as dial-stdio does), or fails as ssh would.
    const dial = `const s = require('net').connect(process.env.FAKE_ENGINE); process.stdin.pipe(s); s.pipe(process.stdout); s.on('close', () => process.exit(0)); s.on('error', () => process.exit(1));`;
    await writeFile(
      path.join(dir, 'bin', 'ssh'),
      [
        '#!/bin/sh',
        'printf "%s\\n" "$*" >> "$FAKE_SSH_LOG"',
        'if [ "$FAKE_SSH_MODE" = refuse ]; then echo "builder@engine.local: Permission denied (publickey)." >&2; exit 255; fi',
        `exec "${process.execPath}" -e "${dial}"`,
        '',
      ].join('\n'),
    );
    await chmod(path.join(dir, 'bin', 'ssh'), 0o755);
    server = createServer((req, res) => route(req, res));
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'engine.sock'), resolve));
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
    DOCKER_HOST: 'ssh://builder@engine.local:2222',
    FAKE_ENGINE: path.join(dir, 'engine.sock'),
    FAKE_SSH_LOG: path.join(dir, 'ssh.log'),
    ...extra,
  });
  const starts = async () => (await readFile(path.join(dir, 'ssh.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const json = (res: ServerResponse, body: unknown) => void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  const waitUntil = async (check: () => boolean, what: string) => {
    for (const deadline = Date.now() + 5000; !check(); await new Promise((resolve) => setTimeout(resolve, 20)))
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
  };

  it('keeps one ssh connection alive for calls in a row', async () => {
    await rm(path.join(dir, 'ssh.log'), { force: true });
    route = (req, res) => (req.url?.endsWith('/_ping') ? void res.end('OK') : json(res, []));
    const docker = await connectDocker({ env: env() });
    for (let i = 0; i < 5; i++) assert.deepEqual(await docker.listContainers(), []);
    assert.deepEqual(await starts(), ['-o BatchMode=yes -T -l builder -p 2222 -- engine.local docker system dial-stdio']);
    (docker.modem as unknown as { agent: SshDialAgent }).agent.destroy();
    await waitUntil(() => sockets.size === 0, 'the ssh process to end');
  });

  it('carries a hijacked stream (the heartbeat attach, exec), and ends ssh when it is closed', async () => {
    route = (req, res) => void res.end('OK');
    server.once('upgrade', (_req: IncomingMessage, socket: Socket) => {
      socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      socket.on('data', (chunk: Buffer) => socket.write(`echo:${chunk}`));
      // The HTTP server's sockets are half-open; the engine closes its side when the client goes.
      socket.on('end', () => socket.end());
    });
    const docker = await connectDocker({ env: env() });
    const stream = (await docker.getContainer('abc').attach({ stream: true, stdin: true, hijack: true })) as Duplex & { unref(): void };
    stream.unref();
    const echoed = new Promise<string>((resolve) => stream.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    stream.write('beat\n');
    assert.equal(await echoed, 'echo:beat\n');
    const open = sockets.size;
    stream.destroy();
    await waitUntil(() => sockets.size < open, 'the attach connection to close');
    (docker.modem as unknown as { agent: SshDialAgent }).agent.destroy();
  });

  it('cuts an unanswered call at its limit and ends that ssh', async () => {
    route = (req, res) => (req.url?.endsWith('/_ping') ? void res.end('OK') : undefined);
    const docker = await connectDocker({ env: env(), limits: { callMs: 300 } });
    await assert.rejects(docker.listContainers(), unusable(/the Docker engine at ssh:\/\/builder@engine\.local:2222 did not answer "list containers" within 0\.3 s/));
    // The kept-alive connection of the ping stays; the one of the unanswered call is gone.
    await waitUntil(() => sockets.size <= 1, 'the abandoned connection to close');
    (docker.modem as unknown as { agent: SshDialAgent }).agent.destroy();
  });

  it('reports what ssh said when it fails, and a missing ssh client', async () => {
    await assert.rejects(
      connectDocker({ env: env({ FAKE_SSH_MODE: 'refuse' }) }),
      unusable(/^cannot reach the Docker engine at ssh:\/\/builder@engine\.local:2222: ssh ended with status 255: builder@engine\.local: Permission denied \(publickey\)\.$/),
    );
    await assert.rejects(connectDocker({ env: env({ PATH: path.join(dir, 'empty') }) }), unusable(/: ssh is not installed/));
    // Mid-build, the same words reach the build's error.
    const lost = toEngineError(Object.assign(new Error('ssh ended with status 255: Connection reset by peer'), { code: 'ERR_SSH_DIAL' }));
    assert.ok(unusable(/^lost the connection to the Docker engine: ssh ended with status 255: Connection reset by peer$/)(lost));
  });
});
