import { createHash } from 'node:crypto';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { releaseBaseUri } from '../apt/release-files.js';
import type { Repo, Spec } from '../input/schema.js';

/** How long the up-to-date check waits for one Release file before calling the mirror unreachable. */
const TIMEOUT_MS = 20_000;

/**
 * Every repo's InRelease (else Release) file as the mirrors serve it now,
 * fetched by the builder itself (an up-to-date check starts no container),
 * through the spec's proxies: one "sha256 NAME" line per repo, the same
 * lines release-digests.sh prints in the helper, or "missing" for one that
 * could not be read.
 */
export async function fetchReleaseDigests(spec: Pick<Spec, 'repos' | 'proxies'>, signal: AbortSignal): Promise<string[]> {
  return Promise.all(spec.repos.map((repo) => fetchDigest(repo, spec.proxies, signal)));
}

async function fetchDigest(repo: Repo, proxies: Spec['proxies'], signal: AbortSignal): Promise<string> {
  const base = new URL(releaseBaseUri(repo));
  const headers: Record<string, string> = {};
  // Credentials go in a header: a URL holding them is refused by fetch-like clients and would be logged.
  if (base.username || base.password) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`;
  base.username = '';
  base.password = '';
  const dispatcher = dispatcherFor(base, proxies);
  try {
    for (const name of ['InRelease', 'Release']) {
      try {
        const response = await request(new URL(name, base), { headers, dispatcher, signal, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, maxRedirections: 5 });
        if (response.statusCode !== 200) {
          await response.body.dump();
          continue;
        }
        const hash = createHash('sha256');
        for await (const chunk of response.body) hash.update(chunk as Buffer);
        return `${hash.digest('hex')} ${name}`;
      } catch (error) {
        if (signal.aborted) throw error;
      }
    }
    return 'missing';
  } finally {
    await dispatcher.close();
  }
}

/** The spec's proxy for the repo's scheme, unless its host is on direct_repo_addr_list (no_proxy's rules). */
export function proxyFor(url: URL, proxies: Spec['proxies']): string | undefined {
  const proxy = url.protocol === 'https:' ? proxies?.protocols.https : url.protocol === 'http:' ? proxies?.protocols.http : undefined;
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const direct = (proxies?.direct_repo_addr_list ?? []).some((entry) => {
    const bare = entry.replace(/^\*?\.?/, '');
    return entry === '*' || host === bare || host.endsWith(`.${bare}`);
  });
  return direct ? undefined : proxy;
}

function dispatcherFor(url: URL, proxies: Spec['proxies']): Dispatcher {
  const proxy = proxyFor(url, proxies);
  return proxy ? new ProxyAgent({ uri: proxy, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS }) : new Agent({ connect: { timeout: TIMEOUT_MS } });
}

/**
 * What the Release files say about an output built from `recorded`: the
 * same, changed (a mirror update: rebuild), or unknown (a mirror did not
 * answer, or the metadata recorded none: the output stays up to date).
 */
export function compareReleaseDigests(recorded: readonly string[] | null | undefined, now: readonly string[]): 'same' | 'changed' | 'unknown' {
  if (!recorded || recorded.length !== now.length) return recorded ? 'changed' : 'unknown';
  if (now.some((line, i) => line !== 'missing' && recorded[i] !== 'missing' && line !== recorded[i])) return 'changed';
  return now.some((line, i) => line === 'missing' || recorded[i] === 'missing') ? 'unknown' : 'same';
}
