import { describe, expect, it } from 'vitest';
import { BF16_TO_F32, F16_TO_F32, bf16FromF32, bf16FromF32Bits, bf16FromF64, f16FromF64, f16ToF64, f32FromBits, rne } from '../../src/numerics/float.ts';

describe('f16FromF64 (one RNE rounding)', () => {
  it('breaks ties to the even neighbour (spec README §2)', () => {
    expect(f16FromF64(1 + 2 ** -11)).toBe(0x3c00); // 1
    expect(f16FromF64(1 + 3 * 2 ** -11)).toBe(0x3c02); // 1 + 2^-9
    expect(f16FromF64(1 + 2 ** -11 + 2 ** -40)).toBe(0x3c01); // just above the tie
  });

  it('overflows to Inf from the tie at 65520 on, keeps 65504 below it', () => {
    expect(f16FromF64(65504)).toBe(0x7bff);
    expect(f16FromF64(65519.99)).toBe(0x7bff);
    expect(f16FromF64(65520)).toBe(0x7c00);
    expect(f16FromF64(-1e300)).toBe(0xfc00);
  });

  it('keeps subnormals and rounds below them half to even', () => {
    expect(f16FromF64(2 ** -24)).toBe(0x0001);
    expect(f16FromF64(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24: 0 is even
    expect(f16FromF64(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 units: 2
    expect(f16FromF64(-(2 ** -14) + 2 ** -24)).toBe(0x83ff);
    expect(f16FromF64(-0)).toBe(0x8000);
  });

  it('gives the canonical NaN', () => {
    expect(f16FromF64(NaN)).toBe(0x7e00);
    expect(Number.isNaN(f16ToF64(0x7c01))).toBe(true);
    expect(F16_TO_F32[0x3c02]).toBe(1 + 2 ** -9);
  });
});

describe('bf16 rounding (CAST_RINT)', () => {
  it('rounds the upper half to even on ties', () => {
    expect(bf16FromF32(f32FromBits(0x3f808000))).toBe(0x3f80); // tie, 0x3F80 is even
    expect(bf16FromF32(f32FromBits(0x3f818000))).toBe(0x3f82); // tie, up to the even 0x3F82
    expect(bf16FromF32Bits(0x3f808000)).toBe(0x3f80);
    expect(bf16FromF32Bits(0x3f818000)).toBe(0x3f82);
    expect(bf16FromF32Bits(0x3f808001)).toBe(0x3f81);
  });

  it('overflows the largest f32 to Inf and keeps NaN canonical', () => {
    expect(bf16FromF32Bits(0x7f7fffff)).toBe(0x7f80);
    expect(bf16FromF32Bits(0xff7fffff)).toBe(0xff80);
    expect(bf16FromF32Bits(0x7f800001)).toBe(0x7fc0);
    expect(bf16FromF32Bits(0xffc12345)).toBe(0x7fc0);
    expect(bf16FromF32(NaN)).toBe(0x7fc0);
  });

  it('rounds float64 once, not through f32 (ir.md §3.1)', () => {
    expect(bf16FromF64(1.0039062509313226)).toBe(0x3f81);
    expect(bf16FromF32(Math.fround(1.0039062509313226))).toBe(0x3f80);
    expect(BF16_TO_F32[0x3f81]).toBe(1.0078125);
  });

  it('keeps subnormals', () => {
    expect(bf16FromF32Bits(0x00018000)).toBe(0x0002); // tie between 0x0001 and 0x0002
    expect(bf16FromF32Bits(0x00008000)).toBe(0x0000); // tie between 0 and 0x0001
  });
});

describe('rne', () => {
  it('is half to even, unlike Math.round', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999999999999996].map(rne)).toEqual([0, 2, 2, -0, -2, -2, 2]);
    expect(rne(Infinity)).toBe(Infinity);
    expect(rne(NaN)).toBeNaN();
  });
});
