import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { Logger } from 'pino';
import { abortedError, FuelImageError } from '../errors.js';

export interface ServeArgs {
  command: 'serve';
  directory: string;
  /** HOST:PORT; 127.0.0.1:8080 by default, where a Fuel master's nginx serves them. */
  listen: string;
  /** The URL path the directory appears under, as the spec's image_data URIs name it. */
  prefix: string;
  level: 'debug' | 'info' | 'warn';
  progress: import('../log/progress-mode.js').ProgressRequest;
}

/**
 * The image names a request may ask for: files directly in the directory,
 * never dotfiles (the lock and staging directories of a build in progress).
 */
export function servedName(urlPath: string, prefix: string): string | undefined {
  if (!urlPath.startsWith(prefix)) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(urlPath.slice(prefix.length));
  } catch {
    return undefined;
  }
  if (name === '' || name.startsWith('.') || name.includes('/') || name.includes('\\') || name.includes('\0')) return undefined;
  return name;
}

/** Splits HOST:PORT; a bad value is a usage error naming the option. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) throw new FuelImageError('USAGE', `--listen: expected HOST:PORT (e.g. 127.0.0.1:8080), got "${value}"`);
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

/**
 * `fuel-image serve DIR`: the built images over HTTP at the spec's
 * `/targetimages/` paths, as a Fuel master's nginx serves
 * /var/www/nailgun/targetimages, so the URIs in image_data resolve (compose
 * runs it beside the builder). Read-only, GET and HEAD, until SIGINT/SIGTERM.
 */
export async function serveImages(args: ServeArgs, logger: Logger, signal: AbortSignal): Promise<never> {
  const root = path.resolve(args.directory);
  if (!(await stat(root).catch(() => undefined))?.isDirectory()) throw new FuelImageError('USAGE', `serve: ${root} is not a directory`);
  const { host, port } = parseListen(args.listen);
  const server = http.createServer((request, response) => {
    void answer(root, args.prefix, request, response).then((status) => logger.info({ method: request.method, url: request.url, status }, `${request.method} ${request.url} ${status}`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new FuelImageError('USAGE', `serve: cannot listen on ${args.listen}: ${error.code ?? error.message}`, { cause: error })));
    server.listen(port, host, resolve);
  });
  logger.info({ directory: root, url: `http://${args.listen}${args.prefix}` }, `serving ${root} at http://${args.listen}${args.prefix}`);
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  throw abortedError(signal);
}

async function answer(root: string, prefix: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<number> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return 405;
  }
  const name = servedName(new URL(request.url ?? '/', 'http://x').pathname, prefix);
  const file = name === undefined ? undefined : path.join(root, name);
  const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
  if (!file || !info?.isFile()) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return 404;
  }
  response.writeHead(200, { 'content-length': info.size, 'last-modified': info.mtime.toUTCString(), 'content-type': 'application/octet-stream' });
  if (request.method === 'HEAD') {
    response.end();
    return 200;
  }
  createReadStream(file)
    .on('error', () => response.destroy())
    .pipe(response);
  return 200;
}
