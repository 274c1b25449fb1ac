/**
 * Download and install counts read from the lines debootstrap and apt print
 * (as the helper session logs them, one record per line), for the progress
 * view. Every function here is pure: a new Counts per line.
 *
 * debootstrap (first stage, then --second-stage):
 *   I: Retrieving adduser 3.134        I: Validating adduser 3.134
 *   I: Extracting adduser...           I: Unpacking adduser...   I: Configuring adduser...
 * apt-get install (download, then install):
 *   0 upgraded, 63 newly installed, 0 to remove and 0 not upgraded.
 *   Need to get 91.1 MB of archives.             (or "12.3 MB/91.1 MB" when some are cached)
 *   Get:1 http://mirror/debian bookworm/main amd64 libssl3 amd64 3.0.20-1~deb12u2 [2036 kB]
 *   Unpacking libssl3:amd64 (3.0.20-1~deb12u2) ...       Setting up libssl3:amd64 (...) ...
 */
export interface Counts {
  debootstrap: { retrieved: number; validated: number; extracted: number; unpacked: number; configured: number };
  apt: {
    /** Packages apt said it installs or upgrades. */
    total?: number;
    fetched: number;
    /** Bytes of the fetched packages, from each Get line's [size]. */
    bytes: number;
    /** Bytes apt said it needs to get. */
    needBytes?: number;
    unpacked: number;
    setUp: number;
  };
}

export function emptyCounts(): Counts {
  return {
    debootstrap: { retrieved: 0, validated: 0, extracted: 0, unpacked: 0, configured: 0 },
    apt: { fetched: 0, bytes: 0, unpacked: 0, setUp: 0 },
  };
}

/** What apt fetches during `apt-get update`: indexes, not packages. */
const INDEX_FILE = /^(InRelease|Release(\.gpg)?|(Packages|Sources|Translation-|Contents-|Components-|Icons-|Commands-|DEP-11|i18n)\S*)$/;

/** The counts after one more output line. */
export function countLine(counts: Counts, rawLine: string): Counts {
  const line = rawLine.trim();
  const bs = counts.debootstrap;
  let m: RegExpExecArray | null;
  if ((m = /^I: (Retrieving|Validating) (\S+)(?: (\S+))?$/.exec(line))) {
    // "I: Retrieving InRelease" / "Release" starts a (new) debootstrap run: its retry starts over.
    if (m[3] === undefined) return m[1] === 'Retrieving' && /^(In)?Release$/.test(m[2]!) ? { ...counts, debootstrap: emptyCounts().debootstrap } : counts;
    return m[1] === 'Retrieving' ? { ...counts, debootstrap: { ...bs, retrieved: bs.retrieved + 1 } } : { ...counts, debootstrap: { ...bs, validated: bs.validated + 1 } };
  }
  if (/^I: Extracting \S+?\.\.\.$/.test(line)) return { ...counts, debootstrap: { ...bs, extracted: bs.extracted + 1 } };
  if (/^I: Unpacking \S+?\.\.\.$/.test(line)) return { ...counts, debootstrap: { ...bs, unpacked: bs.unpacked + 1 } };
  if (/^I: Configuring \S+?\.\.\.$/.test(line)) return { ...counts, debootstrap: { ...bs, configured: bs.configured + 1 } };

  const apt = counts.apt;
  if ((m = /^(\d+) upgraded, (\d+) newly installed, /.exec(line))) return { ...counts, apt: { ...apt, total: Number(m[1]) + Number(m[2]) } };
  if ((m = /^Need to get ([\d.,]+ ?[kMGT]?B)(?:\/[\d.,]+ ?[kMGT]?B)? of archives\.?$/.exec(line))) {
    const needBytes = parseAptSize(m[1]!);
    // A download that starts (again, after a retry) counts from zero.
    return needBytes === undefined || needBytes === 0 ? counts : { ...counts, apt: { ...apt, needBytes, fetched: 0, bytes: 0 } };
  }
  if ((m = /^Get:\d+ (.*?)(?: \[([\d.,]+ ?[kMGT]?B)\])?$/.exec(line))) {
    const fields = m[1]!.split(/\s+/);
    // uri suite[/component] [arch] name ...: an index's name is its last field.
    if (INDEX_FILE.test(fields[fields.length - 1] ?? '') || fields.length < 4) return counts;
    return { ...counts, apt: { ...apt, fetched: apt.fetched + 1, bytes: apt.bytes + (m[2] ? (parseAptSize(m[2]) ?? 0) : 0) } };
  }
  if (/^Unpacking \S+ \(.*\) (over \(.*\) )?\.\.\.$/.test(line)) return { ...counts, apt: { ...apt, unpacked: apt.unpacked + 1 } };
  if (/^Setting up \S+ \(.*\) \.\.\.$/.test(line)) return { ...counts, apt: { ...apt, setUp: apt.setUp + 1 } };
  return counts;
}

/** apt's sizes are decimal (kB = 1000 B); "8,780 kB" has a thousands separator. */
export function parseAptSize(text: string): number | undefined {
  const m = /^([\d.,]+) ?([kMGT]?)B$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]!.replace(/,/g, ''));
  if (!Number.isFinite(n)) return undefined;
  return Math.round(n * 1000 ** ' kMGT'.indexOf(m[2] || ' '));
}

export interface CountPart {
  key: 'debootstrap' | 'apt';
  text: string;
}

/**
 * The counts in words, one part per tool that printed any. While running,
 * the latest phase against the total ("40/63 set up"); `final`, once the
 * stage is over, the packages and the bytes fetched.
 */
export function describeCounts(counts: Counts, options: { final?: boolean } = {}): CountPart[] {
  const parts: CountPart[] = [];
  const bs = counts.debootstrap;
  // A .deb apt prefetched is only validated (prefetch-debs.sh): every package is validated once, fetched or not.
  const total = Math.max(bs.retrieved, bs.validated);
  if (total > 0) {
    // The second stage unpacks and configures a few packages twice.
    const of = (n: number) => `${Math.min(n, total)}/${total}`;
    const phase =
      bs.configured > 0 ? `${of(bs.configured)} configured` : bs.unpacked > 0 ? `${of(bs.unpacked)} unpacked` : bs.extracted > 0 ? `${of(bs.extracted)} extracted` : bs.validated > 0 ? `${bs.validated} validated` : '';
    parts.push({ key: 'debootstrap', text: options.final ? `debootstrap ${total} packages` : `debootstrap ${total} fetched${phase ? `, ${phase}` : ''}` });
  }
  const apt = counts.apt;
  if (apt.fetched > 0 || apt.setUp > 0 || apt.unpacked > 0) {
    const total = apt.total !== undefined ? `/${apt.total}` : '';
    const size = apt.needBytes !== undefined && !options.final ? `${megabytes(apt.bytes)}/${megabytes(apt.needBytes)} MB` : `${megabytes(apt.bytes)} MB`;
    const phase = apt.setUp > 0 ? `${apt.setUp}${total} set up` : apt.unpacked > 0 ? `${apt.unpacked}${total} unpacked` : '';
    parts.push({
      key: 'apt',
      text: options.final
        ? // Packages a prefetch (prefetch-debs.ts) put in apt's cache are installed without a Get line.
          `apt ${Math.max(apt.fetched, apt.total ?? 0)} packages${apt.bytes > 0 ? `, ${size}` : ''}`
        : `apt ${apt.fetched}${total} fetched${apt.bytes > 0 ? ` (${size})` : ''}${phase ? `, ${phase}` : ''}`,
    });
  }
  return parts;
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
