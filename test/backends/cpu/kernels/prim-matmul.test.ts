import { describe, expect, it } from 'vitest';
import { matmulKernel, matmulStorage } from '../../../../src/backends/cpu/kernels/matmul.ts';
import { boolAttr } from '../../../../src/ir/attr.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { bitsOfF32, runKernel, tensor } from './prim-harness.ts';

describe('prim.matmul, i8', () => {
  it('sums exactly and wraps to i32', () => {
    // 131072 · (-128)·(-128) = 2^31 wraps to -2^31; 140000 · 127·127 = 2258060000 wraps too.
    const k = 140000;
    const a = new Int8Array(2 * k);
    a.fill(-128, 0, 131072);
    a.fill(127, k, 2 * k);
    const b = new Int8Array(k);
    b.fill(-128, 0, 131072);
    b.fill(127, 131072);
    const out = matmulStorage('i8', a, b, 2, k, 1, false) as Int32Array;
    const row1 = 131072 * 127 * -128 + (k - 131072) * 127 * 127; // exact, then mod 2^32
    expect([...out]).toEqual([-2147483648, row1 | 0]);
  });

  it('k not a multiple of 4 (the kernel adds four t at a time)', () => {
    // a [1, 6] · b [6, 2]; column 0 of b is all 1, column 1 alternates 1, -1
    const a = new Int8Array([100, -100, 127, -128, 3, 5]);
    const b = new Int8Array([1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1, -1]);
    expect([...matmulStorage('i8', a, b, 1, 6, 2, false)]).toEqual([7, 200 + 127 + 128 + 3 - 5]);
  });

  it('batch dims and transpose_b', () => {
    // a [2, 1, 2] (M = 2), b given as [n, k] = [3, 2] with transpose_b
    const a = tensor([2, 1, 2], 'i8', new Int8Array([1, 2, -3, 4]));
    const b = tensor([3, 2], 'i8', new Int8Array([1, 0, 0, 1, 5, -6]));
    const out = runKernel(matmulKernel, 'prim.matmul', [a, b], { transpose_b: boolAttr(true) }, new TensorType([2, 1, 3], 'i32'));
    expect([...out.data]).toEqual([1, 2, 5 - 12, -3, 4, -15 - 24]);
  });
});

describe('prim.matmul, floats', () => {
  it('accumulates in ascending t', () => {
    // acc = 1; 1 + 2^-24 ties back to 1; 1 - 1 = 0. Summing -1 first would leave 2^-24.
    const out = matmulStorage('f32', new Float32Array([1, 2 ** -24, -1]), new Float32Array([1, 1, 1]), 1, 3, 1, false);
    expect(bitsOfF32(out)).toEqual([0]);
  });

  it('keeps ascending t inside and across groups of four', () => {
    // 1, then + 2^-24 twice (each a tie back to 1), then - 1: 0. Reversed or pairwise sums give
    // 2^-23 or 2^-24. The fifth term lands after the group: 0 + 2^-30.
    const a = new Float32Array([1, 2 ** -24, 2 ** -24, -1, 2 ** -30]);
    expect([...matmulStorage('f32', a.subarray(0, 4), new Float32Array([1, 1, 1, 1]), 1, 4, 1, false)]).toEqual([0]);
    expect([...matmulStorage('f32', a, new Float32Array([1, 1, 1, 1, 1]), 1, 5, 1, false)]).toEqual([2 ** -30]);
  });

  it('rounds each product to f32 before adding (no fused multiply-add)', () => {
    // (1 + 2^-12)² = 1 + 2^-11 + 2^-24 rounds to 1 + 2^-11, cancelling -(1 + 2^-11) exactly.
    // A fused multiply-add would keep the 2^-24.
    const a = new Float32Array([-(1 + 2 ** -11), 1 + 2 ** -12]);
    const b = new Float32Array([1, 1 + 2 ** -12]);
    expect([...matmulStorage('f32', a, b, 1, 2, 1, false)]).toEqual([0]);
    // The same inside a group of four.
    const a4 = new Float32Array([0, -(1 + 2 ** -11), 1 + 2 ** -12, 0]);
    const b4 = new Float32Array([0, 1, 1 + 2 ** -12, 0]);
    expect([...matmulStorage('f32', a4, b4, 1, 4, 1, false)]).toEqual([0]);
  });

  it('widens f16 and bf16 exactly and returns f32; k = 0 gives +0; NaN is canonical', () => {
    // f16 2050 (0x6801) · 1 + 0.5 · 1: the f32 result 2050.5 is exact (f16 could not hold it).
    const out = matmulStorage('f16', new Uint16Array([0x6801, 0x3800]), new Uint16Array([0x3c00, 0x3c00]), 1, 2, 1, false);
    expect([...out]).toEqual([2050.5]);
    const bf = matmulStorage('bf16', new Uint16Array([0x3f81, 0x7f80]), new Uint16Array([0x3f81, 0x0000]), 1, 2, 1, false);
    expect(bitsOfF32(bf)).toEqual([0x7fc00000]); // Inf · 0 = NaN
    expect(bitsOfF32(matmulStorage('f32', new Float32Array(0), new Float32Array(0), 2, 0, 1, false))).toEqual([0, 0]);
  });

  it('a 2 x 3 by 3 x 2 product', () => {
    const a = tensor([2, 3], 'f32', new Float32Array([1, 2, 3, 4, 5, 6]));
    const b = tensor([3, 2], 'f32', new Float32Array([7, 8, 9, 10, 11, 12]));
    const out = runKernel(matmulKernel, 'prim.matmul', [a, b], {}, new TensorType([2, 2], 'f32'));
    expect([...out.data]).toEqual([58, 64, 139, 154]);
  });
});
