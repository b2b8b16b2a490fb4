// Any operand types and attributes give a node or a FractalError, never a raw exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttrKind } from '../../../src/ir/attr.ts';
import { Builder } from '../../../src/ir/builder.ts';
import { FractalError } from '../../../src/ir/diagnostics.ts';
import { DTYPES } from '../../../src/ir/dtype.ts';
import { ND, nz } from '../../../src/ir/layout.ts';
import { COMM_OPS } from '../../../src/ir/ops/comm.ts';
import { LAYOUT_OPS } from '../../../src/ir/ops/layout.ts';
import { PRIM_OPS } from '../../../src/ir/ops/prim.ts';
import { opDef, type OpName } from '../../../src/ir/ops/registry.ts';
import { TensorType } from '../../../src/ir/types.ts';

const names = [...Object.keys(PRIM_OPS), ...Object.keys(LAYOUT_OPS), ...Object.keys(COMM_OPS)].filter((n) => n !== 'prim.constant') as OpName[];

const smallInt = fc.integer({ min: -5, max: 5 });
const type = fc
  .record({
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
    dtype: fc.constantFrom(...DTYPES),
    layout: fc.oneof({ weight: 6, arbitrary: fc.constant(ND) }, { weight: 1, arbitrary: fc.constantFrom(nz(8), nz(16), nz(32), nz(64)) }),
  })
  .map((t) => new TensorType(t.shape, t.dtype, t.layout));

/** Mostly a value of the attribute's kind (including extreme ones), sometimes any value. */
const valueOf = (kind: AttrKind): fc.Arbitrary<unknown> => {
  const right: Record<AttrKind, fc.Arbitrary<unknown>> = {
    int: fc.oneof(smallInt, fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n })),
    float: fc.double(),
    scalar: fc.oneof(fc.bigInt({ min: -(2n ** 65n), max: 2n ** 65n }), fc.bigInt({ min: -300n, max: 300n }), fc.double(), smallInt),
    bool: fc.boolean(),
    string: fc.constantFrom('sum', 'world', 'max'),
    dtype: fc.constantFrom(...DTYPES),
    ints: fc.oneof(fc.array(smallInt, { maxLength: 4 }), fc.array(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), { maxLength: 3 })),
    layout: fc.constantFrom(ND, nz(16)),
    resource: fc.constant('r'),
  };
  return fc.oneof({ weight: 9, arbitrary: right[kind] }, { weight: 1, arbitrary: fc.oneof(fc.double(), fc.string(), fc.array(fc.double(), { maxLength: 2 })) });
};

const opCase = fc.constantFrom(...names).chain((op) => {
  const def = opDef(op);
  const attrs = Object.fromEntries(Object.entries(def.attrs).map(([k, spec]) => [k, valueOf(spec.kind)]));
  const variadic = def.operands.some((o) => o.variadic);
  return fc.record({
    op: fc.constant(op),
    attrs: fc.record(attrs, { requiredKeys: [] }),
    operands: fc.array(type, variadic ? { minLength: 0, maxLength: 4 } : { minLength: def.operands.length, maxLength: def.operands.length }),
    result: fc.option(type, { freq: 2 }),
  });
});

describe('hostile operands and attributes', () => {
  it('only FractalErrors escape, and the rules are reached', () => {
    const rules = new Set<string>();
    let built = 0;
    fc.assert(
      fc.property(opCase, ({ op, attrs, operands, result }) => {
        const b = Builder.graph('g');
        const values = operands.map((t, i) => b.param(t, `p${i}`));
        const results = result ?? (op === 'layout.trans_data' ? operands[0] : undefined);
        try {
          b.create(op, values, attrs, { results: results ? [results] : undefined, hints: ['y'] });
          built++;
        } catch (e) {
          expect(e).toBeInstanceOf(FractalError);
          rules.add((e as FractalError).rule ?? '');
        }
      }),
      { numRuns: 6000, seed: 7 },
    );
    expect(built).toBeGreaterThan(100);
    for (const r of ['prim.1', 'prim.2', 'prim.3', 'prim.4', 'prim.5', 'prim.6', 'prim.7', 'trans_data.1', 'all_reduce.3']) expect(rules).toContain(r);
  });
});
