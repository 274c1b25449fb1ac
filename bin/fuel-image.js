#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader: one artefact for npm,
// the RPM and the container image, no separate compile step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
