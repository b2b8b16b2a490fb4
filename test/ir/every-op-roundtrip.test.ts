// A module that uses every op of the registry, built in code through the builder, survives
// print -> parse and JSON -> module unchanged, and its canonical text is a fixed point.
import { describe, expect, it } from 'vitest';
import { Builder } from '../../src/ir/builder.ts';
import { modulesEqual } from '../../src/ir/hash.ts';
import { moduleFromJson, moduleToJson } from '../../src/ir/json.ts';
import { Module } from '../../src/ir/module.ts';
import { OPS, opDef, type OpName } from '../../src/ir/ops/registry.ts';
import { parseModule } from '../../src/ir/parse.ts';
import { printModule } from '../../src/ir/print.ts';
import { TensorType } from '../../src/ir/types.ts';

const OP_NAMES = Object.keys(OPS) as OpName[];

/** One graph per world size; each holds every example signature of that world size. */
function everyOpModule(): { module: Module; used: Set<string> } {
  const module = new Module();
  const used = new Set<string>();
  const builders = new Map<number, Builder>();
  const builderFor = (worldSize: number) => {
    let b = builders.get(worldSize);
    if (!b) builders.set(worldSize, (b = Builder.graph(`world${worldSize}`, { worldSize, module })));
    return b;
  };
  const results = new Map<Builder, ReturnType<Builder['param']>[]>();
  for (const op of OP_NAMES) {
    for (const ex of opDef(op).examples ?? []) {
      const b = builderFor(ex.worldSize ?? 1);
      const def = opDef(op);
      const params = ex.operands.map((t, i) => (t ? b.param(t, (def.operands[i] ?? def.operands.at(-1)!).name) : null));
      const node = b.create(op, params, ex.attrs ?? {}, { results: ex.results, hints: [...def.results] });
      results.set(b, [...(results.get(b) ?? []), ...node.results]);
      used.add(op);
    }
  }
  // prim.constant has no example signature: it reads resources of every initializer kind.
  const b = builderFor(2);
  const c = [
    b.splat('bf16', 1.0039062509313226, { hint: 'splat' }),
    b.constant(new TensorType([2, 4], 'i4'), { kind: 'iota' }, { hint: 'iota' }),
    b.constant(new TensorType([2, 64, 32], 'i8'), { kind: 'random', seed: 3, lo: -128, hi: 127 }, { hint: 'w', perRank: true }),
    b.constant(new TensorType([2, 2], 'u64'), { kind: 'dense', data: BigUint64Array.of(0n, 1n, 2n ** 64n - 1n, 70369781006336n) }, { hint: 'dense' }),
  ];
  results.set(b, [...(results.get(b) ?? []), ...c]);
  used.add('prim.constant');
  for (const [builder, values] of results) builder.return(...values);
  return { module, used };
}

describe('a module using every op', () => {
  const { module, used } = everyOpModule();

  it('covers the whole registry', () => {
    expect([...used].sort()).toEqual([...OP_NAMES].sort());
  });

  it('prints, parses back to an equal module, and prints the same text again', () => {
    const text = printModule(module);
    const parsed = parseModule(text, 'every-op.fir');
    expect(modulesEqual(parsed, module)).toBe(true);
    expect(printModule(parsed)).toBe(text);
  });

  it('survives the JSON form', () => {
    const back = moduleFromJson(JSON.parse(JSON.stringify(moduleToJson(module))));
    expect(modulesEqual(back, module)).toBe(true);
    expect(printModule(back)).toBe(printModule(module));
  });
});
