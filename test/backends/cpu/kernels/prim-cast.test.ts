import { describe, expect, it } from 'vitest';
import { bigintToOddF64, castElements, castKernel } from '../../../../src/backends/cpu/kernels/cast.ts';
import { dtypeAttr } from '../../../../src/ir/attr.ts';
import type { DType } from '../../../../src/ir/dtype.ts';
import type { Storage } from '../../../../src/ir/storage.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { packInt4, unpackInt4 } from '../../../../src/numerics/int4.ts';
import { bitsOfF32, f32FromBitsArray, runKernel, tensor } from './prim-harness.ts';

const f32 = (...v: number[]) => new Float32Array(v);
const cast = (from: DType, to: DType, x: Storage, n = x.length): number[] => Array.from(castElements(from, to, x, n) as ArrayLike<number>);

describe('float -> integer: quantInt', () => {
  it('f32 -> i8: half to even, NaN 0, saturation', () => {
    expect(cast('f32', 'i8', f32(2.5, 3.5, -2.5, -0.5, NaN, Infinity, -Infinity, 300, -300, 126.5))).toEqual([
      2, 4, -2, 0, 0, 127, -128, 127, -128, 126,
    ]);
  });

  it('u8, i32 and i4 saturate to their ranges', () => {
    expect(cast('f32', 'u8', f32(-1, 255.5, 254.5, 0.5))).toEqual([0, 255, 254, 0]);
    expect(cast('f32', 'i32', f32(3e9, -3e9, 2147483520, -2147483648))).toEqual([2147483647, -2147483648, 2147483520, -2147483648]);
    expect([...unpackInt4(castElements('f32', 'i4', f32(7.5, -8.5, 6.5, NaN), 4) as Uint8Array, 4)]).toEqual([7, -8, 6, 0]);
    // f16 1.5 -> 2, bf16 -2.5 -> -2
    expect(cast('f16', 'i8', new Uint16Array([0x3e00, 0xfc00]))).toEqual([2, -128]);
    expect(cast('bf16', 'i32', new Uint16Array([0xc020, 0x7fc0]))).toEqual([-2, 0]);
  });

  it('i64 and u64 targets saturate exactly', () => {
    const i64 = castElements('f32', 'i64', f32(2 ** 63, -(2 ** 63), 2 ** 62, -2.5, NaN, -Infinity), 6) as BigInt64Array;
    expect([...i64]).toEqual([2n ** 63n - 1n, -(2n ** 63n), 2n ** 62n, -2n, 0n, -(2n ** 63n)]);
    const u64 = castElements('f32', 'u64', f32(2 ** 64, 2 ** 63, -1, -0.5, Infinity, 1.5), 6) as BigUint64Array;
    expect([...u64]).toEqual([2n ** 64n - 1n, 2n ** 63n, 0n, 0n, 2n ** 64n - 1n, 2n]);
  });
});

describe('integer -> integer: truncation', () => {
  it('i32 -> i4 keeps the low 4 bits', () => {
    expect([...unpackInt4(castElements('i32', 'i4', new Int32Array([8, -9, 100, -1]), 4) as Uint8Array, 4)]).toEqual([-8, 7, 4, -1]);
  });

  it('i32 -1 -> u64 is 2^64 - 1, and 64-bit values truncate to narrower dtypes', () => {
    expect([...(castElements('i32', 'u64', new Int32Array([-1, 7]), 2) as BigUint64Array)]).toEqual([2n ** 64n - 1n, 7n]);
    expect([...(castElements('i8', 'i64', new Int8Array([-128]), 1) as BigInt64Array)]).toEqual([-128n]);
    expect(cast('u64', 'i32', new BigUint64Array([2n ** 64n - 1n, 0x1_0000_0005n]))).toEqual([-1, 5]);
    expect(cast('i64', 'u8', new BigInt64Array([-1n, 0x1234n]))).toEqual([255, 0x34]);
    expect([...(castElements('u64', 'i64', new BigUint64Array([2n ** 64n - 1n]), 1) as BigInt64Array)]).toEqual([-1n]);
    expect(cast('i32', 'i8', new Int32Array([128, 255, -129]))).toEqual([-128, -1, 127]);
    expect(cast('i8', 'u8', new Int8Array([-1, -128]))).toEqual([255, 128]);
  });
});

describe('integer -> float: the exact integer rounded once', () => {
  it('i32 -> f32, f16, bf16', () => {
    expect(cast('i32', 'f32', new Int32Array([16777217, 16777219, 2147483647]))).toEqual([16777216, 16777220, 2147483648]);
    // 2049 ties to 2048 in f16; 65520 ties to Inf; 70000 overflows.
    expect(cast('i32', 'f16', new Int32Array([2049, 2051, 65519, 65520, 70000, -70000]))).toEqual([
      0x6800, 0x6802, 0x7bff, 0x7c00, 0x7c00, 0xfc00,
    ]);
    // 16777217 -> bf16 directly: 2^24 (1 + 2^-24) is below the midpoint, so 0x4B80; 2^24 + 2^16 + 1
    // is just above the bf16 midpoint 2^24 + 2^16 and must round up (0x4B81), where rounding to f32 first
    // (2^24 + 2^16 exactly, a tie) would give 0x4B80.
    expect(cast('i32', 'bf16', new Int32Array([16777217, 16777216 + 65536 + 1]))).toEqual([0x4b80, 0x4b81]);
  });

  it('u64 and i64 -> f32 round once (no double rounding through float64)', () => {
    // 2^60 + 2^36 + 1 is just above the f32 midpoint 2^60 + 2^36: correct result 2^60 + 2^37.
    // Number() alone rounds it to the midpoint and fround then ties to even (2^60).
    const x = new BigUint64Array([2n ** 64n - 1n, 2n ** 60n + 2n ** 36n + 1n, 2n ** 60n + 2n ** 36n]);
    expect(cast('u64', 'f32', x)).toEqual([2 ** 64, 2 ** 60 + 2 ** 37, 2 ** 60]);
    const y = new BigInt64Array([-(2n ** 63n), -(2n ** 60n + 2n ** 36n + 1n), 3n]);
    expect(cast('i64', 'f32', y)).toEqual([-(2 ** 63), -(2 ** 60 + 2 ** 37), 3]);
    expect(cast('u64', 'f16', new BigUint64Array([65519n, 2n ** 64n - 1n]))).toEqual([0x7bff, 0x7c00]);
    expect(cast('i64', 'bf16', new BigInt64Array([2n ** 40n + 2n ** 32n + 1n]))).toEqual([0x5381]);
  });

  it('bigintToOddF64 is exact below 2^53 and sticky above', () => {
    expect(bigintToOddF64(2n ** 53n - 1n)).toBe(2 ** 53 - 1);
    expect(bigintToOddF64(2n ** 54n + 1n)).toBe(2 ** 54 + 4); // truncated to 2^54, lowest kept bit (4) set
    expect(bigintToOddF64(-(2n ** 54n))).toBe(-(2 ** 54));
  });
});

describe('float -> float: one rounding', () => {
  it('f32 -> f16 overflows to Inf, keeps -0 and subnormals, canonical NaN', () => {
    const x = f32FromBitsArray([0x477ff000 /* 65520 */, 0x477fe000 /* 65504 */, 0x80000000, 0x33800000 /* 2^-24 */, 0x33000000 /* 2^-25 */, 0x7f800123]);
    expect(cast('f32', 'f16', x)).toEqual([0x7c00, 0x7bff, 0x8000, 0x0001, 0x0000, 0x7e00]);
  });

  it('f32 <-> bf16 and f16 <-> bf16', () => {
    expect(cast('f32', 'bf16', f32FromBitsArray([0x3f808000, 0x3f818000, 0xff800000, 0xffc00001]))).toEqual([0x3f80, 0x3f82, 0xff80, 0x7fc0]);
    expect(bitsOfF32(castElements('bf16', 'f32', new Uint16Array([0x3f81, 0xffc1]), 2))).toEqual([0x3f810000, 0x7fc00000]);
    // f16 1 + 2^-10 and 1 + 3·2^-10 lie below the bf16 midpoint 1 + 2^-8; bf16 1 + 2^-7 is exact in f16
    expect(cast('f16', 'bf16', new Uint16Array([0x3c01, 0x3c03]))).toEqual([0x3f80, 0x3f80]);
    expect(cast('bf16', 'f16', new Uint16Array([0x3f81, 0x7f80, 0x0001]))).toEqual([0x3c08, 0x7c00, 0x0000]);
    expect(bitsOfF32(castElements('f16', 'f32', new Uint16Array([0x0001, 0xfc00, 0x7c01]), 3))).toEqual([0x33800000, 0xff800000, 0x7fc00000]);
  });
});

describe('i1', () => {
  it('any -> i1 is "not zero": NaN true, -0 false', () => {
    expect(cast('f32', 'i1', f32(NaN, -0, 0, 1e-45, -3))).toEqual([1, 0, 0, 1, 1]);
    expect(cast('f16', 'i1', new Uint16Array([0x8000, 0x7e00, 0x0001]))).toEqual([0, 1, 1]);
    expect(cast('i64', 'i1', new BigInt64Array([0n, -(2n ** 63n)]))).toEqual([0, 1]);
    expect(cast('i4', 'i1', packInt4([0, -8]), 2)).toEqual([0, 1]);
  });

  it('i1 -> any is 0 or 1', () => {
    const b = new Uint8Array([0, 1]);
    expect(cast('i1', 'f16', b)).toEqual([0x0000, 0x3c00]);
    expect(cast('i1', 'bf16', b)).toEqual([0x0000, 0x3f80]);
    expect([...(castElements('i1', 'u64', b, 2) as BigUint64Array)]).toEqual([0n, 1n]);
    expect([...unpackInt4(castElements('i1', 'i4', b, 2) as Uint8Array, 2)]).toEqual([0, 1]);
  });
});

describe('same dtype and the kernel', () => {
  it('same dtype copies bits, NaN payload included', () => {
    const x = f32FromBitsArray([0xffc00123]);
    const out = castElements('f32', 'f32', x, 1);
    expect(bitsOfF32(out)).toEqual([0xffc00123]);
    expect(out).not.toBe(x);
  });

  it('the kernel reads `to` from the result type', () => {
    const x = tensor([2, 2], 'f32', f32(0.5, 1.5, -129, 200));
    const out = runKernel(castKernel, 'prim.cast', [x], { to: dtypeAttr('i8') }, new TensorType([2, 2], 'i8'));
    expect([...out.data]).toEqual([0, 2, -128, 127]);
  });
});
