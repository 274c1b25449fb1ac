import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FuelImageError } from '../errors.js';
import { Spec } from './schema.js';

/** Specs are small; anything bigger is a mistake or an attack. */
export const MAX_SPEC_BYTES = 1024 * 1024;
export const MAX_SPEC_DEPTH = 32;

/**
 * The spec argument is JSON text (as Fuel passes it), "-" for stdin, or a
 * file path. JSON text is recognised by its first character.
 */
export async function readSpecText(argument: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const trimmed = argument.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return argument;
  if (argument === '-') return readLimited(stdin);
  try {
    const text = await readFile(argument, 'utf8');
    if (Buffer.byteLength(text) > MAX_SPEC_BYTES) throw tooBig();
    return text;
  } catch (error) {
    if (error instanceof FuelImageError) throw error;
    // Something that is no plausible path may be a mangled spec, secrets and
    // all: it is not quoted back (nor is the errno message, which holds it).
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    if (!/^[\w./+~@-]{1,4096}$/.test(argument))
      throw new FuelImageError('USAGE', `the spec argument is neither JSON text (it must start with "{") nor a readable file (${code})`);
    throw new FuelImageError('USAGE', `cannot read spec file "${argument}": ${code === 'ENOENT' ? 'no such file' : code}`);
  }
}

async function readLimited(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > MAX_SPEC_BYTES) throw tooBig();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooBig(): FuelImageError {
  return new FuelImageError('INVALID_SPEC', `spec: larger than ${MAX_SPEC_BYTES} bytes`);
}

/** Parses and validates; every failure names the field path and the problem. */
export function parseSpec(text: string): Spec {
  if (Buffer.byteLength(text) > MAX_SPEC_BYTES) throw tooBig();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw notJson(text, error);
  }
  if (depthOf(data) > MAX_SPEC_DEPTH) throw new FuelImageError('INVALID_SPEC', `spec: nested deeper than ${MAX_SPEC_DEPTH} levels`);
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new FuelImageError('INVALID_SPEC', 'spec: must be a JSON object');
  const result = Spec.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.map(describeIssue);
  throw new FuelImageError('INVALID_SPEC', `invalid spec: ${problems.join('; ')}`, {
    details: { fields: result.error.issues.map((issue) => formatPath(issue.path)) },
  });
}

/**
 * JSON.parse's message quotes a snippet of the text, which may hold
 * root_password: the error says only where the text broke, and keeps no
 * cause (cli.ts logs String(cause)).
 */
function notJson(text: string, error: unknown): FuelImageError {
  const message = error instanceof Error ? error.message : '';
  const position = jsonErrorPosition(text, message);
  if (position) return new FuelImageError('INVALID_SPEC', `spec: not valid JSON (line ${position.line}, column ${position.column})`, { details: position });
  if (/^Unexpected end of JSON input$/.test(message)) return new FuelImageError('INVALID_SPEC', 'spec: not valid JSON (it ends too early)');
  return new FuelImageError('INVALID_SPEC', 'spec: not valid JSON');
}

/**
 * Line and column (from 1) of a JSON.parse failure, from the offset its
 * message ends with (newer V8 adds "(line L column C)"), if it gives one.
 * Only the end of the message is read: a snippet of the text comes before.
 */
export function jsonErrorPosition(text: string, message: string): { line: number; column: number } | undefined {
  const found = / at position (\d+)(?: \(line (\d+) column (\d+)\))?$/.exec(message);
  if (!found) return undefined;
  if (found[2] && found[3]) return { line: Number(found[2]), column: Number(found[3]) };
  const at = Math.min(Number(found[1]), text.length);
  const before = text.slice(0, at);
  return { line: (before.match(/\n/g)?.length ?? 0) + 1, column: at - (before.lastIndexOf('\n') + 1) + 1 };
}

export function formatPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || '(spec)';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // Record key problems carry their own issues; surface the inner message.
  if (issue.code === 'invalid_key' && issue.issues.length > 0) {
    const inner = issue.issues.map((i) => i.message).join(', ');
    return `${formatPath(issue.path)}: ${inner}`;
  }
  const message = issue.code === 'invalid_type' && /received undefined$/.test(issue.message) ? `is required (${issue.expected})` : issue.message;
  return `${formatPath(issue.path)}: ${message}`;
}

function depthOf(value: unknown): number {
  // Iterative, so hostile nesting cannot blow the stack while being measured.
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    max = Math.max(max, depth);
    if (max > MAX_SPEC_DEPTH) return max;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return max;
}
