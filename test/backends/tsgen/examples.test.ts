// The example graphs (examples/*.fir), as written and after the default pipeline: the compiled
// mode gives the interpreter's bits on every rank, ranks inline and in worker threads.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Feed, Feeds } from '../../../src/backends/backend.ts';
import { compileGraph } from '../../../src/backends/tsgen/load.ts';
import type { Graph } from '../../../src/ir/graph.ts';
import { valueNames } from '../../../src/ir/names.ts';
import { feedsFromNpy, readNpy } from '../../../src/io/npy.ts';
import { parseModule } from '../../../src/ir/parse.ts';
import { optimize } from '../../../src/optimize.ts';
import { expectCompiledAgrees, seededFeeds } from '../../helpers/compiled-equality.ts';
import { ROOT } from '../../helpers/cli.ts';

const DIR = join(ROOT, 'examples');

/** examples/inputs/<name>.npy for the named parameters the graph has (one leading rank axis). */
function exampleInputs(g: Graph, names: readonly string[]): Feeds {
  const params = valueNames(g);
  const feeds: Record<string, Feed> = {};
  for (const p of g.params) {
    const name = params.get(p)!;
    if (names.includes(name)) feeds[name] = feedsFromNpy(readNpy(join(DIR, 'inputs', `${name}.npy`)), p.type, g.worldSize, name);
  }
  return feeds;
}
const files = readdirSync(DIR).filter((f) => f.endsWith('.fir'));

describe('examples in compiled mode', () => {
  it('there are examples', () => expect(files.length).toBeGreaterThanOrEqual(3));
  for (const file of files) {
    for (const pipeline of ['none', 'default']) {
      it(`${file}, pipeline ${pipeline}`, { timeout: 120_000 }, async () => {
        const module = parseModule(readFileSync(join(DIR, file), 'utf8'), file);
        if (pipeline !== 'none') optimize(module, pipeline);
        const g = module.graph();
        for (const seed of [0, 1, 4, 5]) {
          // Routing indices must be valid permutations: the example's own inputs give them.
          const feeds = { ...seededFeeds(g, seed), ...exampleInputs(g, ['row_idx', 'expert_idx']) };
          const outcome = await expectCompiledAgrees(module, feeds, { workers: seed === 0 });
          expect(outcome.ok, outcome.ok ? '' : outcome.error.message).toBe(true);
        }
        // Every statement is accounted for by the generated module.
        expect(compileGraph(module).emitted.stats.steps).toBeGreaterThan(0);
      });
    }
  }
});
