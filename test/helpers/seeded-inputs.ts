// Seeded test inputs with the edge values the issues ask for: NaN / ±Inf rows, all-zero rows,
// exact .5 ties, tiny amax, fp16 overflow, f32 scales with non-zero low 13 bits.
import type { DType } from '../../src/ir/dtype.ts';
import { allocStorage, writeElement, type Storage } from '../../src/ir/storage.ts';
import type { TensorType } from '../../src/ir/types.ts';
import { rng } from './rng.ts';
import { bf16FromF64, f16FromF64, f32Bits } from '../../src/numerics/float.ts';

export { rng } from './rng.ts';

const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

/** Row pattern p of a float row of length h (rows cycle through the patterns, offset by the seed). */
function floatRow(p: number, h: number, r: () => number, dtype: DType): number[] {
  const uniform = (a: number) => (r() * 2 - 1) * a;
  const row = Array.from({ length: h }, () => uniform(4));
  switch (p % 8) {
    case 1: // all zeros, both signs
      return row.map((_, i) => (i % 2 ? -0 : 0));
    case 2: // ±Inf
      row[int(r, 0, h - 1)] = Infinity;
      if (h > 1) row[int(r, 0, h - 1)] = -Infinity;
      return row;
    case 3: // NaN
      row[int(r, 0, h - 1)] = NaN;
      return row;
    case 4: // tiny magnitudes: QMAX/amax overflows f32 (bf16/f32), subnormals (f16)
      return row.map(() => uniform(dtype === 'f16' ? 6e-8 * 64 : 3.7e-37));
    case 5: // exact ties once scaled by 127/amax = 1
      return row.map((_, i) => (i === 0 ? 127 : int(r, -100, 100) + 0.5));
    case 6: // near the fp16 maximum: overflows when scaled
      return row.map(() => uniform(65504));
    case 7:
      return row.map(() => uniform(1000));
    default:
      return row;
  }
}

function storeFloat(dtype: DType, data: Storage, i: number, v: number): void {
  if (dtype === 'f16') data[i] = f16FromF64(v);
  else if (dtype === 'bf16') data[i] = bf16FromF64(v);
  else data[i] = Math.fround(v);
}

export type Role = 'data' | 'scale' | 'packed-scale' | 'bias' | 'weight4' | 'permutation' | 'expert' | 'zero-point';

/** A logical ND buffer of `type` for an operand playing `role`. */
export function seededStorage(type: TensorType, role: Role, seed: number): Storage {
  const r = rng(seed);
  const n = type.numel;
  const data = allocStorage(type.dtype, n);
  const d = type.dtype;
  if (d === 'f32' || d === 'f16' || d === 'bf16') {
    if (role === 'scale') {
      // Random magnitudes: their f32 bits have non-zero low 13 bits almost always.
      for (let i = 0; i < n; i++) storeFloat(d, data, i, (r() < 0.5 ? -1 : 1) * (0.001 + r() * 0.1));
      return data;
    }
    if (role === 'zero-point') {
      for (let i = 0; i < n; i++) storeFloat(d, data, i, int(r, -6, 6) * 0.5);
      return data;
    }
    const h = type.rank === 0 ? 1 : Math.max(1, type.shape[type.rank - 1]!);
    for (let row = 0; row * h < n; row++) {
      floatRow(row + seed, h, r, d).forEach((v, j) => storeFloat(d, data, row * h + j, v));
    }
    return data;
  }
  if (d === 'u64' || d === 'i64') {
    // trans_quant_param words: fp19 scale bits plus unmasked low bits, a 9-bit offset, bit 46.
    for (let i = 0; i < n; i++) {
      const lo = BigInt(f32Bits(Math.fround(0.001 + r() * 0.05)));
      const w = lo | (BigInt(int(r, 0, 511)) << 37n) | (1n << 46n);
      (data as BigInt64Array | BigUint64Array)[i] = d === 'i64' ? BigInt.asIntN(64, w) : w;
    }
    return data;
  }
  if (role === 'permutation') {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = int(r, 0, i);
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    p.forEach((v, i) => writeElement(d, data, i, v));
    return data;
  }
  const range: Record<string, [number, number]> = {
    bias: [-(2 ** 31), 2 ** 31 - 1],
    weight4: [-10, 10], // some outside [-8, 7]: masked, with a warning
    expert: [0, 3],
    'zero-point': d === 'u8' ? [0, 255] : d === 'i8' ? [-128, 127] : [-300, 300],
  };
  const [lo, hi] = range[role] ?? (d === 'i1' ? [0, 1] : d === 'u8' ? [0, 255] : d === 'i4' ? [-8, 7] : [-128, 127]);
  for (let i = 0; i < n; i++) writeElement(d, data, i, role === 'bias' && i % 3 ? int(r, -5000, 5000) : int(r, lo, hi));
  return data;
}

/** Bytes of a storage, for bit-exact comparison of any dtype. */
export const bytesOf = (s: Storage): Uint8Array => new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
