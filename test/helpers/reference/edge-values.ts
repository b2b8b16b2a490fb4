// Seeded element generators for the reference-agreement tests: ordinary values mixed with the
// edge values the operators must get right (NaN payloads, ±Inf, ±0, subnormals, exact .5 ties,
// tiny amax, overflow, f32 scales with non-zero low 13 bits).
import { f16FromF64 } from '../../../src/numerics/float.ts';
import { f32, f32ToBits, toBf16 } from './numerics.ts';
import type { Rng } from '../rng.ts';

export { rng, type Rng } from '../rng.ts';

export const intIn = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
export const chance = (r: Rng, p: number): boolean => r() < p;

/** A finite value of random sign and magnitude 2^lo..2^hi. */
export const magnitude = (r: Rng, lo: number, hi: number): number => (chance(r, 0.5) ? -1 : 1) * 2 ** (lo + r() * (hi - lo));

export const F16_SPECIAL = [0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x7c01, 0xfe00, 0x0001, 0x8001, 0x03ff, 0x0400, 0x7bff, 0xfbff, 0x3c00, 0x3800, 0xb800];
export const BF16_SPECIAL = [0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x7f81, 0xffc1, 0x0001, 0x8001, 0x007f, 0x0080, 0x02fe, 0x82fe, 0x00e0, 0x7f7f, 0xff7f, 0x3f80, 0x3f00];
export const F32_SPECIAL_BITS = [
  0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffc00123, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x3f800000,
  0x3f000000, 0x02fe0000, 0x00e00000,
];

/** f16 or bf16 bits: mostly ordinary values, sometimes a special pattern or any pattern at all. */
export function halfBits(r: Rng, dtype: 'f16' | 'bf16', scale = 4): number {
  const u = r();
  if (u < 0.08) return pick(r, dtype === 'f16' ? F16_SPECIAL : BF16_SPECIAL);
  if (u < 0.14) return intIn(r, 0, 0xffff);
  const v = (r() * 2 - 1) * scale;
  return dtype === 'f16' ? f16FromF64(v) : toBf16(v);
}

/** f32 bits, same mixture. */
export function f32Bits(r: Rng, scale = 4): number {
  const u = r();
  if (u < 0.08) return pick(r, F32_SPECIAL_BITS);
  if (u < 0.14) return intIn(r, 0, 0xffffffff);
  return f32ToBits(f32((r() * 2 - 1) * scale));
}

/** Raw elements of a float dtype (bits for f16/bf16, values for f32; NaN payloads kept by the caller). */
export function floatBits(r: Rng, dtype: 'f32' | 'f16' | 'bf16', scale = 4): number {
  return dtype === 'f32' ? f32Bits(r, scale) : halfBits(r, dtype, scale);
}
