/*
 * Credentials in URLs (proxy or repo: "http://user:secret@host") are replaced
 * by "***" before any text reaches a log, an error message, the result line
 * or the metadata file.
 *
 * The userinfo is everything between "scheme://" and the LAST "@" (or "%40")
 * of the authority, so a password holding a raw "@" ("http://u:p@ss@host/x")
 * or an encoded one goes whole. In free text the authority ends at the first
 * "/", whitespace, quote or the end of the text; a JSON-escaped quote (\")
 * does not end it, JSON's escaped slash (\/) does. A URL percent-encoded as
 * a whole (inside a query string: "http%3A%2F%2Fu%3Ap%40ss%40host%2Fx", or
 * encoded twice) loses its userinfo up to the last "%40" ("%2540") too.
 * Over-redacting (an "@" in a query with no "/" before it) is accepted;
 * leaking is not.
 */

export interface RedactOptions {
  /**
   * The text is one value (a repo's uri, a proxy URL), not free text: a quote
   * in it is part of the value (of a password, say) and ends nothing.
   */
  singleValue?: boolean;
}

/** Bounded, so a long run of letters is not rescanned from every position. */
const SCHEME = '[a-z][a-z0-9+.-]{0,31}';

/** "%40", "%2540"...: a character percent-encoded once or more. */
const PCT = (hex: string) => `%(?:25)*${hex}`;

/** Raw: "scheme://userinfo@" or, JSON-escaped, "scheme:\/\/userinfo@". */
const RAW_TEXT = new RegExp(`(${SCHEME}:(?://|\\\\/\\\\/))(?:\\\\[^/\\s]|[^\\s/"'\`\\\\])*(@|${PCT('40')})`, 'gi');
const RAW_VALUE = new RegExp(`(${SCHEME}:(?://|\\\\/\\\\/))[^\\s/]*(@|${PCT('40')})`, 'gi');

/**
 * Percent-encoded, once or more ("%3A" or "%253A"...): the authority ends at
 * an encoded or raw "/", whitespace, a quote or "&" (the next query field).
 */
const ENCODED_TEXT = new RegExp(`(${SCHEME}${PCT('3A')}${PCT('2F')}${PCT('2F')})(?:(?!${PCT('2F')})[^\\s/"'\`&])*(${PCT('40')})`, 'gi');
const ENCODED_VALUE = new RegExp(`(${SCHEME}${PCT('3A')}${PCT('2F')}${PCT('2F')})(?:(?!${PCT('2F')})[^\\s/&])*(${PCT('40')})`, 'gi');

export function redactSecrets(text: string, options: RedactOptions = {}): string {
  const raw = options.singleValue ? RAW_VALUE : RAW_TEXT;
  const encoded = options.singleValue ? ENCODED_VALUE : ENCODED_TEXT;
  return text.replace(raw, '$1***$2').replace(encoded, '$1***$2');
}
