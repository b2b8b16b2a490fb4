import { describe, expect, it } from 'vitest';
import { reduceMaxKernel, reduceMaxStorage } from '../../../../src/backends/cpu/kernels/reduce-max.ts';
import { boolAttr, intsAttr } from '../../../../src/ir/attr.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { packInt4, unpackInt4 } from '../../../../src/numerics/int4.ts';
import { bitsOfF32, f32FromBitsArray, runKernel, tensor } from './prim-harness.ts';

describe('prim.reduce_max', () => {
  it('reduces one axis, several axes and negative axes', () => {
    const x = new Float32Array([1, 5, 3, 4, 2, 6]); // [2, 3]
    expect([...(reduceMaxStorage('f32', x, [2, 3], [1]) as Float32Array)]).toEqual([5, 6]);
    expect([...(reduceMaxStorage('f32', x, [2, 3], [0]) as Float32Array)]).toEqual([4, 5, 6]);
    expect([...(reduceMaxStorage('f32', x, [2, 3], [-1, 0]) as Float32Array)]).toEqual([6]);
    // [2, 2, 2] over axes 0 and 2: out[j] = max over i, k of x[i, j, k]
    const y = new Int32Array([1, 9, 2, 3, 8, 0, 7, 4]);
    expect([...(reduceMaxStorage('i32', y, [2, 2, 2], [0, 2]) as Int32Array)]).toEqual([9, 7]);
  });

  it('NaN wins (canonical), +0 beats -0, all -0 stays -0', () => {
    const x = f32FromBitsArray([0x3f800000, 0x7f800123, 0x80000000, 0x00000000, 0x80000000, 0x80000000]);
    expect(bitsOfF32(reduceMaxStorage('f32', x, [3, 2], [1]))).toEqual([0x7fc00000, 0x00000000, 0x80000000]);
    const f16 = reduceMaxStorage('f16', new Uint16Array([0x3c00, 0x7e55, 0x4000, 0xfc00]), [4], [0]);
    expect([...(f16 as Uint16Array)]).toEqual([0x7e00]);
    // NaN first in the line must not be overwritten by a later larger number.
    expect(bitsOfF32(reduceMaxStorage('f32', new Float32Array([NaN, 5]), [2], [0]))).toEqual([0x7fc00000]);
  });

  it('an empty set gives -Inf or the dtype minimum', () => {
    expect(bitsOfF32(reduceMaxStorage('f32', new Float32Array(0), [2, 0], [1]))).toEqual([0xff800000, 0xff800000]);
    expect([...(reduceMaxStorage('bf16', new Uint16Array(0), [0], [0]) as Uint16Array)]).toEqual([0xff80]);
    expect([...(reduceMaxStorage('i8', new Int8Array(0), [0, 3], [0]) as Int8Array)]).toEqual([-128, -128, -128]);
    expect([...(reduceMaxStorage('u64', new BigUint64Array(0), [0], [0]) as BigUint64Array)]).toEqual([0n]);
  });

  it('integers: i4 and 64-bit', () => {
    expect([...unpackInt4(reduceMaxStorage('i4', packInt4([-8, -3, 7, 6]), [2, 2], [1]) as Uint8Array, 2)]).toEqual([-3, 7]);
    const big = reduceMaxStorage('i64', new BigInt64Array([-(2n ** 63n), -5n, 2n ** 62n, 2n ** 63n - 1n]), [2, 2], [1]);
    expect([...(big as BigInt64Array)]).toEqual([-5n, 2n ** 63n - 1n]);
  });

  it('axes = [] copies the bits', () => {
    const x = f32FromBitsArray([0x7f800123, 0x80000000]);
    const out = reduceMaxStorage('f32', x, [2], []);
    expect(bitsOfF32(out)).toEqual([0x7f800123, 0x80000000]);
    expect(out).not.toBe(x);
  });

  it('the kernel reads axes and keepdims', () => {
    const x = tensor([2, 3], 'f16', new Uint16Array([0x3c00, 0x4000, 0xbc00, 0xc000, 0x8000, 0xc200]));
    const out = runKernel(reduceMaxKernel, 'prim.reduce_max', [x], { axes: intsAttr([1]), keepdims: boolAttr(true) }, new TensorType([2, 1], 'f16'));
    expect([...out.data]).toEqual([0x4000, 0x8000]);
  });
});
