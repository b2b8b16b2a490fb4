// f16FromF64 works on float64 bits for speed; this checks it against a slow reference that finds
// the two f16 neighbours of |v| by search and picks the nearer (the even one on a tie).
import { describe, expect, it } from 'vitest';
import { f16FromF64, f16ToF64 } from '../../src/numerics/float.ts';

/** Positive finite f16 values in increasing order: bits 0 … 0x7BFF. */
const POSITIVE = Array.from({ length: 0x7c00 }, (_, h) => f16ToF64(h));

function reference(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65520) return sign | 0x7c00; // at or beyond the midpoint of 65504 and 2^16
  let lo = 0;
  let hi = POSITIVE.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (POSITIVE[mid]! <= a) lo = mid;
    else hi = mid;
  }
  if (POSITIVE[hi]! <= a) lo = hi;
  if (POSITIVE[lo] === a || lo === POSITIVE.length - 1) return sign | lo;
  const below = a - POSITIVE[lo]!;
  const above = POSITIVE[lo + 1]! - a;
  return sign | (below < above ? lo : above < below ? lo + 1 : lo % 2 === 0 ? lo : lo + 1);
}

const scratch = new Float64Array(1);
const words = new BigUint64Array(scratch.buffer);
/** The float64 neighbours of v (one ulp down and up). */
function neighbours(v: number): number[] {
  scratch[0] = v;
  const bits = words[0]!;
  words[0] = bits + 1n;
  const up = scratch[0]!;
  words[0] = bits - 1n;
  return [scratch[0]!, up];
}

describe('f16FromF64', () => {
  it('matches the reference on every f16 value, every midpoint and their float64 neighbours', () => {
    const bad: number[] = [];
    for (let h = 0; h < 0x7bff; h++) {
      const mid = (POSITIVE[h]! + POSITIVE[h + 1]!) / 2;
      for (const v of [POSITIVE[h]!, mid, ...neighbours(mid)]) {
        if (f16FromF64(v) !== reference(v) || f16FromF64(-v) !== reference(-v)) bad.push(v);
      }
    }
    expect(bad).toEqual([]);
  });

  it('matches the reference on special values and random magnitudes', () => {
    const specials = [0, -0, Infinity, -Infinity, NaN, 65504, 65519.99, 65520, 65536, 1e300, 5e-324, 2 ** -25, 3 * 2 ** -26, 2 ** -24];
    for (const v of specials) expect([v, f16FromF64(v)]).toEqual([v, reference(v)]);
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 20000; i++) {
      const v = (next() - 0.5) * 2 ** Math.floor(next() * 60 - 35);
      if (f16FromF64(v) !== reference(v)) expect([v, f16FromF64(v)]).toEqual([v, reference(v)]);
    }
  });
});
