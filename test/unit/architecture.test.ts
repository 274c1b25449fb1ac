import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/*
 * The folders of src/ are layers in the order data flows: a module may import
 * from its own layer or a lower one, never a higher one, and no module may
 * reach itself through its imports.
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const LAYERS: Array<[number, RegExp]> = [
  [0, /^(errors|version)\.ts$|^log\//],
  [1, /^input\//],
  [2, /^release\//],
  [3, /^plan\//],
  [4, /^apt\//],
  [5, /^helper\//],
  [6, /^stages\//],
  [7, /^(output|cache)\//],
  [8, /^(pipeline|verify)\//],
  [9, /^cli(\.ts$|\/)/],
];

function layerOf(file: string): number {
  const found = LAYERS.find(([, pattern]) => pattern.test(file));
  assert.ok(found, `${file}: in no layer; add its folder to LAYERS in order`);
  return found[0];
}

async function importGraph(): Promise<Map<string, string[]>> {
  const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith('.ts')).map((f) => f.split(path.sep).join('/'));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = await readFile(path.join(SRC, file), 'utf8');
    const specifiers = [...text.matchAll(/(?:from|import\s*\(?)\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
    graph.set(
      file,
      specifiers.map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s)).replace(/\.js$/, '.ts')),
    );
  }
  return graph;
}

describe('architecture: src/ imports flow one way', () => {
  it('imports only from the same or a lower layer', async () => {
    const graph = await importGraph();
    const upward: string[] = [];
    for (const [file, imports] of graph)
      for (const target of imports) {
        assert.ok(graph.has(target), `${file} imports ${target}, which does not exist`);
        if (layerOf(target) > layerOf(file)) upward.push(`${file} -> ${target}`);
      }
    assert.deepEqual(upward, []);
  });

  it('has no import cycle', async () => {
    const graph = await importGraph();
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') return void cycles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(cycles, []);
  });
});
