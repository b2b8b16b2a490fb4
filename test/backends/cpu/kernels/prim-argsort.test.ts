import { describe, expect, it } from 'vitest';
import { argsortKernel, argsortStorage } from '../../../../src/backends/cpu/kernels/argsort.ts';
import { boolAttr, intAttr } from '../../../../src/ir/attr.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { packInt4 } from '../../../../src/numerics/int4.ts';
import { runKernel, tensor } from './prim-harness.ts';

describe('prim.argsort', () => {
  const keys = new Float32Array([3, NaN, -0, 1, 0, NaN, -Infinity]);

  it('ascending: -Inf first, -0 = +0 in index order, NaNs last in index order', () => {
    expect([...argsortStorage('f32', keys, [7], 0, false)]).toEqual([6, 2, 4, 3, 0, 1, 5]);
  });

  it('descending: NaNs first, equal keys still in ascending index order', () => {
    expect([...argsortStorage('f32', keys, [7], 0, true)]).toEqual([1, 5, 0, 3, 2, 4, 6]);
  });

  it('is stable for repeated integer keys (the MoE expert order)', () => {
    const experts = new Int32Array([2, 0, 1, 0, 2, 1, 0]);
    expect([...argsortStorage('i32', experts, [7], 0, false)]).toEqual([1, 3, 6, 2, 5, 0, 4]);
    expect([...argsortStorage('i32', experts, [7], 0, true)]).toEqual([0, 4, 2, 5, 1, 3, 6]);
  });

  it('sorts every line along a non-last axis', () => {
    // [3, 2], axis 0: column 0 is [5, 1, 3], column 1 is [0, 0, -1]
    const x = new Int8Array([5, 0, 1, 0, 3, -1]);
    expect([...argsortStorage('i8', x, [3, 2], 0, false)]).toEqual([1, 2, 2, 0, 0, 1]);
    expect([...argsortStorage('i8', x, [3, 2], -1, false)]).toEqual([1, 0, 1, 0, 1, 0]);
  });

  it('f16, i4 and u64 keys', () => {
    expect([...argsortStorage('f16', new Uint16Array([0x7e00, 0x3c00, 0xbc00]), [3], 0, false)]).toEqual([2, 1, 0]);
    expect([...argsortStorage('i4', packInt4([7, -8, 0, -1]), [4], 0, false)]).toEqual([1, 3, 2, 0]);
    expect([...argsortStorage('u64', new BigUint64Array([2n ** 64n - 1n, 0n, 2n ** 63n]), [3], 0, false)]).toEqual([1, 2, 0]);
  });

  it('64-bit keys and lines longer than 2^21 take the comparator path with the same order', () => {
    const big = new BigInt64Array([5n, -(2n ** 63n), 5n, 2n ** 62n]);
    expect([...argsortStorage('i64', big, [4], 0, true)]).toEqual([3, 0, 2, 1]);
    const len = 2 ** 21 + 3;
    const x = new Float32Array(len);
    x[0] = NaN;
    x[1] = -0;
    x[len - 1] = -1;
    const asc = argsortStorage('f32', x, [len], 0, false);
    expect([asc[0], asc[1], asc[2], asc[len - 2], asc[len - 1]]).toEqual([len - 1, 1, 2, len - 2, 0]);
    const desc = argsortStorage('f32', x, [len], 0, true);
    expect([desc[0], desc[1], desc[len - 2], desc[len - 1]]).toEqual([0, 1, len - 2, len - 1]);
  });

  it('the kernel reads axis and descending (stable = false gives the stable order too)', () => {
    const x = tensor([4], 'f32', new Float32Array([1, 2, 1, 2]));
    const attrs = { axis: intAttr(0), descending: boolAttr(true), stable: boolAttr(false) };
    const out = runKernel(argsortKernel, 'prim.argsort', [x], attrs, new TensorType([4], 'i32'));
    expect([...out.data]).toEqual([1, 3, 0, 2]);
  });
});
