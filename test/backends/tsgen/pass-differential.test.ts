// The graphs of the passes' differential tests in compiled mode: every chunk of every pass
// fixture (test/passes/fixtures/<pass>/*.fir), before and after its pipeline, and every npu.*
// example signature decomposed into primitives — the compiled mode gives the interpreter's bits
// on each.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Builder } from '../../../src/ir/builder.ts';
import type { Module } from '../../../src/ir/module.ts';
import { NPU_OPS } from '../../../src/ir/ops/npu.ts';
import { opDef, type OpName } from '../../../src/ir/ops/registry.ts';
import { parseModule } from '../../../src/ir/parse.ts';
import { optimize } from '../../../src/optimize.ts';
import { ROOT } from '../../helpers/cli.ts';
import { expectCompiledAgrees, seededFeeds } from '../../helpers/compiled-equality.ts';
import { readFixture } from '../../helpers/fixtures.ts';

const FIXTURES = join(ROOT, 'test/passes/fixtures');

async function agreeOnEveryGraph(m: Module, seeds: readonly number[]): Promise<void> {
  for (const g of m.graphs) {
    for (const seed of seeds) await expectCompiledAgrees(m, seededFeeds(g, seed), { graph: g.name });
  }
}

describe('pass fixtures, before and after their pipeline', () => {
  for (const pass of readdirSync(FIXTURES)) {
    for (const file of readdirSync(join(FIXTURES, pass)).filter((f) => f.endsWith('.fir'))) {
      const fixture = readFixture(join(FIXTURES, pass, file));
      if (fixture.run.kind !== 'opt') continue;
      const { pipeline } = fixture.run;
      const chunks = fixture.chunks.filter((c) => !c.expectedError && /^graph @/m.test(c.text));
      it(`${pass}/${file}: ${chunks.length} graphs`, { timeout: 120_000 }, async () => {
        for (const c of chunks) {
          const before = parseModule(c.source, `${pass}/${file}`);
          await agreeOnEveryGraph(before, [0, 1]);
          const after = parseModule(c.source, `${pass}/${file}`);
          optimize(after, pipeline);
          await agreeOnEveryGraph(after, [0, 1]);
        }
      });
    }
  }
});

describe('npu.* examples decomposed into primitives', () => {
  for (const op of Object.keys(NPU_OPS) as OpName[]) {
    it(op, { timeout: 120_000 }, async () => {
      const def = opDef(op);
      for (const ex of def.examples ?? []) {
        const b = Builder.graph('g', { worldSize: ex.worldSize ?? 1 });
        const params = ex.operands.map((t, i) => (t ? b.param(t, def.operands[i]!.name) : null));
        const node = b.create(op, params, ex.attrs ?? {}, { results: ex.results, hints: [...def.results] });
        b.return(...node.results);
        if (def.decompose) {
          const replacements = def.decompose(new Builder(b.graph, node), node);
          node.results.forEach((r, i) => b.graph.replaceAllUses(r, replacements[i]!));
          b.graph.erase(node);
        }
        for (const seed of [0, 1]) {
          const outcome = await expectCompiledAgrees(b.module, seededFeeds(b.graph, seed));
          expect(outcome.ok, `${ex.name}: ${outcome.ok ? '' : outcome.error.message}`).toBe(true);
        }
      }
    });
  }
});
