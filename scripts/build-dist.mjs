// Helper for `npm run build` (tsc compiles src/ into dist/ at the same depth).
//   node scripts/build-dist.mjs clean    removes dist/, so files moved or deleted
//                                        in src/ leave nothing stale behind
//   node scripts/build-dist.mjs assets   copies src/'s non-TypeScript files (the
//                                        shell scripts streamed into the helper)
//                                        to the same paths under dist/
import { cpSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

const mode = process.argv[2];
if (mode === 'clean') {
  rmSync(dist, { recursive: true, force: true });
} else if (mode === 'assets') {
  cpSync(src, dist, {
    recursive: true,
    filter: (file) => statSync(file).isDirectory() || !/\.[cm]?ts$/.test(file),
  });
} else {
  console.error('usage: node scripts/build-dist.mjs clean|assets');
  process.exit(2);
}
