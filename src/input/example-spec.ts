import { readFileSync } from 'node:fs';
import { FuelImageError } from '../errors.js';
import { MIRROR_ENV } from './host-mirror.js';

/**
 * examples/bookworm.json is a template: its Debian mirror is this placeholder,
 * filled with the host's mirror (findDebianMirror) by `fuel-image example`,
 * examples/run-example.sh and the tests, so no mirror host is fixed anywhere.
 */
export const MIRROR_PLACEHOLDER = `\${${MIRROR_ENV}}`;

export const EXAMPLE_SPEC_FILE = new URL('../../examples/bookworm.json', import.meta.url);

export function readExampleTemplate(): string {
  return readFileSync(EXAMPLE_SPEC_FILE, 'utf8');
}

/** The template's text with every placeholder string replaced by the mirror (JSON-escaped); layout kept. */
export function fillExampleSpec(template: string, mirror: string): string {
  const placeholder = JSON.stringify(MIRROR_PLACEHOLDER);
  if (!template.includes(placeholder)) throw new FuelImageError('USAGE', `the example spec has no ${placeholder} to fill with the mirror`);
  return template.split(placeholder).join(JSON.stringify(mirror));
}
