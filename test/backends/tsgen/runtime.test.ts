// The helpers generated modules call that are not the kernels' own: checked against the
// numerics module's definitions (rne) and ir.md §6.2 (max, min), on every f16 and bf16 value and
// on f32 edge cases.
import { describe, expect, it } from 'vitest';
import { f32BitsOf, fmax, fmin, rne24 } from '../../../src/backends/tsgen/runtime.ts';
import { bf16ToF32, f16ToF64, rne } from '../../../src/numerics/float.ts';
import { rng } from '../../helpers/seeded-inputs.ts';

const same = (a: number, b: number) => Object.is(a, b) || (a !== a && b !== b);

describe('rne24', () => {
  it('is rne on every f16 and bf16 value', () => {
    for (let h = 0; h < 65536; h++) {
      for (const v of [f16ToF64(h), bf16ToF32(h)]) if (!same(rne24(v), rne(v))) expect(rne24(v), `${v}`).toBe(rne(v));
    }
  });

  it('is rne on f32 values: ties, signed zeros, the integral range and random patterns', () => {
    const edges = [0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999997, -0.49999997, -0.0, 0.0, 8388607.5, -8388607.5, 8388608, 16777217, 3.4028234663852886e38, -Infinity, Infinity, NaN, 1e-45];
    const r = rng(11);
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    const values = [...edges];
    for (let i = 0; i < 200_000; i++) {
      u[0] = Math.floor(r() * 4294967296);
      values.push(f[0]!);
    }
    for (const v of values) if (!same(rne24(v), rne(v))) expect(rne24(v), `${v}`).toBe(rne(v));
    expect(Object.is(rne24(-0.5), -0)).toBe(true);
    expect(rne24(2.5)).toBe(2);
    expect(rne24(-3.5)).toBe(-4);
  });
});

describe('fmax, fmin (ir.md §6.2)', () => {
  it('NaN wins, +0 is above -0, otherwise the larger or smaller value', () => {
    expect(fmax(NaN, 1)).toBeNaN();
    expect(fmin(1, NaN)).toBeNaN();
    expect(Object.is(fmax(-0, 0), 0)).toBe(true);
    expect(Object.is(fmax(0, -0), 0)).toBe(true);
    expect(Object.is(fmax(-0, -0), -0)).toBe(true);
    expect(Object.is(fmin(0, -0), -0)).toBe(true);
    expect(Object.is(fmin(0, 0), 0)).toBe(true);
    expect(fmax(-Infinity, -3)).toBe(-3);
    expect(fmin(2, Infinity)).toBe(2);
  });

  it('f32BitsOf writes the canonical NaN for any NaN', () => {
    expect(f32BitsOf(NaN)).toBe(0x7fc00000);
    expect(f32BitsOf(-0)).toBe(0x80000000);
    expect(f32BitsOf(1)).toBe(0x3f800000);
  });
});
