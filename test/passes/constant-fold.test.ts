// constant-fold (ir.md §9.2) with the CPU kernels as its evaluator. Expected elements are
// computed here with IEEE arithmetic of their own, not read back from the kernels.
import { describe, expect, it } from 'vitest';
import { cpuEvaluator } from '../../src/backends/cpu/evaluator.ts';
import { Builder } from '../../src/ir/builder.ts';
import type { Module } from '../../src/ir/module.ts';
import { parseModule } from '../../src/ir/parse.ts';
import { printModule } from '../../src/ir/print.ts';
import { TensorType } from '../../src/ir/types.ts';
import type { Evaluator } from '../../src/passes/evaluator.ts';
import { runPipeline } from '../../src/passes/pass-manager.ts';

const fold = (m: Module, opts: { foldLimit?: number; evaluator?: Evaluator } = {}) =>
  runPipeline(m, 'constant-fold', { evaluator: cpuEvaluator, strict: true, ...opts });

const dense = (m: Module, name: string) => {
  const r = m.resources.get(name);
  if (r?.init.kind !== 'dense') throw new Error(`@${name} is not a dense resource`);
  return { r, data: r.init.data };
};

const ops = (m: Module) => m.graphs[0]!.nodes.map((n) => n.op);

describe('constant-fold', () => {
  it('is assignable from the CPU evaluator', () => {
    const e: Evaluator = cpuEvaluator;
    expect(typeof e.evaluate).toBe('function');
  });

  it('folds a chain of ops on constants into one dense constant per result', () => {
    const m = parseModule(`
graph @g(%x: tensor<4xf32>) -> (tensor<4xf16>) {
  %a = prim.constant {value = @a} : () -> tensor<4xf32>
  %b = prim.constant {value = @b} : () -> tensor<f32>
  %s = prim.add(%a, %b) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %h = prim.cast(%s) {to = f16} : (tensor<4xf32>) -> tensor<4xf16>
  %y = prim.mul(%h, %h) : (tensor<4xf16>, tensor<4xf16>) -> tensor<4xf16>
  return %y
}
resources {
  @a = dense<[1.5, 2.25, -3.0, 0.1]> : tensor<4xf32>
  @b = splat<0.2> : tensor<f32>
}
`);
    const r = fold(m);
    expect(r.changed).toBe(true);
    expect(r.stats).toEqual([{ pass: 'constant-fold', changed: true, stats: { folded: 3 } }]);
    // The old constants stay (dce removes them); every computed op became a constant.
    expect(ops(m)).toEqual(['prim.constant', 'prim.constant', 'prim.constant', 'prim.constant', 'prim.constant']);
    const f = Math.fround;
    const sums = [1.5, 2.25, -3, 0.1].map((a) => f(f(a) + f(0.2)));
    expect([...(dense(m, 's').data as Float32Array)]).toEqual(sums);
    // f16 of the sums, then their squares in f16 (exact products rounded once), from NumPy.
    expect([...(dense(m, 'h').data as Uint16Array)]).toEqual([0x3ecd, 0x40e6, 0xc19a, 0x34cd]);
    expect([...(dense(m, 'y').data as Uint16Array)]).toEqual([0x41c8, 0x4600, 0x47d8, 0x2dc3]);
    expect(printModule(m)).toContain('%y = prim.constant {value = @y} : () -> tensor<4xf16>');
  });

  it('evaluates per rank into a per_rank resource when an operand is per_rank', () => {
    const m = parseModule(`
graph @g() -> (tensor<2xi32>) attributes {world_size = 2} {
  %c = prim.constant {value = @c} : () -> tensor<2xi32>
  %k = prim.constant {value = @k} : () -> tensor<i32>
  %y = prim.add(%c, %k) : (tensor<2xi32>, tensor<i32>) -> tensor<2xi32>
  return %y
}
resources {
  @c = dense<[[1, 2], [3, 2147483647]]> : tensor<2x2xi32> {per_rank}
  @k = splat<10> : tensor<i32>
}
`);
    fold(m);
    const { r, data } = dense(m, 'y');
    expect(r.perRank).toBe(true);
    expect(r.type.toString()).toBe('tensor<2x2xi32>');
    // i32 addition wraps.
    expect([...(data as Int32Array)]).toEqual([11, 12, 13, -2147483639]);
    expect(printModule(m)).toContain('@y = dense<[[11, 12], [13, -2147483639]]> : tensor<2x2xi32> {per_rank}');
  });

  it('keeps NZ results as logical elements of an NZ-typed dense resource', () => {
    const b = Builder.graph('g');
    const data = new Int8Array(20 * 40).map((_, i) => (i * 7) % 256);
    const w = b.constant(new TensorType([20, 40], 'i8'), { kind: 'dense', data }, { hint: 'w' });
    b.return(b.layout.toNz(w, undefined, 'w_nz'));
    fold(b.module);
    const { r, data: folded } = dense(b.module, 'w_nz');
    expect(r.type.toString()).toBe('tensor<20x40xi8, #nz<c0=32>>');
    expect([...(folded as Int8Array)]).toEqual([...data]);
  });

  it('stacks per-rank i4 results whose element count is odd', () => {
    const m = parseModule(`
graph @g() -> (tensor<1x3xi4, #nz<c0=64>>) attributes {world_size = 2} {
  %w = prim.constant {value = @w} : () -> tensor<1x3xi4, #nz<c0=64>>
  %y = layout.trans_data(%w) : (tensor<1x3xi4, #nz<c0=64>>) -> tensor<1x3xi4, #nz<c0=64>>
  return %y
}
resources {
  @w = dense<[[[1, -2, 3]], [[-4, 5, -6]]]> : tensor<2x1x3xi4, #nz<c0=64>> {per_rank}
}
`);
    fold(m);
    const { r, data } = dense(m, 'y');
    expect(r.perRank).toBe(true);
    // Packed two per byte, element 2t in the low nibble: (1, -2), (3, -4), (5, -6).
    expect([...(data as Uint8Array)]).toEqual([0xe1, 0xc3, 0xa5]);
  });

  it('carries the warnings raised while evaluating, prefixed by rank for per-rank folds', () => {
    const m = parseModule(`
graph @g() -> (tensor<2x8xi4>) attributes {world_size = 2} {
  %w = prim.constant {value = @w} : () -> tensor<2x8xi32>
  %w4 = npu.convert_weight_to_int4_pack(%w) : (tensor<2x8xi32>) -> tensor<2x8xi4>
  return %w4
}
resources {
  @w = dense<[[[1, 2, 3, 4, 5, 6, 7, 100], [0, 0, 0, 0, 0, 0, 0, 0]], [[0, 0, 0, 0, 0, 0, 0, 0], [-8, 9, 0, 0, 0, 0, 0, 0]]]> : tensor<2x2x8xi32> {per_rank}
}
`);
    const r = fold(m);
    expect(r.warnings.map((w) => w.rule)).toEqual(['convert_weight_to_int4pack.9', 'convert_weight_to_int4pack.9']);
    expect(r.warnings[0]!.message).toMatch(/^rank 0: npu.convert_weight_to_int4_pack %w4: .*got 100 at \[0, 7\]/);
    expect(r.warnings[1]!.message).toMatch(/^rank 1: .*got 9 at \[1, 1\]/);
    // Masked to the low 4 bits: 100 = 0x64 → 4, 9 → -7.
    const { data } = dense(m, 'w4');
    const nibbles = [...(data as Uint8Array)].flatMap((byte) => [byte & 0xf, byte >> 4]).map((n) => (n >= 8 ? n - 16 : n));
    expect(nibbles).toEqual([1, 2, 3, 4, 5, 6, 7, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -8, -7, 0, 0, 0, 0, 0, 0]);
  });

  it('leaves an op whose evaluation fails for run time', () => {
    const m = parseModule(`
graph @g() -> (tensor<2xf32>) {
  %x = prim.constant {value = @x} : () -> tensor<4xf32>
  %i = prim.constant {value = @i} : () -> tensor<2xi32>
  %y = prim.gather(%x, %i) {axis = 0} : (tensor<4xf32>, tensor<2xi32>) -> tensor<2xf32>
  return %y
}
resources {
  @x = splat<1.0> : tensor<4xf32>
  @i = dense<[0, 7]> : tensor<2xi32>
}
`);
    const r = fold(m);
    expect(r.changed).toBe(false);
    expect(r.stats[0]!.stats).toEqual({ failed: 1 });
    expect(ops(m)).toContain('prim.gather');
  });

  it('leaves collectives and ops that need the other ranks', () => {
    const m = parseModule(`
graph @g() -> (tensor<2x4xf16>, tensor<f32>) attributes {world_size = 2} {
  %x1 = prim.constant {value = @x1} : () -> tensor<2x8xi8>
  %x2 = prim.constant {value = @x2} : () -> tensor<8x4xi8>
  %s = prim.constant {value = @s} : () -> tensor<4xf32>
  %t = prim.constant {value = @t} : () -> tensor<2xf32>
  %y = npu.quant_matmul_all_reduce(%x1, %x2, %s, %t) {out_dtype = f16} : (tensor<2x8xi8>, tensor<8x4xi8>, tensor<4xf32>, tensor<2xf32>) -> tensor<2x4xf16>
  %k = prim.constant {value = @k} : () -> tensor<f32>
  %r = comm.all_reduce(%k) : (tensor<f32>) -> tensor<f32>
  return %y, %r
}
resources {
  @x1 = splat<1> : tensor<2x8xi8>
  @x2 = splat<2> : tensor<8x4xi8>
  @s = splat<0.5> : tensor<4xf32>
  @t = splat<0.25> : tensor<2xf32>
  @k = splat<1.0> : tensor<f32>
}
`);
    const before = printModule(m);
    const r = fold(m);
    expect(r.stats[0]!.stats).toEqual({ failed: 1 });
    expect(printModule(m)).toBe(before);
  });

  it('respects the size limit', () => {
    const m = parseModule(`
graph @g() -> (tensor<64xf32>) {
  %a = prim.constant {value = @a} : () -> tensor<64xf32>
  %y = prim.neg(%a) : (tensor<64xf32>) -> tensor<64xf32>
  return %y
}
resources {
  @a = splat<3.0> : tensor<64xf32>
}
`);
    expect(fold(m, { foldLimit: 127 }).stats[0]!.stats).toEqual({ 'too-large': 1 });
    expect(ops(m)).toContain('prim.neg');
    expect(fold(m, { foldLimit: 128 }).stats[0]!.stats).toEqual({ folded: 1 });
    expect([...(dense(m, 'y').data as Float32Array)]).toEqual(new Array(64).fill(-3));
  });

  it('folds nothing without an evaluator', () => {
    const m = parseModule(`
graph @g() -> (tensor<f32>) {
  %a = prim.constant {value = @a} : () -> tensor<f32>
  %y = prim.neg(%a) : (tensor<f32>) -> tensor<f32>
  return %y
}
resources {
  @a = splat<3.0> : tensor<f32>
}
`);
    expect(runPipeline(m, 'constant-fold', { strict: true }).changed).toBe(false);
  });

  it('names new resources after the hint, made unique, and folds zero-operand ops', () => {
    const b = Builder.graph('g');
    const a = b.splat('f32', 2, { hint: 'y' });
    const y = b.prim.abs(b.prim.neg(a, 'y'));
    const i = b.prim.iota([3], 'i32');
    b.return(y, i);
    y.hint = undefined;
    fold(b.module);
    expect([...b.module.resources.keys()]).toEqual(['y', 'y_1', 'cst', 'cst_1']);
    expect(printModule(b.module)).toContain('%0 = prim.constant {value = @cst} : () -> tensor<f32>');
    expect([...(dense(b.module, 'cst_1').data as Int32Array)]).toEqual([0, 1, 2]);
  });
});
