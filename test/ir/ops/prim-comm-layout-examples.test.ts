// Every example signature of the prim, layout and comm ops builds and verifies.
import { describe, expect, it } from 'vitest';
import { Builder } from '../../../src/ir/builder.ts';
import { COMM_OPS } from '../../../src/ir/ops/comm.ts';
import { LAYOUT_OPS } from '../../../src/ir/ops/layout.ts';
import { PRIM_OPS } from '../../../src/ir/ops/prim.ts';
import type { OpDef, OpName } from '../../../src/ir/ops/registry.ts';

const defs: Record<string, OpDef> = { ...PRIM_OPS, ...LAYOUT_OPS, ...COMM_OPS };

describe('op examples', () => {
  for (const [name, def] of Object.entries(defs)) {
    if (name === 'prim.constant') continue; // its signature is a module resource, not operand types
    it(`${name} has 1-3 examples that build`, () => {
      const examples = def.examples ?? [];
      expect(examples.length).toBeGreaterThanOrEqual(1);
      expect(examples.length).toBeLessThanOrEqual(3);
      for (const ex of examples) {
        const b = Builder.graph('g', { worldSize: ex.worldSize ?? 1 });
        const operands = ex.operands.map((t, i) => (t ? b.param(t, `p${i}`) : null));
        const node = b.create(name as OpName, operands, ex.attrs ?? {}, { results: ex.results, hints: ['y'] });
        expect(node.results).toHaveLength(def.results.length);
      }
    });
  }
});
