// Every prim.* op builds through its facade with the result type of its §6.3 row.
import { describe, expect, it } from 'vitest';
import { Builder } from '../../../src/ir/builder.ts';
import type { DType } from '../../../src/ir/dtype.ts';
import { TensorType } from '../../../src/ir/types.ts';
import type { Value } from '../../../src/ir/value.ts';

function setup() {
  const b = Builder.graph('g');
  const p = (shape: number[], dtype: DType, hint = 'x'): Value => b.param(new TensorType(shape, dtype), hint);
  return { b, p };
}
const typeOf = (v: Value): string => v.type.toString();

describe('elementwise binary ops broadcast', () => {
  it('add, sub, mul, max, min on floats and integers', () => {
    const { b, p } = setup();
    expect(typeOf(b.prim.add(p([8, 64], 'f32'), p([64], 'f32')))).toBe('tensor<8x64xf32>');
    expect(typeOf(b.prim.sub(p([4, 1], 'i32'), p([1, 16], 'i32')))).toBe('tensor<4x16xi32>');
    expect(typeOf(b.prim.mul(p([], 'bf16'), p([3], 'bf16')))).toBe('tensor<3xbf16>');
    expect(typeOf(b.prim.max(p([2, 1, 4], 'u64'), p([3, 1], 'u64')))).toBe('tensor<2x3x4xu64>');
    expect(typeOf(b.prim.min(p([0, 3], 'i8'), p([1, 3], 'i8')))).toBe('tensor<0x3xi8>');
  });

  it('div on floats, bitwise ops on integers and i1, shifts on integers', () => {
    const { b, p } = setup();
    expect(typeOf(b.prim.div(p([], 'f32'), p([8], 'f32')))).toBe('tensor<8xf32>');
    expect(typeOf(b.prim.and(p([2, 2], 'i1'), p([2], 'i1')))).toBe('tensor<2x2xi1>');
    expect(typeOf(b.prim.or(p([5], 'u64'), p([], 'u64')))).toBe('tensor<5xu64>');
    expect(typeOf(b.prim.xor(p([6], 'i4'), p([6], 'i4')))).toBe('tensor<6xi4>');
    expect(typeOf(b.prim.shl(p([7], 'i32'), p([], 'i32')))).toBe('tensor<7xi32>');
    expect(typeOf(b.prim.shr(p([1, 7], 'u8'), p([3, 1], 'u8')))).toBe('tensor<3x7xu8>');
  });
});

describe('unary ops keep the type', () => {
  it('abs, neg, reciprocal, round', () => {
    const { b, p } = setup();
    expect(typeOf(b.prim.abs(p([8, 64], 'f32')))).toBe('tensor<8x64xf32>');
    expect(typeOf(b.prim.neg(p([3], 'f16')))).toBe('tensor<3xf16>');
    expect(typeOf(b.prim.reciprocal(p([], 'bf16')))).toBe('tensor<bf16>');
    expect(typeOf(b.prim.round(p([2, 0], 'f32')))).toBe('tensor<2x0xf32>');
  });

  it('clamp stores bounds in the kind of x: float for float x, int for integer x', () => {
    const { b, p } = setup();
    const f = b.prim.clamp(p([8, 64], 'f32'), -128, 127, 'c');
    expect(typeOf(f)).toBe('tensor<8x64xf32>');
    expect(f.producer!.attrs['min']).toEqual({ k: 'float', v: -128 });
    expect(f.producer!.attrs['max']).toEqual({ k: 'float', v: 127 });
    const i = b.prim.clamp(p([4], 'i32'), -256, 255n, 'd');
    expect(typeOf(i)).toBe('tensor<4xi32>');
    expect(i.producer!.attrs['min']).toEqual({ k: 'int', v: -256n });
    expect(i.producer!.attrs['max']).toEqual({ k: 'int', v: 255n });
  });

  it('clamp of a float x accepts an integer bound, as a float attribute takes an integer literal', () => {
    const { b, p } = setup();
    const x = p([4], 'f16');
    const n = b.create('prim.clamp', [x], { min: { k: 'int', v: -128n }, max: { k: 'float', v: 127 } }, { hints: ['c'] });
    expect(n.result.type.toString()).toBe('tensor<4xf16>');
  });

  it('clamp bounds of i64 are exact beyond 2^53', () => {
    const { b, p } = setup();
    const y = b.prim.clamp(p([2], 'i64'), -(2n ** 63n), 2n ** 63n - 1n);
    expect(y.producer!.attrs['min']).toEqual({ k: 'int', v: -(2n ** 63n) });
  });
});

describe('conversions', () => {
  it('cast keeps the shape and takes `to`', () => {
    const { b, p } = setup();
    expect(typeOf(b.prim.cast(p([8, 64], 'f16'), 'f32'))).toBe('tensor<8x64xf32>');
    expect(typeOf(b.prim.cast(p([4, 8], 'i32'), 'i4'))).toBe('tensor<4x8xi4>');
    expect(typeOf(b.prim.cast(p([], 'i1'), 'u64'))).toBe('tensor<u64>');
  });

  it('bitcast scales the last dimension by the width ratio (ir.md §6.5)', () => {
    const { b, p } = setup();
    expect(typeOf(b.prim.bitcast(p([4, 8], 'i4'), 'i32'))).toBe('tensor<4x1xi32>');
    expect(typeOf(b.prim.bitcast(p([2, 1], 'i32'), 'i4'))).toBe('tensor<2x8xi4>');
    expect(typeOf(b.prim.bitcast(p([3], 'u64'), 'i32'))).toBe('tensor<6xi32>');
    expect(typeOf(b.prim.bitcast(p([5], 'f32'), 'f16'))).toBe('tensor<10xf16>');
    expect(typeOf(b.prim.bitcast(p([2, 3], 'f32'), 'i32'))).toBe('tensor<2x3xi32>');
    expect(typeOf(b.prim.bitcast(p([], 'f16'), 'bf16'))).toBe('tensor<bf16>');
    expect(typeOf(b.prim.bitcast(p([4], 'i8'), 'i32'))).toBe('tensor<1xi32>');
  });
});

describe('matmul, reduce_max, argsort', () => {
  it('matmul: i32 for i8, f32 for floats, batch dims of a kept', () => {
    const { b, p } = setup();
    expect(typeOf(b.prim.matmul(p([8, 64], 'i8'), p([64, 32], 'i8')))).toBe('tensor<8x32xi32>');
    expect(typeOf(b.prim.matmul(p([2, 4, 16], 'f16'), p([8, 16], 'f16'), { transposeB: true }))).toBe('tensor<2x4x8xf32>');
    expect(typeOf(b.prim.matmul(p([3, 0], 'bf16'), p([0, 7], 'bf16')))).toBe('tensor<3x7xf32>');
    const mm = b.prim.matmul(p([1, 2], 'f32'), p([2, 2], 'f32'));
    expect(mm.producer!.attrs['transpose_b']).toEqual({ k: 'bool', v: false });
  });

  it('reduce_max drops the axes, or keeps them as 1', () => {
    const { b, p } = setup();
    expect(typeOf(b.prim.reduceMax(p([2, 3, 4], 'f32'), [0, -1]))).toBe('tensor<3xf32>');
    expect(typeOf(b.prim.reduceMax(p([2, 3, 4], 'i32'), [2, 0], { keepdims: true }))).toBe('tensor<1x3x1xi32>');
    expect(typeOf(b.prim.reduceMax(p([5], 'f16'), []))).toBe('tensor<5xf16>');
    expect(typeOf(b.prim.reduceMax(p([8, 64], 'f32'), [1]))).toBe('tensor<8xf32>');
  });

  it('argsort gives i32 of x.shape', () => {
    const { b, p } = setup();
    const y = b.prim.argsort(p([4, 8], 'f16'), -1, { descending: true });
    expect(typeOf(y)).toBe('tensor<4x8xi32>');
    expect(y.producer!.attrs['stable']).toEqual({ k: 'bool', v: true });
    expect(y.producer!.attrs['descending']).toEqual({ k: 'bool', v: true });
  });
});

describe('data movement', () => {
  it('reshape, transpose, broadcast_to', () => {
    const { b, p } = setup();
    expect(typeOf(b.prim.reshape(p([8], 'f32'), [8, 1]))).toBe('tensor<8x1xf32>');
    expect(typeOf(b.prim.reshape(p([1, 1], 'i1'), []))).toBe('tensor<i1>');
    expect(typeOf(b.prim.transpose(p([2, 3, 4], 'u8'), [2, 0, 1]))).toBe('tensor<4x2x3xu8>');
    expect(typeOf(b.prim.broadcastTo(p([4], 'i32'), [3, 4]))).toBe('tensor<3x4xi32>');
    expect(typeOf(b.prim.broadcastTo(p([], 'f16'), [2, 2]))).toBe('tensor<2x2xf16>');
  });

  it('slice and pad', () => {
    const { b, p } = setup();
    expect(typeOf(b.prim.slice(p([4, 8], 'f32'), [1, 2], [3, 8]))).toBe('tensor<2x6xf32>');
    expect(typeOf(b.prim.slice(p([16], 'i32'), [5], [5]))).toBe('tensor<0xi32>');
    expect(typeOf(b.prim.pad(p([3, 5], 'f16'), [0, 1], [1, 2], { value: -1.5 }))).toBe('tensor<4x8xf16>');
    const z = b.prim.pad(p([4], 'i8'), [2], [0]);
    expect(typeOf(z)).toBe('tensor<6xi8>');
    expect(z.producer!.attrs['value']).toEqual({ k: 'int', v: 0n });
    expect(b.prim.pad(p([2], 'i1'), [1], [1], { value: 1 }).producer!.attrs['value']).toEqual({ k: 'int', v: 1n });
  });

  it('concat sums the sizes along the axis', () => {
    const { b, p } = setup();
    expect(typeOf(b.prim.concat([p([2, 8], 'f16'), p([3, 8], 'f16')], 0))).toBe('tensor<5x8xf16>');
    expect(typeOf(b.prim.concat([p([4, 1], 'i32'), p([4, 2], 'i32'), p([4, 1], 'i32')], -1))).toBe('tensor<4x4xi32>');
    expect(typeOf(b.prim.concat([p([6], 'i4')], 0))).toBe('tensor<6xi4>');
  });

  it('gather replaces the axis by the shape of indices; scatter keeps x', () => {
    const { b, p } = setup();
    expect(typeOf(b.prim.gather(p([6, 16], 'i8'), p([10], 'i32'), 0))).toBe('tensor<10x16xi8>');
    expect(typeOf(b.prim.gather(p([2, 5, 3], 'f32'), p([2, 2], 'i32'), 1))).toBe('tensor<2x2x2x3xf32>');
    expect(typeOf(b.prim.gather(p([6, 16], 'bf16'), p([], 'i32'), -1))).toBe('tensor<6xbf16>');
    expect(typeOf(b.prim.scatter(p([3, 6], 'f16'), p([2], 'i32'), p([3, 2], 'f16'), 1))).toBe('tensor<3x6xf16>');
  });

  it('iota has shape `shape` and dtype `dtype`', () => {
    const { b } = setup();
    expect(typeOf(b.prim.iota([16], 'i32'))).toBe('tensor<16xi32>');
    expect(typeOf(b.prim.iota([2, 3], 'f32'))).toBe('tensor<2x3xf32>');
  });
});

describe('results carry their hints', () => {
  it('names the result and returns a value of the graph', () => {
    const { b, p } = setup();
    const y = b.prim.add(p([2], 'f32', 'a'), p([2], 'f32', 'c'), 's');
    expect(y.hint).toBe('s');
    expect(b.graph.nodes.map((n) => n.op)).toEqual(['prim.add']);
  });
});
