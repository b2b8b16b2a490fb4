// Every example signature of every op (OpDef.examples) as a one-statement graph: the compiled
// mode gives the interpreter's bits, warnings and errors on seeded feeds with edge values.
import { describe, expect, it } from 'vitest';
import { Builder } from '../../../src/ir/builder.ts';
import { OPS, type OpDef, type OpName } from '../../../src/ir/ops/registry.ts';
import { expectCompiledAgrees, seededFeeds } from '../../helpers/compiled-equality.ts';

describe('compiled mode on every op example', () => {
  for (const [name, def] of Object.entries(OPS) as [OpName, OpDef][]) {
    for (const ex of def.examples ?? []) {
      it(`${name}: ${ex.name}`, async () => {
        const b = Builder.graph('g', { worldSize: ex.worldSize ?? 1 });
        const operands = ex.operands.map((t, i) => (t ? b.param(t, `p${i}`) : null));
        const node = b.create(name, operands, ex.attrs ?? {}, { results: ex.results, hints: def.results });
        b.return(...node.results);
        for (const seed of [0, 1, 4, 5]) {
          const outcome = await expectCompiledAgrees(b.module, seededFeeds(b.module.graph(), seed));
          // The feeds are valid for every example: both modes run it, not only refuse it alike.
          expect(outcome.ok, outcome.ok ? '' : outcome.error.message).toBe(true);
        }
      });
    }
  }
});
