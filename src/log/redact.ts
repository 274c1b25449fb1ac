/**
 * Credentials in URLs (proxy or repo: "http://user:secret@host") are replaced
 * before any text reaches a log, an error message or the result line.
 */
export function redactSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(?::[^/@\s]*)?@/gi, '$1***@');
}
