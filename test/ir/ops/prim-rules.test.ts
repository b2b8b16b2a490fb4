// Every common rule of ir.md §6.1 ([prim.1]–[prim.7]) fails with its exact message.
import { describe, expect, it } from 'vitest';
import { floatAttr } from '../../../src/ir/attr.ts';
import { Builder } from '../../../src/ir/builder.ts';
import type { DType } from '../../../src/ir/dtype.ts';
import { nz, type Layout } from '../../../src/ir/layout.ts';
import { TensorType } from '../../../src/ir/types.ts';
import type { Value } from '../../../src/ir/value.ts';
import { expectRule } from './expect-rule.ts';

function setup() {
  const b = Builder.graph('g');
  const p = (shape: number[], dtype: DType, layout?: Layout): Value => b.param(new TensorType(shape, dtype, layout), 'x');
  return { b, p };
}
const t = (shape: number[], dtype: DType, layout?: Layout) => new TensorType(shape, dtype, layout);

describe('[prim.1] #nd only', () => {
  it('rejects an NZ operand', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.abs(p([16, 16], 'f16', nz(16)), 'y'), 'prim.1', 'prim.abs %y: [prim.1] operand x must be #nd, got #nz<c0=16>');
  });

  it('names the variadic operand of concat by its position', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.concat([p([16, 16], 'f32'), p([16, 16], 'f32', nz(8))], 0, 'c'), 'prim.1', 'prim.concat %c: [prim.1] operand x1 must be #nd, got #nz<c0=8>');
  });

  it('rejects an NZ result type', () => {
    const { b, p } = setup();
    const x = p([16, 16], 'f16');
    expectRule(() => b.create('prim.abs', [x], {}, { results: [t([16, 16], 'f16', nz(16))], hints: ['y'] }), 'prim.1', 'prim.abs %y: [prim.1] result y must be #nd, got #nz<c0=16>');
  });

  it('comes before the dtype rules', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.add(p([16, 16], 'f16', nz(16)), p([16, 16], 'f32'), 's'), 'prim.1', 'prim.add %s: [prim.1] operand a must be #nd, got #nz<c0=16>');
  });
});

describe('[prim.2] dtype classes', () => {
  const cases: [string, (s: ReturnType<typeof setup>) => unknown, string][] = [
    ['add of i1', ({ b, p }) => b.prim.add(p([2], 'i1'), p([2], 'i1'), 'y'), 'prim.add %y: [prim.2] operand a must be float or integer, got i1'],
    ['div of integers', ({ b, p }) => b.prim.div(p([2], 'i32'), p([2], 'i32'), 'y'), 'prim.div %y: [prim.2] operand a must be float, got i32'],
    ['and of floats', ({ b, p }) => b.prim.and(p([2], 'i32'), p([2], 'f32'), 'y'), 'prim.and %y: [prim.2] operand b must be integer or i1, got f32'],
    ['shl of i1', ({ b, p }) => b.prim.shl(p([2], 'i1'), p([2], 'i1'), 'y'), 'prim.shl %y: [prim.2] operand a must be integer, got i1'],
    ['abs of an integer', ({ b, p }) => b.prim.abs(p([2], 'i8'), 'y'), 'prim.abs %y: [prim.2] operand x must be float, got i8'],
    ['round of an integer', ({ b, p }) => b.prim.round(p([2], 'i32'), 'y'), 'prim.round %y: [prim.2] operand x must be float, got i32'],
    ['clamp of i1', ({ b, p }) => b.prim.clamp(p([2], 'i1'), 0, 1, 'y'), 'prim.clamp %y: [prim.2] operand x must be float or integer, got i1'],
    ['matmul of u8', ({ b, p }) => b.prim.matmul(p([2, 2], 'u8'), p([2, 2], 'u8'), {}, 'y'), 'prim.matmul %y: [prim.2] operand a must be one of i8, f16, bf16, f32, got u8'],
    ['matmul of i32', ({ b, p }) => b.prim.matmul(p([2, 2], 'i8'), p([2, 2], 'i32'), {}, 'y'), 'prim.matmul %y: [prim.2] operand b must be one of i8, f16, bf16, f32, got i32'],
    ['reduce_max of i1', ({ b, p }) => b.prim.reduceMax(p([2], 'i1'), [0], {}, 'y'), 'prim.reduce_max %y: [prim.2] operand x must be float or integer, got i1'],
    ['argsort of i1', ({ b, p }) => b.prim.argsort(p([2], 'i1'), 0, {}, 'y'), 'prim.argsort %y: [prim.2] operand x must be float or integer, got i1'],
    ['bitcast of i1', ({ b, p }) => b.prim.bitcast(p([2], 'i1'), 'i8', 'y'), 'prim.bitcast %y: [prim.2] operand x must be a dtype other than i1, got i1'],
    ['bitcast to i1', ({ b, p }) => b.prim.bitcast(p([2], 'u8'), 'i1', 'y'), 'prim.bitcast %y: [prim.2] to must be a dtype other than i1, got i1'],
    ['gather with i64 indices', ({ b, p }) => b.prim.gather(p([4], 'f32'), p([2], 'i64'), 0, 'y'), 'prim.gather %y: [prim.2] operand indices must be i32, got i64'],
    ['scatter with u8 indices', ({ b, p }) => b.prim.scatter(p([4], 'f32'), p([2], 'u8'), p([2], 'f32'), 0, 'y'), 'prim.scatter %y: [prim.2] operand indices must be i32, got u8'],
    ['iota of i1', ({ b }) => b.prim.iota([2], 'i1', 'y'), 'prim.iota %y: [prim.2] dtype must be a dtype other than i1, got i1'],
  ];
  for (const [name, build, message] of cases) {
    it(name, () => expectRule(() => build(setup()), 'prim.2', message));
  }

  it('data-movement ops and cast take every dtype', () => {
    const { b, p } = setup();
    expect(b.prim.reshape(p([2, 2], 'i1'), [4]).type.toString()).toBe('tensor<4xi1>');
    expect(b.prim.cast(p([2], 'i1'), 'f16').type.toString()).toBe('tensor<2xf16>');
    expect(b.prim.gather(p([4], 'i1'), p([1], 'i32'), 0).type.toString()).toBe('tensor<1xi1>');
  });
});

describe('[prim.3] no implicit promotion', () => {
  it('gives the message of ir.md §8.1', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.add(p([4], 'f16'), p([4], 'f32'), 's'), 'prim.3', 'prim.add %s: [prim.3] operands must have the same dtype, got f16 and f32');
  });

  it('holds for matmul, concat and scatter', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.matmul(p([2, 4], 'i8'), p([4, 2], 'f16'), {}, 'mm'), 'prim.3', 'prim.matmul %mm: [prim.3] operands must have the same dtype, got i8 and f16');
    expectRule(() => b.prim.concat([p([2], 'f16'), p([2], 'f16'), p([2], 'bf16')], 0, 'c'), 'prim.3', 'prim.concat %c: [prim.3] operands must have the same dtype, got f16 and bf16');
    expectRule(() => b.prim.scatter(p([4], 'i32'), p([2], 'i32'), p([2], 'i64'), 0, 'sc'), 'prim.3', 'prim.scatter %sc: [prim.3] operands must have the same dtype, got i32 and i64');
  });

  it('comes after the class rule', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.mul(p([4], 'f16'), p([4], 'i1'), 's'), 'prim.2', 'prim.mul %s: [prim.2] operand b must be float or integer, got i1');
  });
});

describe('[prim.4] shape rules', () => {
  it('broadcasting', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.add(p([2, 3], 'f32'), p([4], 'f32'), 's'), 'prim.4', 'prim.add %s: [prim.4] operand shapes must broadcast, got [2, 3] and [4]');
    expectRule(() => b.prim.max(p([0], 'i8'), p([2], 'i8'), 's'), 'prim.4', 'prim.max %s: [prim.4] operand shapes must broadcast, got [0] and [2]');
  });

  it("matmul's ranks and k", () => {
    const { b, p } = setup();
    expectRule(() => b.prim.matmul(p([64], 'i8'), p([64, 32], 'i8'), {}, 'mm'), 'prim.4', 'prim.matmul %mm: [prim.4] operand a must have rank >= 2, got 1');
    expectRule(() => b.prim.matmul(p([8, 64], 'i8'), p([1, 64, 32], 'i8'), {}, 'mm'), 'prim.4', 'prim.matmul %mm: [prim.4] operand b must have rank 2, got 3');
    expectRule(() => b.prim.matmul(p([8, 64], 'i8'), p([32, 32], 'i8'), {}, 'mm'), 'prim.4', 'prim.matmul %mm: [prim.4] operand b must have shape [k, n] with k = 64 (a.shape[-1]), got [32, 32]');
    expectRule(() => b.prim.matmul(p([8, 64], 'f32'), p([64, 32], 'f32'), { transposeB: true }, 'mm'), 'prim.4', 'prim.matmul %mm: [prim.4] operand b must have shape [n, k] with k = 64 (a.shape[-1]), got [64, 32]');
  });

  it('reshape keeps the element count and takes sizes >= 0', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.reshape(p([2, 3], 'f32'), [4, 2], 'r'), 'prim.4', 'prim.reshape %r: [prim.4] shape must keep the element count 6, got [4, 2] with 8');
    expectRule(() => b.prim.reshape(p([2, 3], 'f32'), [-1, 6], 'r'), 'prim.4', 'prim.reshape %r: [prim.4] shape must hold integers >= 0, got [-1, 6]');
  });

  it('transpose needs a permutation', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.transpose(p([2, 3], 'f32'), [0, 0], 'tr'), 'prim.4', 'prim.transpose %tr: [prim.4] perm must list each of the 2 axes of x once, got [0, 0]');
    expectRule(() => b.prim.transpose(p([2, 3], 'f32'), [1], 'tr'), 'prim.4', 'prim.transpose %tr: [prim.4] perm must list each of the 2 axes of x once, got [1]');
    expectRule(() => b.prim.transpose(p([2, 3], 'f32'), [1, 2], 'tr'), 'prim.4', 'prim.transpose %tr: [prim.4] perm must list each of the 2 axes of x once, got [1, 2]');
  });

  it('broadcast_to', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.broadcastTo(p([3], 'i32'), [4, 2], 'bt'), 'prim.4', 'prim.broadcast_to %bt: [prim.4] x must broadcast to shape [4, 2], got [3]');
    expectRule(() => b.prim.broadcastTo(p([3, 4], 'i32'), [4], 'bt'), 'prim.4', 'prim.broadcast_to %bt: [prim.4] x must broadcast to shape [4], got [3, 4]');
  });

  it('slice bounds', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.slice(p([4, 8], 'f32'), [0], [4], 'sl'), 'prim.4', 'prim.slice %sl: [prim.4] start must have one entry per axis (2), got [0]');
    expectRule(() => b.prim.slice(p([4, 8], 'f32'), [0, 5], [4, 3], 'sl'), 'prim.4', 'prim.slice %sl: [prim.4] slice must satisfy 0 <= start <= end <= dim on axis 1, got start = 5, end = 3, dim = 8');
    expectRule(() => b.prim.slice(p([4, 8], 'f32'), [0, 0], [5, 8], 'sl'), 'prim.4', 'prim.slice %sl: [prim.4] slice must satisfy 0 <= start <= end <= dim on axis 0, got start = 0, end = 5, dim = 4');
    expectRule(() => b.prim.slice(p([4], 'f32'), [-1], [2], 'sl'), 'prim.4', 'prim.slice %sl: [prim.4] start must hold integers >= 0, got [-1]');
  });

  it('pad widths', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.pad(p([4], 'f32'), [-1], [0], {}, 'pd'), 'prim.4', 'prim.pad %pd: [prim.4] low must hold integers >= 0, got [-1]');
    expectRule(() => b.prim.pad(p([4], 'f32'), [0], [1, 1], {}, 'pd'), 'prim.4', 'prim.pad %pd: [prim.4] high must have one entry per axis (1), got [1, 1]');
  });

  it('concat ranks and shapes', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.concat([p([2, 8], 'f16'), p([8], 'f16')], 0, 'c'), 'prim.4', 'prim.concat %c: [prim.4] operands must have the same rank, got 2 and 1');
    expectRule(() => b.prim.concat([p([2, 8], 'f16'), p([3, 7], 'f16')], 0, 'c'), 'prim.4', 'prim.concat %c: [prim.4] operands must have equal shapes except along axis 0, got [2, 8] and [3, 7]');
  });

  it('scatter indices and updates', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.scatter(p([3, 6], 'f16'), p([2, 1], 'i32'), p([3, 2], 'f16'), 1, 'sc'), 'prim.4', 'prim.scatter %sc: [prim.4] operand indices must have rank 1, got 2');
    expectRule(() => b.prim.scatter(p([3, 6], 'f16'), p([2], 'i32'), p([3, 3], 'f16'), -1, 'sc'), 'prim.4', 'prim.scatter %sc: [prim.4] operand updates must have shape [3, 2] (x.shape with axis 1 of size 2), got [3, 3]');
  });

  it('bitcast divisibility', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.bitcast(p([3], 'f16'), 'i32', 'bc'), 'prim.4', 'prim.bitcast %bc: [prim.4] x.shape[-1] * 16 bits must be a multiple of 32 bits (i32), got 3 * 16 = 48');
    expectRule(() => b.prim.bitcast(p([2, 6], 'i4'), 'i32', 'bc'), 'prim.4', 'prim.bitcast %bc: [prim.4] x.shape[-1] * 4 bits must be a multiple of 32 bits (i32), got 6 * 4 = 24');
    expectRule(() => b.prim.bitcast(p([], 'f16'), 'i32', 'bc'), 'prim.4', 'prim.bitcast %bc: [prim.4] a rank-0 bitcast needs dtypes of the same width (f16: 16 bits), got i32: 32 bits');
  });

  it('iota sizes', () => {
    const { b } = setup();
    expectRule(() => b.prim.iota([-2], 'i32', 'io'), 'prim.4', 'prim.iota %io: [prim.4] shape must hold integers >= 0, got [-2]');
  });
});

describe('[prim.5] axes', () => {
  it('axis lies in [-r, r)', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.argsort(p([4, 8], 'f32'), 2, {}, 'as'), 'prim.5', 'prim.argsort %as: [prim.5] axis must lie in [-2, 2), got 2');
    expectRule(() => b.prim.argsort(p([4, 8], 'f32'), -3, {}, 'as'), 'prim.5', 'prim.argsort %as: [prim.5] axis must lie in [-2, 2), got -3');
    expectRule(() => b.prim.gather(p([4], 'f32'), p([2], 'i32'), 1, 'g'), 'prim.5', 'prim.gather %g: [prim.5] axis must lie in [-1, 1), got 1');
    expectRule(() => b.prim.concat([p([], 'f32'), p([], 'f32')], 0, 'c'), 'prim.5', 'prim.concat %c: [prim.5] axis must lie in [0, 0), got 0');
  });

  it('axes lie in [-r, r) and do not repeat', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.reduceMax(p([2, 3, 4], 'f32'), [0, 3], {}, 'm'), 'prim.5', 'prim.reduce_max %m: [prim.5] axes must lie in [-3, 3), got [0, 3]');
    expectRule(() => b.prim.reduceMax(p([2, 3, 4], 'f32'), [1, -2], {}, 'm'), 'prim.5', 'prim.reduce_max %m: [prim.5] axes must not repeat an axis, got [1, -2]');
  });

  it('a huge axis is reported as written', () => {
    const { b, p } = setup();
    expectRule(() => b.create('prim.argsort', [p([4], 'i32')], { axis: 2n ** 70n }, { hints: ['as'] }), 'prim.5', 'prim.argsort %as: [prim.5] axis must lie in [-1, 1), got 1180591620717411303424');
  });

  it('comes before the shape rules that read the axis', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.concat([p([2, 8], 'f16'), p([3, 7], 'f16')], 2, 'c'), 'prim.5', 'prim.concat %c: [prim.5] axis must lie in [-2, 2), got 2');
    expectRule(() => b.prim.scatter(p([3, 6], 'f16'), p([2, 2], 'i32'), p([3, 2], 'f16'), 2, 'sc'), 'prim.5', 'prim.scatter %sc: [prim.5] axis must lie in [-2, 2), got 2');
  });
});

describe('[prim.6] result types', () => {
  it('a written result type must equal the row rule', () => {
    const { b, p } = setup();
    const x = p([8, 64], 'f16');
    expectRule(() => b.create('prim.cast', [x], { to: 'f32' }, { results: [t([8, 64], 'f16')], hints: ['y'] }), 'prim.6', 'prim.cast %y: [prim.6] result y must have type tensor<8x64xf32>, got tensor<8x64xf16>');
    expectRule(() => b.create('prim.add', [x, x], {}, { results: [t([8, 64], 'f32')], hints: ['s'] }), 'prim.6', 'prim.add %s: [prim.6] result y must have type tensor<8x64xf16>, got tensor<8x64xf32>');
  });

  it('including attributes that restate it', () => {
    const { b, p } = setup();
    const x = p([2, 3], 'f32');
    expectRule(() => b.create('prim.reshape', [x], { shape: [2, 3] }, { results: [t([3, 2], 'f32')], hints: ['r'] }), 'prim.6', 'prim.reshape %r: [prim.6] result y must have type tensor<2x3xf32>, got tensor<3x2xf32>');
    expectRule(() => b.create('prim.iota', [], { shape: [4], dtype: 'i64' }, { results: [t([4], 'i32')], hints: ['io'] }), 'prim.6', 'prim.iota %io: [prim.6] result y must have type tensor<4xi64>, got tensor<4xi32>');
    expectRule(() => b.create('prim.bitcast', [x], { to: 'i32' }, { results: [t([2, 3], 'u64')], hints: ['bc'] }), 'prim.6', 'prim.bitcast %bc: [prim.6] result y must have type tensor<2x3xi32>, got tensor<2x3xu64>');
    expectRule(() => b.create('prim.broadcast_to', [x], { shape: [4, 2, 3] }, { results: [t([2, 3], 'f32')], hints: ['bt'] }), 'prim.6', 'prim.broadcast_to %bt: [prim.6] result y must have type tensor<4x2x3xf32>, got tensor<2x3xf32>');
  });

  it('matmul of floats gives f32', () => {
    const { b, p } = setup();
    const a = p([2, 4], 'f16');
    const c = p([4, 3], 'f16');
    expectRule(() => b.create('prim.matmul', [a, c], {}, { results: [t([2, 3], 'f16')], hints: ['mm'] }), 'prim.6', 'prim.matmul %mm: [prim.6] result y must have type tensor<2x3xf32>, got tensor<2x3xf16>');
  });
});

describe('[prim.7] numeric attributes', () => {
  it('integer clamp bounds are integers in range', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.clamp(p([4], 'i8'), -129, 127, 'c'), 'prim.7', 'prim.clamp %c: [prim.7] min must be an integer in [-128, 127] for i8, got -129');
    expectRule(() => b.prim.clamp(p([4], 'i32'), 0, 1.5, 'c'), 'prim.7', 'prim.clamp %c: [prim.7] max must be an integer in [-2147483648, 2147483647] for i32, got 1.5');
    expectRule(() => b.create('prim.clamp', [p([4], 'u8')], { min: floatAttr(0), max: floatAttr(5) }, { hints: ['c'] }), 'prim.7', 'prim.clamp %c: [prim.7] min must be an integer in [0, 255] for u8, got 0.0');
    expectRule(() => b.prim.clamp(p([4], 'i64'), -(2n ** 63n) - 1n, 0n, 'c'), 'prim.7', 'prim.clamp %c: [prim.7] min must be an integer in [-9223372036854775808, 9223372036854775807] for i64, got -9223372036854775809');
  });

  it('min <= max', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.clamp(p([4], 'i32'), 5, 4, 'c'), 'prim.7', 'prim.clamp %c: [prim.7] min must be <= max, got min = 5, max = 4');
    expectRule(() => b.prim.clamp(p([4], 'f32'), NaN, 1, 'c'), 'prim.7', 'prim.clamp %c: [prim.7] min must be <= max after rounding to f32, got min = nan, max = 1.0');
  });

  it('compares float bounds after rounding to the dtype', () => {
    const { b, p } = setup();
    // f16 spacing at 1 is 2^-10: 1.0001 rounds to 1.0, 1.001 to 1.0009765625.
    expect(b.prim.clamp(p([4], 'f16'), 1.0001, 1.0).type.dtype).toBe('f16');
    expectRule(() => b.prim.clamp(p([4], 'f16'), 1.001, 1.0, 'c'), 'prim.7', 'prim.clamp %c: [prim.7] min must be <= max after rounding to f16, got min = 1.001, max = 1.0');
    // bf16 spacing at 1 is 2^-7: 1.003 rounds to 1.0; in f32 it stays above 1.
    expect(b.prim.clamp(p([4], 'bf16'), 1.003, 1.0).type.dtype).toBe('bf16');
    expectRule(() => b.prim.clamp(p([4], 'f32'), 1.003, 1.0, 'c'), 'prim.7', 'prim.clamp %c: [prim.7] min must be <= max after rounding to f32, got min = 1.003, max = 1.0');
    // 65520 overflows f16 to +Inf, which is still >= max.
    expect(b.prim.clamp(p([4], 'f16'), 65520, Infinity).type.dtype).toBe('f16');
  });

  it('pad values fit the dtype', () => {
    const { b, p } = setup();
    expectRule(() => b.prim.pad(p([4], 'i8'), [1], [1], { value: 200 }, 'pd'), 'prim.7', 'prim.pad %pd: [prim.7] value must be an integer in [-128, 127] for i8, got 200');
    expectRule(() => b.prim.pad(p([4], 'i1'), [1], [1], { value: 2n }, 'pd'), 'prim.7', 'prim.pad %pd: [prim.7] value must be an integer in [0, 1] for i1, got 2');
    expectRule(() => b.prim.pad(p([4], 'i32'), [1], [1], { value: 0.5 }, 'pd'), 'prim.7', 'prim.pad %pd: [prim.7] value must be an integer in [-2147483648, 2147483647] for i32, got 0.5');
    expect(b.prim.pad(p([4], 'f32'), [1], [1], { value: 0.5 }).type.toString()).toBe('tensor<6xf32>');
    expect(b.prim.pad(p([4], 'u64'), [1], [1], { value: 2n ** 64n - 1n }).type.toString()).toBe('tensor<6xu64>');
  });
});

describe('builder state after a failure', () => {
  it('leaves the graph unchanged', () => {
    const { b, p } = setup();
    const x = p([4], 'f16');
    expect(() => b.prim.add(x, p([4], 'f32'))).toThrow();
    expect(b.graph.nodes).toHaveLength(0);
    expect(x.uses).toHaveLength(0);
  });
});
