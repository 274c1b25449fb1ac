import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { parseCliArgs, type BuildArgs, type CliArgs, type GcArgs, type HelperArgs, type VerifyArgs } from './cli/parse-args.js';
import { exitCodeFor, FuelImageError, abortedError, interruptedBy, isFuelImageError } from './errors.js';
import { redactSecrets } from './log/redact.js';
import type { Logger } from 'pino';
import type { Logging } from './log/create-logger.js';

/**
 * The one place that decides the exit code and prints the result line.
 * Commands are imported when run, so --help and --version load no Docker
 * client, logger or schema.
 */
export async function main(argv: string[]): Promise<number> {
  // The RPM's wrapper asks which host paths to mount before it runs the builder image.
  const listingPaths = process.env.FUEL_IMAGE_HOST_PATHS === '1';
  let args;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    // Bad arguments are reported by the real run, inside the builder image.
    return listingPaths ? 0 : report(error);
  }
  if (listingPaths) return printHostPaths(args);
  if (args.command === 'help') {
    process.stdout.write((await import('./cli/help.js')).HELP);
    return 0;
  }
  if (args.command === 'version') {
    process.stdout.write(`${(await import('./version.js')).VERSION}\n`);
    return 0;
  }
  if (args.command === 'example' || args.command === 'mirror') {
    try {
      process.stdout.write((await import('./cli/print-example.js')).printExample(args));
    } catch (error) {
      return report(error);
    }
    return 0;
  }
  const { createLogger } = await import('./log/create-logger.js');
  const { chooseProgressMode } = await import('./log/progress-mode.js');
  const logFile = args.command === 'build' || args.command === 'verify' ? args.logFile : undefined;
  const logging = createLogger({
    level: args.level,
    logFile,
    view: chooseProgressMode(args.progress, { isTTY: process.stderr.isTTY === true, env: process.env }),
    // A person who sees only the stages can still read every line after a failure.
    tempLog: args.command === 'build' || args.command === 'verify',
  });
  const { logger } = logging;
  activeLogging = logging;
  const controller = new AbortController();
  // The first signal aborts the build, which then cleans up under time limits
  // (the helper's removal: 10 s). A second one ends the process at once.
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => {
    if (controller.signal.aborted) {
      logger.warn({ signal: name }, `${name} again: exiting now; the helper's removal is requested, not awaited ("fuel-image gc" removes what is left)`);
      return void exitNow(abortedError(controller.signal));
    }
    logger.warn({ signal: name }, `${name} received: stopping and cleaning up`);
    controller.abort(interruptedBy(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result =
      args.command === 'gc'
        ? await runGc(args, logger, controller.signal)
        : args.command === 'helper'
          ? await runHelper(args, logger, controller.signal)
          : args.command === 'cache'
            ? await (await import('./cli/manage-cache.js')).manageCache(args, logger, controller.signal)
          : args.command === 'serve'
            ? await (await import('./cli/serve-images.js')).serveImages(args, logger, controller.signal)
          : args.command === 'verify'
          ? await runVerify(args, logger, controller.signal)
          : await runBuild(args, logger, controller.signal);
    if (exiting) return 0;
    if (logging.view) {
      const { summaryLines } = await import('./cli/summary.js');
      const extras = { downloads: logging.view.downloads(), logFile, dryRun: args.command === 'gc' && args.dryRun };
      // helper: the result line says it all (serve ends only by a signal).
      const summary = args.command === 'build' || args.command === 'verify' || args.command === 'gc' ? summaryLines(args.command, result, logging.style, extras) : [];
      logging.end({ ok: true, summary });
    }
    // Machines read this line in every mode; on a terminal it comes after the summary.
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (caught) {
    // Whatever a step threw while being torn down, an interrupt is reported as one.
    const error = controller.signal.aborted ? abortedError(controller.signal) : caught;
    if (exiting) return exitCodeFor(error);
    logging.view?.failStage();
    logFailure(logger, error, caught);
    logging.end({ ok: false });
    return report(error);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function printHostPaths(args: CliArgs): Promise<number> {
  const { formatHostPaths, listHostPaths } = await import('./cli/list-host-paths.js');
  let specOutput: string | undefined;
  if (args.command === 'build' && !args.output) {
    const { parseSpec, readSpecText } = await import('./input/read-spec.js');
    const { printExample } = await import('./cli/print-example.js');
    // A spec that cannot be read or parsed mounts no output: the real run reports it.
    specOutput = await (typeof args.spec === 'string' ? readSpecText(args.spec) : Promise.resolve(printExample({ command: 'example', mirror: args.spec.mirror })))
      .then((text) => parseSpec(text).output)
      .catch(() => undefined);
  }
  process.stdout.write(formatHostPaths(listHostPaths(args, process.cwd(), specOutput)));
  return 0;
}

async function runBuild(args: BuildArgs, logger: Logger, signal: AbortSignal) {
  const { parseSpec, readSpecText } = await import('./input/read-spec.js');
  const { buildImages } = await import('./pipeline/build-images.js');
  const text = typeof args.spec === 'string' ? await readSpecText(args.spec) : (await import('./cli/print-example.js')).printExample({ command: 'example', mirror: args.spec.mirror });
  const spec = parseSpec(text);
  if (args.output) spec.output = path.resolve(args.output);
  // A keyring that cannot be read is bad input: refused before anything is created.
  if (args.keyring) await access(args.keyring, constants.R_OK).catch((error: unknown) => {
    throw new FuelImageError('USAGE', `--keyring ${args.keyring}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read'}`, { cause: error });
  });
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
    checkValidUntil: args.checkValidUntil,
    featureSet: args.featureSet,
    gzipLevel: args.gzipLevel,
    keyringFile: args.keyring,
    force: args.force,
    lockWaitSeconds: args.lockWaitSeconds,
    cache: args.cache,
  });
}

async function runVerify(args: VerifyArgs, logger: Logger, signal: AbortSignal) {
  const { verifyOutput } = await import('./verify/verify-output.js');
  const { command: _command, level: _level, logFile: _logFile, progress: _progress, ...options } = args;
  return verifyOutput({ ...options, logger, signal });
}

async function runHelper(args: HelperArgs, logger: Logger, signal: AbortSignal) {
  const { manageHelper } = await import('./cli/manage-helper.js');
  return manageHelper(args, logger, signal);
}

async function runGc(args: GcArgs, logger: Logger, signal: AbortSignal) {
  const { collectGarbage } = await import('./cli/collect-garbage.js');
  return collectGarbage(args, logger, signal);
}

function logFailure(logger: Logger, error: unknown, original: unknown): void {
  if (isFuelImageError(error)) {
    const cause = error.cause ?? (original !== error ? original : undefined);
    logger.error({ code: error.code, ...error.details, cause: cause ? redactSecrets(String(cause)) : undefined }, redactSecrets(error.message));
  } else {
    logger.error({ err: error }, 'unexpected failure');
  }
}

/** Set by a second signal: the process is on its way out and has reported. */
let exiting = false;

/** The running command's logging, so that a second signal can end its view. */
let activeLogging: Logging | undefined;

/** How long a second signal gives the removal request to get out before the process exits. */
const REMOVAL_SEND_MS = 500;

/**
 * A second SIGINT/SIGTERM: whoever sent it wants the process gone now, while
 * the first signal's cleanup may still be waiting on an engine that does not
 * answer. Pending promises cannot be cancelled and keep the event loop alive,
 * so this is the one place that calls process.exit (the exit code is still
 * the one `report` computes, as main's return would be). Before it, the
 * helper's removal is requested and given a moment to be sent, not answered;
 * proper-lockfile releases the output lock in its exit handler, and the next
 * build or "fuel-image gc" removes a staging directory or helper left behind.
 */
async function exitNow(error: FuelImageError): Promise<void> {
  if (exiting) return;
  exiting = true;
  const { requestHelperRemoval } = await import('./helper/helper-session.js');
  await Promise.race([requestHelperRemoval(), new Promise((resolve) => setTimeout(resolve, REMOVAL_SEND_MS).unref())]);
  activeLogging?.end({ ok: false });
  process.exit(report(error));
}

function report(error: unknown): number {
  const code = exitCodeFor(error);
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  const errorCode = isFuelImageError(error) ? error.code : 'INTERNAL';
  // Invalid input is reported before a logger exists: say it plainly on
  // stderr (the human view has said it already).
  if (code === 2 && !activeLogging?.view) process.stderr.write(`fuel-image: ${message}\n`);
  process.stdout.write(`${JSON.stringify({ outcome: 'error', code: errorCode, message, exit_code: code })}\n`);
  return code;
}
