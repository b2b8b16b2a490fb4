import { describe, expect, it } from 'vitest';
import { quantI4, quantI8, quantInt, satInt } from '../../src/numerics/quant.ts';

describe('quantInt (spec README §3-§4)', () => {
  it('rounds half to even', () => {
    expect([2.5, 3.5, -0.5, -1.5, 0.5000000000000001, 126.5].map((v) => quantInt(v, -128, 127))).toEqual([2, 4, 0, -2, 1, 126]);
  });

  it('maps NaN to 0 and saturates Inf and out-of-range values', () => {
    expect(quantInt(NaN, -128, 127)).toBe(0);
    expect(quantInt(Infinity, -8, 7)).toBe(7);
    expect(quantInt(-Infinity, -8, 7)).toBe(-8);
    expect(quantInt(127.5, -128, 127)).toBe(127); // rne gives 128, then saturates
    expect(quantInt(-128.5, -128, 127)).toBe(-128);
    expect(quantInt(-3, 0, 255)).toBe(0);
    expect(quantInt(255.4, 0, 255)).toBe(255);
  });

  it('covers the int32 range exactly', () => {
    const [lo, hi] = [-2147483648, 2147483647];
    expect(quantInt(2147483646.5, lo, hi)).toBe(2147483646);
    expect(quantInt(2147483645.5, lo, hi)).toBe(2147483646);
    expect(quantInt(3e9, lo, hi)).toBe(hi);
    expect(quantInt(-2147483648.5, lo, hi)).toBe(lo);
    expect(Object.is(quantInt(-0.25, lo, hi), 0)).toBe(true);
  });

  it('has hot-loop forms that agree with it', () => {
    for (const v of [-200, -128.5, -127.5, -8.5, -7.5, -2.5, -0.5, 0, 0.5, 1.5, 6.5, 7.5, 126.5, 127.49, 300, NaN, Infinity, -Infinity]) {
      expect(quantI8(v) + 0).toBe(quantInt(v, -128, 127));
      expect(quantI4(v) + 0).toBe(quantInt(v, -8, 7));
    }
  });

  it('satInt saturates integral values', () => {
    expect([satInt(NaN, -8, 7), satInt(9, -8, 7), satInt(-Infinity, -8, 7), satInt(3, -8, 7)]).toEqual([0, 7, -8, 3]);
  });
});
