import path from 'node:path';
import { buildImages } from './build/build-images.js';
import { familyOf } from './build/distro.js';
import { collectGarbage } from './cli/collect-garbage.js';
import { verifyOutput } from './verify/verify-output.js';
import { HELP } from './cli/help.js';
import { parseCliArgs, type BuildArgs } from './cli/parse-args.js';
import { printExample } from './cli/print-example.js';
import { abortedError, exitCodeFor, FuelImageError, isFuelImageError } from './errors.js';
import { createLogger } from './log/create-logger.js';
import { redactSecrets } from './log/redact.js';
import { parseSpec, readSpecText } from './spec/read-spec.js';
import { VERSION } from './version.js';

type Logger = ReturnType<typeof createLogger>;

/** The one place that decides the exit code and prints the result line. */
export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    return report(error);
  }
  if (args.command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (args.command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (args.command === 'example' || args.command === 'mirror') {
    try {
      process.stdout.write(printExample(args));
    } catch (error) {
      return report(error);
    }
    return 0;
  }
  const logger = createLogger({ level: args.level, logFile: args.command === 'gc' ? undefined : args.logFile });
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) return void logger.warn(`${name} again: still cleaning up`);
    logger.warn({ signal: name }, `${name} received: stopping and cleaning up`);
    controller.abort(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result =
      args.command === 'gc'
        ? await collectGarbage(args, logger)
        : args.command === 'verify'
          ? await verifyOutput({ ...args, logger, signal: controller.signal })
          : await runBuild(args, logger, controller.signal);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (caught) {
    // Whatever a step threw while being torn down, an interrupt is reported as one.
    const error = controller.signal.aborted ? abortedError(controller.signal) : caught;
    logFailure(logger, error, caught);
    return report(error);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function runBuild(args: BuildArgs, logger: Logger, signal: AbortSignal) {
  const spec = parseSpec(await readSpecText(args.spec));
  if (args.output) spec.output = path.resolve(args.output);
  if (familyOf(spec.codename) === 'ubuntu' && args.checkGpg && !args.keyring)
    throw new FuelImageError('USAGE', `codename "${spec.codename}" is Ubuntu, whose archive key is not in the helper: pass --keyring FILE (e.g. ubuntu-archive-keyring.gpg) or --no-check-gpg`);
  return buildImages({
    spec,
    logger,
    signal,
    baseImage: args.baseImage,
    helperImage: args.helperImage,
    privileged: args.privileged,
    network: args.network,
    retry: { retries: args.retries, minTimeout: args.retryDelayMs },
    checkGpg: args.checkGpg,
    allowUnsigned: args.allowUnsigned,
    keyringFile: args.keyring,
    force: args.force,
    lockWaitSeconds: args.lockWaitSeconds,
  });
}

function logFailure(logger: Logger, error: unknown, original: unknown): void {
  if (isFuelImageError(error)) {
    const cause = error.cause ?? (original !== error ? original : undefined);
    logger.error({ code: error.code, ...error.details, cause: cause ? redactSecrets(String(cause)) : undefined }, redactSecrets(error.message));
  } else {
    logger.error({ err: error }, 'unexpected failure');
  }
}

function report(error: unknown): number {
  const code = exitCodeFor(error);
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  const errorCode = isFuelImageError(error) ? error.code : 'INTERNAL';
  // Invalid input is reported before a logger exists: say it plainly on stderr.
  if (code === 2) process.stderr.write(`fuel-image: ${message}\n`);
  process.stdout.write(`${JSON.stringify({ outcome: 'error', code: errorCode, message, exit_code: code })}\n`);
  return code;
}
