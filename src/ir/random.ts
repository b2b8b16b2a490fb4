// The `random<seed, lo, hi>` initializer (ir.md §3.2): splitmix32 seeds xoshiro128**, element k
// takes the k-th output. Every implementation must draw the same numbers, so this follows the
// text exactly: u32 arithmetic via Math.imul and >>>, float elements in float64 then one rounding.
import type { DType } from './dtype.ts';
import { DTYPE_INFO } from './dtype.ts';
import { bf16FromF64, f16FromF64 } from '../numerics/float.ts';
import { allocStorage, type Storage } from './storage.ts';

const rotl32 = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** A xoshiro128** generator seeded by four splitmix32 outputs; `next()` returns a u32. */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let st = seed >>> 0;
    const splitmix32 = (): number => {
      st = (st + 0x9e3779b9) >>> 0;
      let z = st;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix32();
    this.s1 = splitmix32();
    this.s2 = splitmix32();
    this.s3 = splitmix32();
  }

  /** The four state words (for the check values of ir.md §3.2). */
  get state(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  next(): number {
    const result = Math.imul(rotl32(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl32(this.s3, 11);
    return result;
  }
}

/** Float element: d = H - L, f = u / 2^32, p = f * d, v = L + p in float64 (before rounding). */
export const randomFloat64 = (u: number, lo: number, hi: number): number => lo + (u / 4294967296) * (hi - lo);

/**
 * The first `count` elements of `random<seed, lo, hi>` in an ND container of `dtype` (i4 packed
 * two per byte, i64/u64 as bigint). Integer dtypes and i1 take `lo + (u mod (hi - lo + 1))`;
 * float dtypes round `randomFloat64` once to the dtype.
 */
export function randomStorage(dtype: DType, count: number, seed: number, lo: number | bigint, hi: number | bigint): Storage {
  const gen = new Xoshiro128(seed);
  const out = allocStorage(dtype, count);
  if (DTYPE_INFO[dtype].cls === 'float') {
    const l = Number(lo);
    const h = Number(hi);
    const round = dtype === 'f32' ? Math.fround : dtype === 'f16' ? f16FromF64 : bf16FromF64;
    for (let k = 0; k < count; k++) out[k] = round(randomFloat64(gen.next(), l, h));
    return out;
  }
  if (dtype === 'i64' || dtype === 'u64') {
    const l = BigInt(lo);
    const span = BigInt(hi) - l + 1n;
    const big = out as BigInt64Array | BigUint64Array;
    // A span wider than 2^32 leaves u unchanged by the modulo.
    for (let k = 0; k < count; k++) big[k] = l + (BigInt(gen.next()) % span);
    return out;
  }
  // Narrow integers: the span is at most 2^32, so float64 arithmetic is exact.
  const l = Number(lo);
  const span = Number(hi) - l + 1;
  if (dtype === 'i4') {
    const bytes = out as Uint8Array;
    for (let k = 0; k < count; k++) {
      const nib = (l + (gen.next() % span)) & 0xf;
      bytes[k >> 1] |= k & 1 ? nib << 4 : nib;
    }
    return out;
  }
  const dst = out as Int8Array | Uint8Array | Int32Array;
  for (let k = 0; k < count; k++) dst[k] = l + (gen.next() % span);
  return out;
}
