// The spec's numeric helpers (README §2-§3) written out plainly for the reference
// implementations: rne from its floor-based definition, satInt, quantInt, f32 bit access, and
// int4 nibble packing. Only the f16/bf16 bit conversions come from src/numerics/float.ts.
import { bf16FromF32, bf16ToF32, f16FromF64, f16ToF64 } from '../../../src/numerics/float.ts';

export const f32 = Math.fround;

/** README §3: f = floor(v), d = v - f; below .5 down, above up, at .5 to the even neighbour. */
export function rne(v: number): number {
  if (!Number.isFinite(v)) return v;
  const f = Math.floor(v);
  const d = v - f; // exact: v and f share their magnitude
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** README §3: NaN -> 0, +Inf or above hi -> hi, -Inf or below lo -> lo. */
export function satInt(v: number, lo: number, hi: number): number {
  if (Number.isNaN(v)) return 0;
  if (v > hi) return hi;
  if (v < lo) return lo;
  return v === 0 ? 0 : v; // no -0 in an integer result
}

export const quantInt = (v: number, lo: number, hi: number): number => satInt(rne(v), lo, hi);

const view = new DataView(new ArrayBuffer(4));

export function f32ToBits(v: number): number {
  view.setFloat32(0, v);
  return view.getUint32(0);
}

export function f32FromBits(u: number): number {
  view.setUint32(0, u >>> 0);
  return view.getFloat32(0);
}

/** The f32 bits a computed f32 result has: any NaN is the canonical 0x7FC00000 (ir.md §1.1). */
export const f32ResultBits = (v: number): number => (Number.isNaN(v) ? 0x7fc00000 : f32ToBits(v));

export type FloatDType = 'f32' | 'f16' | 'bf16';

/** The exact value of a stored float element: f16/bf16 bits, or an f32 value. */
export function widen(dtype: FloatDType, raw: number): number {
  if (dtype === 'f16') return f16ToF64(raw);
  if (dtype === 'bf16') return bf16ToF32(raw);
  return f32(raw);
}

/** One RNE rounding of a number to f16 bits (overflow to ±Inf, NaN to 0x7E00). */
export const toF16 = (v: number): number => f16FromF64(v);

/** RNE of an f32 value to bf16 bits (NaN to 0x7FC0). */
export const toBf16 = (v: number): number => bf16FromF32(f32(v));

/** Values -> nibbles, two per byte, element 2t in the low nibble (layout.md §3.2). */
export function packNibbles(values: readonly number[]): number[] {
  const bytes: number[] = [];
  for (let t = 0; 2 * t < values.length; t++) {
    const lo = values[2 * t]! & 0xf;
    const hi = 2 * t + 1 < values.length ? values[2 * t + 1]! & 0xf : 0;
    bytes.push(hi * 16 + lo);
  }
  return bytes;
}

/** Bytes -> `count` sign-extended int4 values (the inverse of packNibbles). */
export function unpackNibbles(bytes: ArrayLike<number>, count: number): number[] {
  const out: number[] = [];
  for (let e = 0; e < count; e++) {
    const b = bytes[Math.floor(e / 2)]!;
    const nib = e % 2 === 0 ? b % 16 : Math.floor(b / 16) % 16;
    out.push(nib >= 8 ? nib - 16 : nib);
  }
  return out;
}

/** Values -> int32 words, element 8q+s in bits 4s..4s+3 of word q (layout.md §3.3), signed. */
export function packWords(values: readonly number[]): number[] {
  const words: number[] = [];
  for (let q = 0; 8 * q < values.length; q++) {
    let w = 0;
    for (let s = 0; s < 8; s++) w += (values[8 * q + s]! & 0xf) * 16 ** s;
    words.push(w >= 2 ** 31 ? w - 2 ** 32 : w);
  }
  return words;
}
