import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { FuelImageError, interruptedBy } from '../../src/errors.js';
import { engineOptions } from '../../src/helper/engine-options.js';
import { bindEngineLimits, engineAddress, engineCallName } from '../../src/helper/engine-watch.js';

/*
 * The Engine API's time limits against a fake engine on a unix socket that
 * answers, hangs or stops answering pings as each test tells it to. Limits
 * are shortened to a few hundred milliseconds.
 */

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const hang: Handler = () => {};
const ok: Handler = (_req, res) => void res.end('OK');

describe('Engine API call names', () => {
  it('names the calls a build makes, without version prefix or query', () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/_ping', 'ping'],
      ['GET', '/v1.41/_ping', 'ping'],
      ['GET', '/info', 'info'],
      ['GET', '/containers/json?', 'list containers'],
      ['POST', '/containers/create?', 'create container'],
      ['GET', '/containers/abc/json', 'inspect container'],
      ['POST', '/containers/abc/start?', 'start container'],
      ['DELETE', '/containers/fuel-image-1?', 'remove container'],
      ['POST', '/containers/abc/exec', 'exec create'],
      ['POST', '/exec/abc/start', 'exec start'],
      ['GET', '/exec/abc/json', 'exec inspect'],
      ['PUT', '/containers/abc/archive?', 'put archive'],
      ['GET', '/containers/abc/archive?', 'get archive'],
      ['GET', '/images/json?', 'list images'],
      ['GET', '/images/fuel-image-base:trixie/json', 'inspect image'],
      ['POST', '/build?', 'image build'],
      ['POST', '/containers/abc/kill', 'POST /containers/abc/kill'],
    ];
    for (const [method, requestPath, name] of cases) assert.equal(engineCallName(method, requestPath), name, `${method} ${requestPath}`);
  });

  it('names the engine as DOCKER_HOST does, or the default socket, without a password', () => {
    assert.equal(engineAddress({ DOCKER_HOST: 'tcp://10.0.0.1:2375' }), 'tcp://10.0.0.1:2375');
    assert.equal(engineAddress({ DOCKER_HOST: 'ssh://builder@engine.local:2222' }), 'ssh://builder@engine.local:2222');
    assert.equal(engineAddress({ DOCKER_HOST: 'ssh://builder:s3cr@t@engine.local' }), 'ssh://builder:***@engine.local');
    assert.equal(engineAddress({ DOCKER_HOST: 'tcp://u:pw@engine.local:2376/x' }), 'tcp://u:***@engine.local:2376/x');
    assert.equal(engineAddress({ DOCKER_HOST: 'u:pw@engine.local:2375' }), 'u:***@engine.local:2375');
    assert.equal(engineAddress({ DOCKER_HOST: 'unix:///run/user/0/docker.sock' }), 'unix:///run/user/0/docker.sock');
    assert.equal(engineAddress({}), 'unix:///var/run/docker.sock');
  });
});

/*
 * The same limits whatever carries the Engine API: the fake engine on a unix
 * socket, then on a TCP port of 127.0.0.1 reached through DOCKER_HOST=tcp://
 * (engine-options.ts), as a remote engine is.
 */
const TRANSPORTS = ['unix', 'tcp'] as const;

for (const transport of TRANSPORTS) describe(`time limits on the Engine API (${transport})`, () => {
  let dir = '';
  let socketPath = '';
  let address = '';
  let server: Server;
  const sockets = new Set<Socket>();
  const seen: string[] = [];
  let route: (req: IncomingMessage) => Handler = () => hang;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fuel-image-engine-watch-'));
    socketPath = path.join(dir, 'engine.sock');
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      route(req)(req, res);
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    if (transport === 'unix') {
      await new Promise<void>((resolve) => server.listen(socketPath, resolve));
      address = `unix://${socketPath}`;
    } else {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      address = `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const client = (signal?: AbortSignal) =>
    bindEngineLimits(new Docker(engineOptions({ DOCKER_HOST: address })), {
      address,
      signal,
      limits: { callMs: 400, pingMs: 200, watchIntervalMs: 100 },
    });

  const unreachable = (call: string | RegExp) => (error: unknown) => {
    assert.ok(error instanceof FuelImageError, String(error));
    assert.equal(error.code, 'ENGINE_UNREACHABLE');
    assert.ok(error.message.includes(address), error.message);
    assert.match(error.message, typeof call === 'string' ? new RegExp(`"${call}"`) : call);
    return true;
  };

  it('fails a call the engine never answers, naming the engine and the call', async () => {
    route = () => hang;
    const started = Date.now();
    await assert.rejects(client().listContainers({ all: true }), unreachable(/did not answer "list containers" within 0.4 s/));
    const took = Date.now() - started;
    assert.ok(took >= 350 && took < 3000, `took ${took} ms`);
  });

  it('gives ping its own, shorter limit', async () => {
    route = () => hang;
    const started = Date.now();
    await assert.rejects(client().ping(), unreachable(/did not answer "ping" within 0.2 s/));
    assert.ok(Date.now() - started < 380, `took ${Date.now() - started} ms`);
  });

  it('waits no longer on an engine that left one call unanswered, but still tries a removal', async () => {
    route = (req) => (req.method === 'DELETE' ? (_req, res) => void res.writeHead(204).end() : hang);
    const docker = client();
    await assert.rejects(docker.listContainers(), unreachable('list containers'));
    const started = Date.now();
    await assert.rejects(docker.listImages(), unreachable(/"list containers" within 0.4 s; "list images" not attempted/));
    assert.ok(Date.now() - started < 100, 'failed at once');
    seen.length = 0;
    await docker.getContainer('fuel-image-x').remove({ force: true });
    assert.deepEqual(seen, ['DELETE /containers/fuel-image-x?force=true']);
  });

  it('answers normally when the engine does', async () => {
    route = (req) => (req.url === '/_ping' ? ok : (_req, res) => void res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]'));
    const docker = client();
    assert.equal(String(await docker.ping()), 'OK');
    assert.deepEqual(await docker.listContainers(), []);
  });

  it('lets an upload that keeps moving take longer than the limit', async () => {
    let received = 0;
    route = (req) => (req.url === '/_ping' ? ok : (request, res) => {
      request.on('data', (chunk: Buffer) => (received += chunk.length));
      request.on('end', () => res.writeHead(200).end());
    });
    // 10 chunks 100 ms apart: 1 s in all, against a 0.4 s limit.
    const chunks = Array.from({ length: 10 }, () => Buffer.alloc(1024, 1));
    const slow = Readable.from((async function* () {
      for (const chunk of chunks) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        yield chunk;
      }
    })());
    await client().getContainer('abc').putArchive(slow as unknown as NodeJS.ReadableStream, { path: '/' });
    assert.equal(received, 10 * 1024);
  });

  it('cuts a stream when the engine stops answering pings, and not before', async () => {
    let pings = 0;
    route = (req) => {
      if (req.url === '/_ping') return ++pings <= 3 ? ok : hang;
      // An archive that sends its headers and a little, then nothing more.
      return (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/x-tar' });
        res.write(Buffer.alloc(512));
      };
    };
    const started = Date.now();
    const stream = (await client().getContainer('abc').getArchive({ path: '/x' })) as NodeJS.ReadableStream;
    const error = await new Promise<unknown>((resolve) => {
      stream.on('error', resolve);
      stream.resume();
    });
    assert.ok(unreachable(/stopped answering during "get archive" \(no answer to a ping within 0.2 s\)/)(error));
    assert.ok(pings >= 4, `pinged ${pings} times`);
    const took = Date.now() - started;
    // Three answered pings (100 ms apart), then the fourth's 200 ms.
    assert.ok(took >= 450 && took < 3000, `took ${took} ms`);
  });

  it('abandons a call in flight when the build is interrupted, refuses later ones, but sends the removal (the cleanup)', async () => {
    route = (req) => (req.method === 'DELETE' ? (_req, res) => void res.writeHead(204).end() : hang);
    const controller = new AbortController();
    const docker = client(controller.signal);
    const aborted = (error: unknown) => error instanceof FuelImageError && error.code === 'ABORTED' && error.details.signal === 'SIGTERM';
    const pending = docker.listContainers();
    setTimeout(() => controller.abort(interruptedBy('SIGTERM')), 50);
    const started = Date.now();
    await assert.rejects(pending, aborted);
    assert.ok(Date.now() - started < 300, 'at once');
    seen.length = 0;
    await assert.rejects(docker.listImages(), aborted);
    await docker.getContainer('fuel-image-y').remove({ force: true });
    assert.deepEqual(seen, ['DELETE /containers/fuel-image-y?force=true']);
  });

  it('closes an exec stream when the build is interrupted', async () => {
    route = (req) => (req.url === '/_ping' ? ok : hang);
    server.once('upgrade', (_req: IncomingMessage, socket: Socket) => {
      socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    });
    const controller = new AbortController();
    const docker = client(controller.signal);
    const stream = (await docker.getExec('abc').start({ hijack: true, stdin: false })) as NodeJS.ReadableStream;
    const error = new Promise<unknown>((resolve) => stream.on('error', resolve));
    // Longer than the call limit: a stream that has begun is watched by pings, not timed.
    await new Promise((resolve) => setTimeout(resolve, 600));
    controller.abort(interruptedBy('SIGINT'));
    const reason = await error;
    assert.ok(reason instanceof FuelImageError && reason.code === 'ABORTED', String(reason));
  });
});
