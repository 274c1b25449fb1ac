import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectDocker } from '../../src/helper/connect-docker.js';
import { LABEL } from '../../src/helper/labels.js';
import { docker, runCli, type CliRun } from '../helpers/engine.js';
import { startCli, waitFor } from '../helpers/processes.js';
import { freePort, makeTlsFiles, startSshAgent, startSshd, type Sshd, type SshAgent, type TlsFiles } from '../helpers/remote-engine.js';
import { startTcpRelay, startTlsRelay, type Relay } from '../helpers/socket-relay.js';
import { lightSpec } from '../helpers/specs.js';
import { useWorkDir } from '../helpers/temp-dir.js';

/*
 * DOCKER_HOST beyond the local socket (README: "Remote engines"). The
 * engines here are this machine's, reached the remote ways: a TCP listener
 * on 127.0.0.1, the same over TLS with client certificates, and an sshd of
 * the test's own whose logins run `docker system dial-stdio`. One light build
 * goes through tcp; its output is verified through tcp, TLS and ssh (each a
 * helper container whose stdin attach, the builder's heartbeat, crosses
 * that transport). Every refusal must be quick and clear (ENGINE_UNREACHABLE
 * naming the engine), never a hang.
 */
describe('remote engines: DOCKER_HOST over tcp, tcp+TLS and ssh', () => {
  const workDir = useWorkDir('remote');
  let tcp: Relay;
  let tlsRelay: Relay;
  let tlsFiles: TlsFiles;
  let sshd: Sshd;
  let agent: SshAgent;
  let out = '';
  const tcpHost = () => `tcp://127.0.0.1:${tcp.port}`;
  const tlsHost = () => `tcp://127.0.0.1:${tlsRelay.port}`;
  /** ssh settings of the test's own: its known_hosts, and no agent unless given. */
  const sshEnv = (extra: Record<string, string> = {}) => ({ DOCKER_HOST: sshd.dockerHost, FUEL_IMAGE_SSH_CONFIG: sshd.sshConfig, SSH_AUTH_SOCK: '', ...extra });

  before(async () => {
    out = path.join(workDir(), 'out');
    await mkdir(out);
    tcp = await startTcpRelay();
    tlsFiles = await makeTlsFiles(path.join(workDir(), 'tls'));
    tlsRelay = await startTlsRelay(tlsFiles.server);
    sshd = await startSshd(path.join(workDir(), 'ssh'));
    agent = await startSshAgent(path.join(workDir(), 'agent'), [sshd.clientKey]);
  });

  after(async () => {
    await tcp?.cut();
    await tlsRelay?.cut();
    await agent?.stop();
    await sshd?.stop();
  });

  const succeeded = (run: CliRun, what: string) => {
    assert.equal(run.exitCode, 0, `${what}: ${run.stderr.slice(-3000)}`);
    assert.equal(run.result.outcome, 'success', `${what}: ${run.stdout.slice(-1000)}`);
  };
  const unreachable = (run: CliRun, message: RegExp) => {
    assert.equal(run.exitCode, 1, run.stderr.slice(-2000));
    assert.equal(run.result.code, 'ENGINE_UNREACHABLE', run.stdout);
    assert.match(String(run.result.message), message);
  };
  /** A command that must fail at the connection: quick, and no helper was made. */
  const refused = async (args: string[], env: Record<string, string>, message: RegExp) => {
    const started = Date.now();
    const run = await runCli(args, { env });
    const took = Date.now() - started;
    unreachable(run, message);
    assert.ok(took < 15_000, `failed in ${took} ms`);
    assert.deepEqual(await ownHelpers(run.pid), [], 'no helper was created');
  };

  it('builds through DOCKER_HOST=tcp://127.0.0.1:PORT', async () => {
    const before = tcp.connections;
    const run = await runCli([JSON.stringify(lightSpec(out))], { env: { DOCKER_HOST: tcpHost() } });
    succeeded(run, 'build over tcp');
    assert.ok(tcp.connections > before, 'the build went through the tcp listener');
    assert.deepEqual((await readdir(out)).sort(), ['env_9_debian_12_amd64-boot.img.gz', 'env_9_debian_12_amd64.img.gz', 'env_9_debian_12_amd64.yaml']);
    assert.deepEqual(await ownHelpers(run.pid), [], 'the helper is gone');
  });

  it('verifies through tcp; a wrong port is refused at once, naming the engine', async () => {
    const before = tcp.connections;
    succeeded(await runCli(['verify', out], { env: { DOCKER_HOST: tcpHost() } }), 'verify over tcp');
    assert.ok(tcp.connections > before);
    const closed = await freePort();
    await refused(['verify', out], { DOCKER_HOST: `tcp://127.0.0.1:${closed}` }, new RegExp(`cannot reach the Docker engine at tcp://127\\.0\\.0\\.1:${closed}: connect ECONNREFUSED`));
  });

  it('verifies through tcp+TLS (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH with the client certificate)', async () => {
    const before = tlsRelay.connections;
    const run = await runCli(['verify', out], { env: { DOCKER_HOST: tlsHost(), DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: tlsFiles.certPaths.good } });
    succeeded(run, 'verify over TLS');
    assert.ok(tlsRelay.connections > before, 'TLS connections with a trusted client certificate');
  });

  it('refuses TLS, quickly and clearly, without a client certificate the engine trusts or a CA that signed the engine', async () => {
    const tls = (certPath: string) => ({ DOCKER_HOST: tlsHost(), DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath });
    const where = `at ${tlsHost().replace(/\./g, '\\.')}`;
    const accepted = tlsRelay.connections;
    const refusals = tlsRelay.refused.length;
    // A client certificate from another CA: the engine ends the handshake.
    await refused(['verify', out], tls(tlsFiles.certPaths.rogueClient), new RegExp(`cannot reach the Docker engine ${where}: .*the TLS handshake failed`));
    assert.ok(tlsRelay.refused.length > refusals, 'the engine refused the client certificate');
    // No client certificate at all: named before anything is sent.
    await refused(['verify', out], tls(tlsFiles.certPaths.noClient), /DOCKER_TLS_VERIFY is set, so .*no-client\/cert\.pem is needed: no such file/);
    // The engine's certificate is not signed by ca.pem.
    await refused(['verify', out], tls(tlsFiles.certPaths.rogueCa), new RegExp(`cannot reach the Docker engine ${where}: self-signed certificate in certificate chain .*the TLS handshake failed`));
    // Plain HTTP to the TLS port.
    await refused(['verify', out], { DOCKER_HOST: tlsHost() }, /socket hang up \(if the engine expects TLS, set DOCKER_TLS_VERIFY=1/);
    assert.equal(tlsRelay.connections, accepted, 'no connection got past the handshake');
  });

  it('verifies through ssh:// with the key in ssh-agent (SSH_AUTH_SOCK); no ssh connection outlives the command', async () => {
    const logins = () => sshd.log().split('\n').filter((line) => line.includes('Accepted publickey')).length;
    const before = logins();
    const run = await runCli(['verify', out], { env: sshEnv({ SSH_AUTH_SOCK: agent.socket }) });
    succeeded(run, 'verify over ssh');
    assert.doesNotMatch(run.stderr, /Warning/, 'no warning from Node or ssh');
    assert.ok(logins() > before, 'it went through the sshd');
    await waitFor('the ssh connections to close', async () => (await sshd.connections()) === 0, 10_000, 200);
  });

  it('keeps ssh connections alive: Engine API calls in a row share one ssh login', async () => {
    const logins = () => sshd.log().split('\n').filter((line) => line.includes('Accepted publickey')).length;
    const before = logins();
    const client = await connectDocker({ env: { ...process.env, ...sshEnv({ SSH_AUTH_SOCK: agent.socket }) } });
    for (let i = 0; i < 10; i++) await client.listContainers({ limit: 1 });
    assert.equal(logins() - before, 1, 'one ping and ten calls, one login');
    (client.modem as unknown as { agent: { destroy(): void } }).agent.destroy();
    await waitFor('the ssh connection to close', async () => (await sshd.connections()) === 0, 10_000, 200);
  });

  it('ssh:// with a key file (FUEL_IMAGE_SSH_KEY); without a usable key or with an unknown host key it is refused, naming why', async () => {
    const gc = await runCli(['gc', '--dry-run'], { env: sshEnv({ FUEL_IMAGE_SSH_KEY: sshd.clientKey }) });
    assert.equal(gc.exitCode, 0, gc.stderr.slice(-2000));
    assert.ok(Array.isArray(gc.result.removed_containers), gc.stdout);
    // The result line's URLs lose their userinfo (src/log/redact.ts): ssh://***@127.0.0.1:PORT.
    const where = `at ssh://\\*\\*\\*@127\\.0\\.0\\.1:${sshd.port}`;
    await refused(['verify', out], sshEnv(), new RegExp(`cannot reach the Docker engine ${where}: ssh ended with status 255: .*Permission denied \\(publickey\\)`));
    await refused(['verify', out], sshEnv({ SSH_AUTH_SOCK: agent.socket, FUEL_IMAGE_SSH_CONFIG: sshd.strangerConfig }), /ssh ended with status 255: .*Host key verification failed/);
    const closed = await freePort();
    await refused(['verify', out], sshEnv({ SSH_AUTH_SOCK: agent.socket, DOCKER_HOST: `ssh://${sshd.user}@127.0.0.1:${closed}` }), /Connection refused/);
    await waitFor('the ssh connections to close', async () => (await sshd.connections()) === 0, 10_000, 200);
  });

  it('over ssh, a SIGKILLed builder leaves no helper: closing its ssh connections closes the helper\'s stdin', async () => {
    const child = startCli(['verify', out], sshEnv({ SSH_AUTH_SOCK: agent.socket }));
    let helper: string | undefined;
    await waitFor(
      'the verify helper to run',
      async () => {
        const [running] = await docker.listContainers({ filters: { label: [`${LABEL.owner}=${hostname()}:${child.pid}`], status: ['running'] } });
        helper = running?.Id;
        return helper !== undefined;
      },
      60_000,
      100,
    );
    child.kill('SIGKILL');
    await child;
    const started = Date.now();
    await waitFor('the helper to remove itself', async () => !(await docker.getContainer(helper!).inspect().then(() => true, () => false)), 30_000, 250);
    // Well within the heartbeat's 40 s: the attach connection closed, the helper did not wait for silence.
    assert.ok(Date.now() - started < 20_000, `gone after ${Date.now() - started} ms`);
    await waitFor('the killed builder\'s ssh connections to close', async () => (await sshd.connections()) === 0, 20_000, 250);
  });

  it('a silent endpoint (tcp+TLS or ssh) is cut off by the ping limit, not waited on', async () => {
    // Reads (so that it sees the client close) and never answers.
    const silent = net.createServer((socket) => socket.resume());
    const open = new Set<net.Socket>();
    silent.on('connection', (socket) => open.add(socket.on('close', () => open.delete(socket))));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      for (const env of [
        { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: tlsFiles.certPaths.good },
        { ...process.env, ...sshEnv({ DOCKER_HOST: `ssh://${sshd.user}@127.0.0.1:${port}`, FUEL_IMAGE_SSH_KEY: sshd.clientKey }) },
      ]) {
        const started = Date.now();
        await assert.rejects(connectDocker({ env, limits: { pingMs: 1000 } }), (error: Error & { code?: string }) => {
          assert.equal(error.code, 'ENGINE_UNREACHABLE');
          assert.match(error.message, new RegExp(`the Docker engine at (tcp|ssh)://.*127\\.0\\.0\\.1:${port} did not answer "ping" within 1 s`));
          return true;
        });
        assert.ok(Date.now() - started < 5000, `${env.DOCKER_HOST}: ${Date.now() - started} ms`);
        // The abandoned connection (the TLS socket, or the ssh process) is closed, not left behind.
        await waitFor(`${env.DOCKER_HOST}: the connection to close`, async () => open.size === 0, 5000, 50);
      }
    } finally {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

/** Helper containers (running or not) started by the CLI process `pid`. */
async function ownHelpers(pid: number): Promise<string[]> {
  const found = await docker.listContainers({ all: true, filters: { label: [`${LABEL.owner}=${hostname()}:${pid}`] } });
  return found.map((container) => container.Id);
}

