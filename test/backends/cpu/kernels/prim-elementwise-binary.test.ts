import { describe, expect, it } from 'vitest';
import {
  addKernel,
  binaryElementwise,
  divKernel,
  maxKernel,
  minKernel,
  mulKernel,
  subKernel,
} from '../../../../src/backends/cpu/kernels/elementwise-binary.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { packInt4, unpackInt4 } from '../../../../src/numerics/int4.ts';
import { bitsOfF32, f32FromBitsArray, runKernel, tensor } from './prim-harness.ts';

const f32 = (...v: number[]) => new Float32Array(v);
const u16 = (...v: number[]) => new Uint16Array(v);

describe('f32 arithmetic', () => {
  it('rounds each result once to f32', () => {
    // 1 + 2^-24 is a tie between 1 and 1 + 2^-23: even -> 1; 1 + 3·2^-24 -> 1 + 2^-22.
    const out = binaryElementwise('add', 'f32', f32(1, 1, 0.1), [3], f32(2 ** -24, 3 * 2 ** -24, 0.2), [3], [3]);
    expect([...(out as Float32Array)]).toEqual([1, 1 + 2 ** -22, Math.fround(Math.fround(0.1) + Math.fround(0.2))]);
  });

  it('writes the canonical NaN, also for 0·Inf and NaN payloads', () => {
    const nanPayload = f32FromBitsArray([0xffc00123])[0]!;
    const out = binaryElementwise('mul', 'f32', f32(0, nanPayload, Infinity), [3], f32(Infinity, 1, -Infinity), [3], [3]);
    expect(bitsOfF32(out)).toEqual([0x7fc00000, 0x7fc00000, 0xff800000]);
    const d = binaryElementwise('div', 'f32', f32(0, 1, -1, 1), [4], f32(0, 0, 0, -0), [4], [4]);
    expect(bitsOfF32(d)).toEqual([0x7fc00000, 0x7f800000, 0xff800000, 0xff800000]);
  });

  it('keeps signed zeros', () => {
    const out = binaryElementwise('add', 'f32', f32(-0, -0, 0), [3], f32(-0, 0, -0), [3], [3]);
    expect(bitsOfF32(out)).toEqual([0x80000000, 0, 0]);
    const m = binaryElementwise('mul', 'f32', f32(-1), [1], f32(0), [1], [1]);
    expect(bitsOfF32(m)).toEqual([0x80000000]);
  });

  it('max/min propagate NaN and order -0 below +0', () => {
    const a = f32(NaN, 1, -0, 0, -0, 2);
    const b = f32(1, NaN, 0, -0, -0, -3);
    expect(bitsOfF32(binaryElementwise('max', 'f32', a, [6], b, [6], [6]))).toEqual([
      0x7fc00000, 0x7fc00000, 0, 0, 0x80000000, 0x40000000,
    ]);
    expect(bitsOfF32(binaryElementwise('min', 'f32', a, [6], b, [6], [6]))).toEqual([
      0x7fc00000, 0x7fc00000, 0x80000000, 0x80000000, 0x80000000, 0xc0400000,
    ]);
  });
});

describe('f16 arithmetic rounds the exact result once', () => {
  it('ties go to even and overflow gives Inf', () => {
    // 1 + 2^-11 (0x3C00 + 0x1000) ties to 1; 1 + 3·2^-11 ties up to 1 + 2^-9 (0x3C02).
    // 65504 + 16 = 65520 ties to even, which is Inf; 65504 + 8 stays 65504. 300·300 overflows.
    const a = u16(0x3c00, 0x3c00, 0x7bff, 0x7bff);
    const b = u16(0x1000, 0x1600, 0x4c00, 0x4800);
    expect([...(binaryElementwise('add', 'f16', a, [4], b, [4], [4]) as Uint16Array)]).toEqual([0x3c00, 0x3c02, 0x7c00, 0x7bff]);
    expect([...(binaryElementwise('mul', 'f16', u16(0x5cb0), [1], u16(0x5cb0), [1], [1]) as Uint16Array)]).toEqual([0x7c00]);
  });

  it('divides with one rounding (1/3 = 0x3555) and keeps subnormals', () => {
    const q = binaryElementwise('div', 'f16', u16(0x3c00, 0x0400), [2], u16(0x4200, 0x4000), [2], [2]);
    // 2^-14 / 2 = 2^-15, the subnormal 0x0200.
    expect([...(q as Uint16Array)]).toEqual([0x3555, 0x0200]);
  });

  it('writes the canonical NaN 0x7E00 and keeps -0', () => {
    const out = binaryElementwise('add', 'f16', u16(0x7e01, 0x7c00, 0x8000), [3], u16(0x3c00, 0xfc00, 0x8000), [3], [3]);
    expect([...(out as Uint16Array)]).toEqual([0x7e00, 0x7e00, 0x8000]);
  });

  it('max/min pick the operand bits, NaN canonical', () => {
    const a = u16(0x8000, 0x3c00, 0xfe12);
    const b = u16(0x0000, 0xbc00, 0x3c00);
    expect([...(binaryElementwise('max', 'f16', a, [3], b, [3], [3]) as Uint16Array)]).toEqual([0x0000, 0x3c00, 0x7e00]);
    expect([...(binaryElementwise('min', 'f16', a, [3], b, [3], [3]) as Uint16Array)]).toEqual([0x8000, 0xbc00, 0x7e00]);
  });
});

describe('bf16 arithmetic goes through f32', () => {
  it('rounds the f32 result to bf16, ties to even', () => {
    // (1 + 2^-7)·1.5 = 1.5 + 1.5·2^-7: halfway between 0x3FC1 and 0x3FC2 -> even 0x3FC2.
    const out = binaryElementwise('mul', 'bf16', u16(0x3f81), [1], u16(0x3fc0), [1], [1]);
    expect([...(out as Uint16Array)]).toEqual([0x3fc2]);
    // 1 + 2^-8 ties to 1 (0x3F80); 256 + 1 = 257 ties to 256 (0x4380).
    const s = binaryElementwise('add', 'bf16', u16(0x3f80, 0x4380), [2], u16(0x3b80, 0x3f80), [2], [2]);
    expect([...(s as Uint16Array)]).toEqual([0x3f80, 0x4380]);
  });

  it('overflows to Inf and writes the canonical NaN 0x7FC0', () => {
    const out = binaryElementwise('mul', 'bf16', u16(0x7f7f, 0xffc1), [2], u16(0x4000, 0x3f80), [2], [2]);
    expect([...(out as Uint16Array)]).toEqual([0x7f80, 0x7fc0]);
  });
});

describe('integer arithmetic wraps', () => {
  it('i8, u8, i32', () => {
    expect([...(binaryElementwise('add', 'i8', new Int8Array([127, -128]), [2], new Int8Array([1, -1]), [2], [2]) as Int8Array)]).toEqual([
      -128, 127,
    ]);
    expect([...(binaryElementwise('mul', 'i8', new Int8Array([-128, 16]), [2], new Int8Array([-1, 16]), [2], [2]) as Int8Array)]).toEqual([
      -128, 0,
    ]);
    expect([...(binaryElementwise('sub', 'u8', new Uint8Array([0, 200]), [2], new Uint8Array([1, 56]), [2], [2]) as Uint8Array)]).toEqual([
      255, 144,
    ]);
    const i32 = binaryElementwise('mul', 'i32', new Int32Array([46341, 65536, -7]), [3], new Int32Array([46341, 65536, 3]), [3], [3]);
    // 46341² = 2147488281 = 2^31 + 4633 -> -2147479015; 2^32 -> 0.
    expect([...(i32 as Int32Array)]).toEqual([-2147479015, 0, -21]);
    const add = binaryElementwise('add', 'i32', new Int32Array([2147483647]), [1], new Int32Array([1]), [1], [1]);
    expect([...(add as Int32Array)]).toEqual([-2147483648]);
  });

  it('i4 wraps in 4 bits and stays packed', () => {
    const a = packInt4([7, -8, 3, -3]);
    const b = packInt4([1, 1, 3, 5]);
    expect([...unpackInt4(binaryElementwise('add', 'i4', a, [4], b, [4], [4]) as Uint8Array, 4)]).toEqual([-8, -7, 6, 2]);
    expect([...unpackInt4(binaryElementwise('sub', 'i4', a, [4], b, [4], [4]) as Uint8Array, 4)]).toEqual([6, 7, 0, -8]);
    expect([...unpackInt4(binaryElementwise('mul', 'i4', a, [4], b, [4], [4]) as Uint8Array, 4)]).toEqual([7, -8, -7, 1]);
    expect([...unpackInt4(binaryElementwise('max', 'i4', a, [4], b, [4], [4]) as Uint8Array, 4)]).toEqual([7, 1, 3, 5]);
  });

  it('i64 and u64 wrap mod 2^64', () => {
    const max = 2n ** 63n - 1n;
    const i64 = binaryElementwise('add', 'i64', new BigInt64Array([max, 5n]), [2], new BigInt64Array([1n, -7n]), [2], [2]);
    expect([...(i64 as BigInt64Array)]).toEqual([-(2n ** 63n), -2n]);
    const mul = binaryElementwise('mul', 'i64', new BigInt64Array([2n ** 32n]), [1], new BigInt64Array([2n ** 32n]), [1], [1]);
    expect([...(mul as BigInt64Array)]).toEqual([0n]);
    const u64 = binaryElementwise('sub', 'u64', new BigUint64Array([0n, 10n]), [2], new BigUint64Array([1n, 3n]), [2], [2]);
    expect([...(u64 as BigUint64Array)]).toEqual([2n ** 64n - 1n, 7n]);
    const mn = binaryElementwise('min', 'u64', new BigUint64Array([2n ** 64n - 1n]), [1], new BigUint64Array([3n]), [1], [1]);
    expect([...(mn as BigUint64Array)]).toEqual([3n]);
  });
});

describe('broadcasting', () => {
  it('[2, 3] with [3], [2, 1] with [1, 3], a scalar, and an empty axis', () => {
    const a = f32(1, 2, 3, 4, 5, 6);
    expect([...(binaryElementwise('add', 'f32', a, [2, 3], f32(10, 20, 30), [3], [2, 3]) as Float32Array)]).toEqual([
      11, 22, 33, 14, 25, 36,
    ]);
    const outer = binaryElementwise('mul', 'i32', new Int32Array([1, 2]), [2, 1], new Int32Array([1, 10, 100]), [1, 3], [2, 3]);
    expect([...(outer as Int32Array)]).toEqual([1, 10, 100, 2, 20, 200]);
    expect([...(binaryElementwise('sub', 'f32', f32(1), [], a, [2, 3], [2, 3]) as Float32Array)]).toEqual([0, -1, -2, -3, -4, -5]);
    expect((binaryElementwise('add', 'f32', f32(), [0, 3], f32(1, 2, 3), [3], [0, 3]) as Float32Array).length).toBe(0);
  });

  it('broadcasts a middle axis of a rank-3 operand', () => {
    // a [2, 1, 2] + b [3, 1]: out [2, 3, 2], out[i, j, k] = a[i, 0, k] + b[j, 0].
    const out = binaryElementwise('add', 'i32', new Int32Array([1, 2, 3, 4]), [2, 1, 2], new Int32Array([10, 20, 30]), [3, 1], [2, 3, 2]);
    expect([...(out as Int32Array)]).toEqual([11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34]);
  });
});

describe('kernel wrappers', () => {
  it('read the result type from the node', () => {
    const a = tensor([2], 'f32', f32(6, 1));
    const b = tensor([2], 'f32', f32(3, 4));
    const type = new TensorType([2], 'f32');
    expect([...runKernel(addKernel, 'prim.add', [a, b], {}, type).data]).toEqual([9, 5]);
    expect([...runKernel(subKernel, 'prim.sub', [a, b], {}, type).data]).toEqual([3, -3]);
    expect([...runKernel(mulKernel, 'prim.mul', [a, b], {}, type).data]).toEqual([18, 4]);
    expect([...runKernel(divKernel, 'prim.div', [a, b], {}, type).data]).toEqual([2, 0.25]);
    expect([...runKernel(maxKernel, 'prim.max', [a, b], {}, type).data]).toEqual([6, 4]);
    expect([...runKernel(minKernel, 'prim.min', [a, b], {}, type).data]).toEqual([3, 1]);
  });
});
