#!/usr/bin/env node
// Runs the JavaScript that `npm run build` compiles from src/ into dist/
// (npm ci and npm pack build it; the npm package and the RPM ship it).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('fuel-image: dist/cli.js is missing (compiled output): run npm run build\n');
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
