import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { FuelImageError } from '../errors.js';
import { engineAddress } from './engine-watch.js';
import { parseSshHost, SshDialAgent, sshDialArgs } from './ssh-dial.js';

/**
 * How the Docker client reaches the engine, from the variables the docker
 * CLI reads (README: "Remote engines"):
 *
 * - DOCKER_HOST unset: the local socket (/var/run/docker.sock);
 * - unix:///path: that socket;
 * - tcp://host[:port] (or host:port): plain HTTP, port 2375 by default;
 *   with DOCKER_TLS_VERIFY set to any non-empty value, TLS (port 2376 by
 *   default): the engine's certificate is checked against ca.pem and
 *   cert.pem/key.pem are presented as the client's, all three read from
 *   DOCKER_CERT_PATH (default ~/.docker);
 * - ssh://[user@]host[:port]: through the ssh client (ssh-dial.ts).
 *
 * Nothing is bind-mounted into a helper, so every one of them builds alike.
 * Throws ENGINE_UNREACHABLE, naming the engine and what is wrong, for a
 * DOCKER_HOST it cannot use or TLS files it cannot read.
 */
export function engineOptions(env: NodeJS.ProcessEnv = process.env): Docker.DockerOptions | undefined {
  const host = env.DOCKER_HOST;
  if (!host) return undefined;
  const unusable = (why: string, cause?: unknown) =>
    new FuelImageError('ENGINE_UNREACHABLE', `cannot use the Docker engine at ${engineAddress(env)}: ${why}`, { cause, details: { engine: engineAddress(env) } });

  // Every option that says where is set (host undefined too): docker-modem starts from its own reading of process.env.
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) || '/var/run/docker.sock', host: undefined };
  if (host.startsWith('ssh://')) {
    let target;
    try {
      target = parseSshHost(host);
    } catch (error) {
      throw unusable((error as Error).message, error);
    }
    // The URL's host name is not used for the connection (ssh makes it), only sent as the Host header.
    const agent = new SshDialAgent(sshDialArgs(target, env), env);
    return { protocol: 'http', host: 'api.moby.localhost', port: 80, pathPrefix: '/', agent } as Docker.DockerOptions;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(host)?.[1];
  if (scheme && scheme.toLowerCase() !== 'tcp') throw unusable(`the scheme "${scheme}" is not supported: use unix://, tcp:// or ssh://`);
  let url: URL;
  try {
    url = new URL(scheme ? host : `tcp://${host}`);
  } catch (error) {
    throw unusable('it is not a URL (tcp://host:port)', error);
  }
  if (!url.hostname) throw unusable('no host (tcp://host:port)');
  const tls = Boolean(env.DOCKER_TLS_VERIFY);
  return {
    protocol: tls ? 'https' : 'http',
    host: url.hostname,
    port: url.port || (tls ? 2376 : 2375),
    pathPrefix: '/',
    ...(tls ? readTlsFiles(env, unusable) : {}),
  } as Docker.DockerOptions;
}

/** ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH (default ~/.docker), as the docker CLI finds them. */
function readTlsFiles(env: NodeJS.ProcessEnv, unusable: (why: string, cause?: unknown) => FuelImageError): { ca: Buffer; cert: Buffer; key: Buffer } {
  const dir = env.DOCKER_CERT_PATH || path.join(env.HOME || homedir(), '.docker');
  const read = (name: string) => {
    const file = path.join(dir, name);
    try {
      return readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (error as Error).message})`;
      throw unusable(
        `DOCKER_TLS_VERIFY is set, so ${file} is needed: ${why} (${env.DOCKER_CERT_PATH ? 'DOCKER_CERT_PATH' : '~/.docker, or DOCKER_CERT_PATH,'} must hold ca.pem, cert.pem and key.pem)`,
        error,
      );
    }
  };
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

/**
 * A hint for an error of the first call: what to check when a TLS handshake
 * failed, or when plain HTTP reached a TLS engine (or the reverse).
 */
export function connectionHint(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST ?? '';
  if (host.startsWith('unix://') || host.startsWith('ssh://') || !host) return '';
  const { code, message } = error as NodeJS.ErrnoException;
  const tlsFailure =
    /^(ERR_SSL_|ERR_TLS_)/.test(code ?? '') ||
    ['EPROTO', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'].includes(code ?? '');
  if (env.DOCKER_TLS_VERIFY)
    return tlsFailure || /socket hang up|ECONNRESET/.test(`${code} ${message}`)
      ? ' (the TLS handshake failed: does the engine serve TLS there, is ca.pem the CA of its certificate, are cert.pem/key.pem a client certificate it trusts, does its certificate name this host?)'
      : '';
  return /socket hang up|ECONNRESET|HTTPS server/.test(`${code} ${message}`) ? ' (if the engine expects TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH)' : '';
}
