import { describe, expect, it } from 'vitest';
import type { NpyArray } from '../../src/io/npy.ts';
import { mismatch } from '../../src/io/tolerance.ts';

const f32 = (...v: number[]): NpyArray => ({ dtype: 'float32', shape: [v.length], data: new Float32Array(v) });
const bits = (dtype: 'float16' | 'uint16', ...v: number[]): NpyArray => ({ dtype, shape: [v.length], data: new Uint16Array(v) });
const next = (v: number, steps = 1) => {
  const u = new Uint32Array(new Float32Array([v]).buffer);
  u[0]! += steps;
  return new Float32Array(u.buffer)[0]!;
};

describe('tolerances', () => {
  it('exact: same values, NaN matches NaN, +0 matches -0, integers bit for bit', () => {
    expect(mismatch(f32(1, NaN, 0), f32(1, NaN, -0), 'float32', { kind: 'exact' })).toBeUndefined();
    expect(mismatch(f32(1, 2, 3), f32(1, 2.5, 4), 'float32', { kind: 'exact' })).toBe(
      '2 of 3 elements differ (compared exactly); first at [1]: got 2, expected 2.5',
    );
    const i64 = (v: bigint): NpyArray => ({ dtype: 'int64', shape: [1, 1], data: new BigInt64Array([v]) });
    expect(mismatch(i64(70369781006336n), i64(70369781006337n), 'int64', { kind: 'exact' })).toBe(
      '1 of 1 elements differ (compared exactly); first at [0, 0]: got 70369781006336, expected 70369781006337',
    );
    // An integer output is compared exactly whatever the tolerance says.
    const i8 = (v: number): NpyArray => ({ dtype: 'int8', shape: [1], data: new Int8Array([v]) });
    expect(mismatch(i8(3), i8(4), 'int8', { kind: 'ulp', dtype: 'float32', max_ulp: 5 })).toContain('1 of 1 elements differ');
  });

  it('reports container and shape differences', () => {
    expect(mismatch(f32(1), bits('float16', 0x3c00), 'float32', { kind: 'exact' })).toBe('stored as float32, expected float16');
    expect(mismatch(f32(1, 2), f32(1), 'float32', { kind: 'exact' })).toBe('shape [2], expected [1]');
  });

  it('ulp: ordered bit patterns, across zero and for 16-bit formats', () => {
    const tol = { kind: 'ulp', dtype: 'float32', max_ulp: 1 } as const;
    expect(mismatch(f32(next(0.1)), f32(0.1), 'float32', tol)).toBeUndefined();
    expect(mismatch(f32(next(0.1, 2)), f32(0.1), 'float32', tol)).toContain('compared within 1 ulp');
    // The smallest positive and negative subnormals are 2 apart (through ±0).
    expect(mismatch(f32(1.401298464324817e-45), f32(-1.401298464324817e-45), 'float32', tol)).toContain('1 of 1');
    expect(mismatch(f32(1.401298464324817e-45), f32(-0), 'float32', tol)).toBeUndefined();
    expect(mismatch(f32(NaN), f32(1), 'float32', tol)).toContain('1 of 1');
    const bf = { kind: 'ulp', dtype: 'bfloat16', max_ulp: 1 } as const;
    expect(mismatch(bits('uint16', 0x3f81), bits('uint16', 0x3f80), 'bfloat16', bf)).toBeUndefined();
    expect(mismatch(bits('uint16', 0x0001), bits('uint16', 0x8001), 'bfloat16', bf)).toContain('got 9.183549615799121e-41, expected -9.183549615799121e-41');
  });

  it('ulp_of_magnitude: scaled by the spacing of the dtype at the magnitude', () => {
    const tol = { kind: 'ulp_of_magnitude', dtype: 'float16', max_ulp: 2, magnitude: 'm.npy' } as const;
    // fp16 spacing at 100 is 2^(6-10) = 1/16, so 2 ulp = 0.125.
    const want = bits('float16', 0x5640); // 100
    const mag = f32(100);
    expect(mismatch(bits('float16', 0x5642), want, 'float16', tol, mag)).toBeUndefined(); // 100.125
    expect(mismatch(bits('float16', 0x5643), want, 'float16', tol, mag)).toBe(
      '1 of 1 elements differ (compared within 2 ulp of the magnitude); first at [0]: got 100.1875, expected 100',
    );
    // At magnitude 0 the step is the smallest subnormal, 2^-24.
    expect(mismatch(bits('float16', 0x0002), bits('float16', 0x0000), 'float16', tol, f32(0))).toBeUndefined();
    expect(mismatch(bits('float16', 0x0003), bits('float16', 0x0000), 'float16', tol, f32(0))).toContain('1 of 1');
    expect(mismatch(bits('float16', 0x7c00), bits('float16', 0x7c00), 'float16', tol, f32(1))).toBeUndefined();
    expect(mismatch(bits('float16', 0x0), want, 'float16', tol)).toBe('the magnitude array must have 1 elements, got none');
  });
});
