import path from 'node:path';
import { buildImages } from './build/build-images.js';
import { familyOf } from './build/distro.js';
import { HELP } from './cli/help.js';
import { parseCliArgs, type BuildArgs } from './cli/parse-args.js';
import { exitCodeFor, FuelImageError, isFuelImageError } from './errors.js';
import { createLogger } from './log/create-logger.js';
import { redactSecrets } from './log/redact.js';
import { parseSpec, readSpecText } from './spec/read-spec.js';
import { VERSION } from './version.js';

/** The one place that decides the exit code. */
export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    return fail(error);
  }
  if (args.command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (args.command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  return runBuild(args);
}

async function runBuild(args: BuildArgs): Promise<number> {
  const logger = createLogger({ level: args.level, logFile: args.logFile });
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      logger.warn(`${name} again: still removing the helper container`);
      return;
    }
    logger.warn({ signal: name }, `${name} received: stopping the build and cleaning up`);
    controller.abort(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const spec = parseSpec(await readSpecText(args.spec));
    if (args.output) spec.output = path.resolve(args.output);
    if (familyOf(spec.codename) === 'ubuntu' && args.checkGpg && !args.keyring)
      throw new FuelImageError('USAGE', `codename "${spec.codename}" is Ubuntu, whose archive key is not in the helper: pass --keyring FILE (e.g. ubuntu-archive-keyring.gpg) or --no-check-gpg`);
    const result = await buildImages({
      spec,
      logger,
      signal: controller.signal,
      baseImage: args.baseImage,
      helperImage: args.helperImage,
      privileged: args.privileged,
      network: args.network,
      retry: { retries: args.retries, minTimeout: args.retryDelayMs },
      checkGpg: args.checkGpg,
      allowUnsigned: args.allowUnsigned,
      keyringFile: args.keyring,
    });
    process.stdout.write(`${JSON.stringify({ outcome: 'success', ...result })}\n`);
    return 0;
  } catch (error) {
    logFailure(logger, error);
    return fail(error);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function logFailure(logger: ReturnType<typeof createLogger>, error: unknown): void {
  if (isFuelImageError(error)) {
    logger.error({ code: error.code, ...error.details, cause: error.cause ? redactSecrets(String(error.cause)) : undefined }, redactSecrets(error.message));
  } else {
    logger.error({ err: error }, 'unexpected failure');
  }
}

function fail(error: unknown): number {
  const code = exitCodeFor(error);
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  const errorCode = isFuelImageError(error) ? error.code : 'INTERNAL';
  if (!process.stderr.isTTY || code === 2) process.stderr.write(`fuel-image: ${message}\n`);
  process.stdout.write(`${JSON.stringify({ outcome: 'error', code: errorCode, message, exit_code: code })}\n`);
  return code;
}
