import { fillExampleSpec, readExampleTemplate } from '../input/example-spec.js';
import { findDebianMirror, normaliseMirror } from '../input/host-mirror.js';

/** `fuel-image example [--mirror URI]`: the bundled example spec, filled with a Debian mirror. */
export interface ExampleArgs {
  command: 'example';
  mirror?: string;
}

/** `fuel-image mirror`: the Debian mirror found for this host (images/base/make-base.sh asks for it). */
export interface MirrorArgs {
  command: 'mirror';
}

/** What these commands print on stdout; nothing is built and no engine is needed. */
export function printExample(args: ExampleArgs | MirrorArgs, options: { env?: NodeJS.ProcessEnv; root?: string } = {}): string {
  if (args.command === 'mirror') return `${findDebianMirror(options)}\n`;
  const mirror = args.mirror === undefined ? findDebianMirror(options) : normaliseMirror(args.mirror, '--mirror');
  return fillExampleSpec(readExampleTemplate(), mirror);
}
