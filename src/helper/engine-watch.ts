import { Transform, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import { abortedError, FuelImageError } from '../errors.js';

/**
 * Time limits on the Docker Engine API (README: "Builds side by side,
 * up-to-date builds, and crashes"). An engine that accepts the connection
 * and never answers must fail the build, not hang it.
 */
export interface EngineLimits {
  /** A request/response call (inspect, create, start, remove, list, exec create/inspect, put archive), and the start of a stream's answer: counted from the last byte sent. */
  callMs: number;
  /** `ping`: the connection check, and each ping that watches a stream. */
  pingMs: number;
  /** How often a long stream (exec output, get archive, image build) pings the engine. */
  watchIntervalMs: number;
  /** The helper container's removal while cleaning up (then "fuel-image gc" removes it). */
  removeMs: number;
}

export const ENGINE_LIMITS: Readonly<EngineLimits> = {
  callMs: 60_000,
  pingMs: 10_000,
  watchIntervalMs: 15_000,
  removeMs: 10_000,
};

/**
 * The engine as the docker CLI and fuel-image find it, for messages: DOCKER_HOST
 * as given, its password (if any) replaced by "***" ("ssh://user@host:2222"
 * stays whole: a user name is no secret).
 */
export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST;
  if (!host) return 'unix:///var/run/docker.sock';
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(host)?.[0] ?? '';
  const rest = host.slice(scheme.length);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  const colon = authority.slice(0, Math.max(at, 0)).indexOf(':');
  if (at < 0 || colon < 0) return host;
  return `${scheme}${authority.slice(0, colon)}:***${authority.slice(at)}${end < 0 ? '' : rest.slice(end)}`;
}

const CALLS: Array<[method: string, path: RegExp, name: string]> = [
  ['GET', /^\/_ping$/, 'ping'],
  ['GET', /^\/info$/, 'info'],
  ['GET', /^\/containers\/json$/, 'list containers'],
  ['POST', /^\/containers\/create$/, 'create container'],
  ['GET', /^\/containers\/[^/]+\/json$/, 'inspect container'],
  ['POST', /^\/containers\/[^/]+\/start$/, 'start container'],
  ['DELETE', /^\/containers\/[^/]+$/, 'remove container'],
  ['POST', /^\/containers\/[^/]+\/exec$/, 'exec create'],
  ['POST', /^\/exec\/[^/]+\/start$/, 'exec start'],
  ['GET', /^\/exec\/[^/]+\/json$/, 'exec inspect'],
  ['PUT', /^\/containers\/[^/]+\/archive$/, 'put archive'],
  ['GET', /^\/containers\/[^/]+\/archive$/, 'get archive'],
  ['GET', /^\/volumes\/[^/]+$/, 'inspect volume'],
  ['POST', /^\/volumes\/create$/, 'create volume'],
  ['GET', /^\/images\/json$/, 'list images'],
  ['GET', /^\/images\/.+\/json$/, 'inspect image'],
  ['POST', /^\/build$/, 'image build'],
];

/** A short name for an Engine API request, for messages ("exec inspect"); unknown ones read "METHOD /path". */
export function engineCallName(method: string, requestPath: string): string {
  const bare = (requestPath.split('?')[0] ?? '').replace(/^\/v\d+(?:\.\d+)?(?=\/)/, '');
  return CALLS.find(([m, pattern]) => m === method && pattern.test(bare))?.[2] ?? `${method} ${bare}`;
}

/** What docker-modem's `dial` gets from dockerode: every Engine API call goes through it. */
interface DialOptions {
  path: string;
  method: string;
  isStream?: boolean;
  hijack?: boolean;
  abortSignal?: AbortSignal;
  file?: unknown;
}
type DialCallback = (error: unknown, data?: unknown) => void;
interface Dialer {
  dial(options: DialOptions, callback: DialCallback): void;
}
type Destroyable = NodeJS.EventEmitter & { destroy(error?: Error): void };

export interface EngineBoundsOptions {
  /** The engine's address, named in every message. */
  address: string;
  /**
   * The build's abort signal. A call in flight when it fires is abandoned
   * (ABORTED); after it fired, only container removals (the cleanup) are
   * sent, under their own limits, and any other call fails at once.
   */
  signal?: AbortSignal;
  limits?: Partial<EngineLimits>;
}

/**
 * Puts every Engine API call of this client under a time limit, at the one
 * place they all pass (docker-modem's `dial`), so no caller can forget one:
 *
 * - a request/response call fails with ENGINE_UNREACHABLE, naming the
 *   engine and the call, when no answer came `callMs` after the last byte
 *   sent (`pingMs` for ping); an upload that keeps moving is not cut off;
 * - a stream (exec output, get archive, image build) must start answering
 *   within the same limit; from then on a ping every `watchIntervalMs`
 *   (each limited to `pingMs`) watches the engine, and the stream is
 *   destroyed with ENGINE_UNREACHABLE when a ping goes unanswered;
 * - once one call went unanswered, the engine is taken as lost: later calls
 *   fail at once with the same error instead of waiting again, except
 *   container removals (the cleanup still tries, under its own limit);
 * - once the build's signal fired, calls in flight are abandoned and later
 *   ones fail at once (ABORTED), container removals again excepted.
 */
export function bindEngineLimits(docker: Docker, options: EngineBoundsOptions): Docker {
  const limits: EngineLimits = { ...ENGINE_LIMITS, ...options.limits };
  const { address, signal: buildSignal } = options;
  const modem = docker.modem as unknown as Dialer;
  const dial = modem.dial.bind(modem);
  let lost: FuelImageError | undefined;

  modem.dial = (call: DialOptions, callback: DialCallback): void => {
    const name = engineCallName(call.method, call.path);
    if (buildSignal?.aborted && call.method !== 'DELETE') {
      process.nextTick(callback, abortedError(buildSignal));
      return;
    }
    if (lost && call.method !== 'DELETE') {
      const error = new FuelImageError('ENGINE_UNREACHABLE', `${lost.message}; "${name}" not attempted`, { cause: lost, details: { ...lost.details, call: name, notAttempted: true } });
      process.nextTick(callback, error);
      return;
    }
    const streaming = call.isStream === true || call.hijack === true;
    const limitMs = name === 'ping' ? limits.pingMs : limits.callMs;
    const controller = new AbortController();
    const followed: Array<[AbortSignal, () => void]> = [];
    const follow = (source: AbortSignal, reason: () => unknown) => {
      if (source.aborted) return controller.abort(reason());
      const listener = () => controller.abort(reason());
      source.addEventListener('abort', listener, { once: true });
      followed.push([source, listener]);
    };
    if (call.abortSignal) {
      const own = call.abortSignal;
      follow(own, () => own.reason);
    }
    if (buildSignal && !buildSignal.aborted) follow(buildSignal, () => abortedError(buildSignal));
    call.abortSignal = controller.signal;

    let answered = false;
    let ended = false;
    let stream: Destroyable | undefined;
    let timer: NodeJS.Timeout | undefined;
    let watchTimer: NodeJS.Timeout | undefined;

    const end = () => {
      ended = true;
      clearTimeout(timer);
      clearTimeout(watchTimer);
      for (const [source, listener] of followed) source.removeEventListener('abort', listener);
    };
    /** Ends the call with `error`: before the answer by aborting the request (and answering), after it by destroying the stream. */
    const fail = (error: FuelImageError) => {
      if (ended) return;
      lost ??= error;
      controller.abort(error);
      if (!answered) answer(error);
    };
    const answer = (error: unknown, data?: unknown) => {
      if (answered) {
        // We gave up on this call already: a stream that still arrives is closed at once.
        if (isDestroyable(data)) data.destroy();
        return;
      }
      answered = true;
      clearTimeout(timer);
      if (error) {
        end();
        const reason: unknown = controller.signal.reason;
        callback(controller.signal.aborted && reason instanceof FuelImageError ? reason : error);
        return;
      }
      if (!streaming || !isDestroyable(data)) {
        end();
        callback(null, data);
        return;
      }
      stream = data;
      stream.once('close', end);
      stream.once('error', end);
      controller.signal.addEventListener('abort', () => {
        const reason: unknown = controller.signal.reason;
        // The caller's own signal is the caller's business (it closes its stream itself).
        if (ended || !(reason instanceof FuelImageError)) return;
        // Never an unhandled 'error': a consumer that stopped listening must not crash the process.
        if (stream!.listenerCount('error') === 0) stream!.on('error', () => {});
        stream!.destroy(reason);
      });
      callback(null, data);
    };

    const expire = () =>
      fail(
        new FuelImageError('ENGINE_UNREACHABLE', `the Docker engine at ${address} did not answer "${name}" within ${limitMs / 1000} s`, {
          details: { engine: address, call: name, timeoutSeconds: limitMs / 1000 },
        }),
      );
    const watch = () => {
      watchTimer = setTimeout(() => {
        docker.ping().then(
          () => {
            if (!ended) watch();
          },
          (error: unknown) => {
            if (ended || (error instanceof FuelImageError && error.code === 'ABORTED')) return;
            const timedOut = error instanceof FuelImageError && error.details.call === 'ping' && !error.details.notAttempted;
            const why = timedOut ? `no answer to a ping within ${limits.pingMs / 1000} s` : `ping failed: ${(error as Error).message}`;
            fail(
              new FuelImageError('ENGINE_UNREACHABLE', `the Docker engine at ${address} stopped answering during "${name}" (${why})`, {
                cause: error,
                details: { engine: address, call: name },
              }),
            );
          },
        );
      }, limits.watchIntervalMs);
      // The stream's own socket keeps the process alive while it is open; the watch never does.
      watchTimer.unref();
    };

    if (controller.signal.aborted) {
      process.nextTick(answer, controller.signal.reason);
      return;
    }
    timer = setTimeout(expire, limitMs);
    // The limit counts from the last byte sent: an upload that moves is not cut off.
    if (isReadable(call.file)) call.file = withProgress(call.file, () => timer?.refresh());
    if (streaming) watch();
    try {
      dial(call, answer);
    } catch (error) {
      answer(error);
    }
  };
  return docker;
}

function isDestroyable(value: unknown): value is Destroyable {
  return typeof value === 'object' && value !== null && typeof (value as Destroyable).destroy === 'function' && typeof (value as Destroyable).once === 'function';
}

function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function';
}

/** The same bytes, calling `onChunk` as each one is taken; errors of the source reach the copy. */
function withProgress(source: Readable, onChunk: () => void): Readable {
  const copy = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onChunk();
      callback(null, chunk);
    },
  });
  source.on('error', (error) => copy.destroy(error));
  return source.pipe(copy);
}
