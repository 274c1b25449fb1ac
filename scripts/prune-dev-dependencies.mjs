// Removes the packages package-lock.json marks as dev-only from node_modules,
// as `npm prune --omit=dev` does, for the builder image's build stage: Debian
// ships npm as some 300 packages, and the stage needs nothing else of it.
// Usage: node prune-dev-dependencies.mjs [project dir]
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? '.');
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
if (lock.lockfileVersion < 2) throw new Error('package-lock.json v2 or later needed (the "packages" map)');
let removed = 0;
for (const [location, entry] of Object.entries(lock.packages)) {
  if (!location.startsWith('node_modules/') || !entry.dev) continue;
  rmSync(path.join(root, location), { recursive: true, force: true });
  removed++;
}
// Their .bin links now point nowhere; production packages here need none.
rmSync(path.join(root, 'node_modules', '.bin'), { recursive: true, force: true });
console.log(`pruned ${removed} dev-only packages`);
