import { describe, expect, it } from 'vitest';
import { Xoshiro128, randomFloat64, randomStorage } from '../../src/ir/random.ts';

const draws = (seed: number, n: number): number[] => {
  const g = new Xoshiro128(seed);
  return Array.from({ length: n }, () => g.next());
};

describe('random<seed, lo, hi> (ir.md §3.2 check values)', () => {
  it('seeds xoshiro128** with splitmix32', () => {
    expect(new Xoshiro128(0).state).toEqual([0x92ca2f0e, 0x3cd6e3f3, 0x1b147dcc, 0x4c081dbf]);
    expect(draws(0, 4)).toEqual([3809008728, 1133695204, 53579671, 2891528803]);
    expect(draws(3, 4)).toEqual([3088717543, 2765602889, 1645471685, 4273001835]);
  });

  it('integer elements: lo + (u mod (hi - lo + 1))', () => {
    expect([...randomStorage('i8', 8, 3, -8, 7)]).toEqual([-1, 1, -3, 3, 2, 4, 5, 1]);
    // i4 packs the same values two per byte, element 2t in the low nibble.
    expect([...randomStorage('i4', 8, 3, -8, 7)]).toEqual([0x1f, 0x3d, 0x42, 0x15]);
    // A u32-wide range and a 64-bit range keep u itself.
    expect([...randomStorage('i32', 2, 0, -2147483648, 2147483647)]).toEqual([3809008728 - 2147483648, 1133695204 - 2147483648]);
    expect([...randomStorage('u64', 2, 0, 0n, 2n ** 64n - 1n)]).toEqual([3809008728n, 1133695204n]);
    expect([...randomStorage('i64', 1, 0, -5n, 5n)]).toEqual([-5n + (3809008728n % 11n)]);
    expect([...randomStorage('i1', 4, 0, 0, 1)]).toEqual([0, 0, 1, 1]);
  });

  it('float elements: float64 value, rounded once to the dtype', () => {
    const g = new Xoshiro128(1);
    const f64 = Array.from({ length: 4 }, () => randomFloat64(g.next(), -1, 1));
    expect(f64).toEqual([0.13721199240535498, 0.50785769848153, 0.7787878732196987, -0.019959089811891317]);
    expect([...randomStorage('f32', 4, 1, -1, 1)]).toEqual([0.13721199333667755, 0.5078576803207397, 0.7787878513336182, -0.019959090277552605]);
    expect([...randomStorage('f16', 4, 1, -1, 1)]).toEqual([0x3064, 0x3810, 0x3a3b, 0xa51c]);
    expect([...randomStorage('bf16', 4, 1, -1, 1)]).toEqual([0x3e0d, 0x3f02, 0x3f47, 0xbca4]);
  });

  it('reproduces the §10 resources', () => {
    const w0 = randomStorage('i8', 2 * 64 * 32, 3, -128, 127);
    expect([...w0.slice(0, 4)]).toEqual([103, -55, 69, -21]);
    expect([...w0.slice(2048, 2052)]).toEqual([-15, 56, -41, 121]);
    expect([...randomStorage('f32', 2, 5, 0.001, 0.01)]).toEqual([0.008579297922551632, 0.008478728123009205]);
  });
});
