// Reading and writing any dtype's container in the forms the kernels loop over: exact numbers
// (arithmetic), raw words (data movement) and bigints (i64/u64).
import type { DType } from '../../ir/dtype.ts';
import type { Storage } from '../../ir/storage.ts';
import { BF16_NAN, BF16_TO_F32, F16_TO_F32, F32_NAN_BITS, f16FromF64 } from '../../numerics/float.ts';
import { packInt4, unpackInt4 } from '../../numerics/int4.ts';

/** Exact element values of a dtype up to 32 bits. */
export type NumberArray = Float32Array | Int8Array | Uint8Array | Int32Array;

/** i64 and u64 live in BigInt arrays; every other dtype reads as plain numbers. */
export const isWide = (d: DType): d is 'i64' | 'u64' => d === 'i64' || d === 'u64';

/**
 * The exact values of `numel` elements: the container itself for f32, i8, u8 and i32; f16/bf16
 * widened to f32 (exact), i4 unpacked and sign-extended, i1 as 0/1 (any nonzero byte is true).
 */
export function readNumbers(dtype: Exclude<DType, 'i64' | 'u64'>, data: Storage, numel: number): NumberArray {
  switch (dtype) {
    case 'f16':
    case 'bf16': {
      const table = dtype === 'f16' ? F16_TO_F32 : BF16_TO_F32;
      const bits = data as Uint16Array;
      const out = new Float32Array(numel);
      for (let i = 0; i < numel; i++) out[i] = table[bits[i]!]!;
      return out;
    }
    case 'i4':
      return unpackInt4(data as Uint8Array, numel);
    case 'i1': {
      const bytes = data as Uint8Array;
      const out = new Uint8Array(numel);
      for (let i = 0; i < numel; i++) out[i] = bytes[i] !== 0 ? 1 : 0;
      return out;
    }
    default:
      return data as NumberArray;
  }
}

/** Rewrites every NaN of an f32 array as the canonical quiet NaN. */
export function canonicalizeF32(values: Float32Array): void {
  let bits: Uint32Array | undefined;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== values[i]) (bits ??= new Uint32Array(values.buffer, values.byteOffset, values.length))[i] = F32_NAN_BITS;
  }
}

/** float64 values rounded once to float16 bits (f16FromF64 over a whole array). */
export function f16FromF64Array(values: ArrayLike<number>, n = values.length): Uint16Array {
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = f16FromF64(values[i]!);
  return out;
}

/**
 * f32 values rounded to bfloat16 bits (RNE on the upper half, NaN -> 0x7FC0): bf16FromF32 of
 * float.ts over a whole array, reading the bits through a view instead of one at a time.
 */
export function bf16FromF32Array(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < out.length; i++) {
    const u = bits[i]!;
    out[i] = (u & 0x7fffffff) > 0x7f800000 ? BF16_NAN : (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** Elements as unsigned machine words of their width, for kernels that only move bits. */
export type Words = Uint8Array | Uint16Array | Uint32Array | Int8Array;

/** How many words one element takes: 2 for i64/u64 (two 32-bit words, low word first). */
export const wordsPerElement = (d: DType): 1 | 2 => (isWide(d) ? 2 : 1);

/**
 * The words of `numel` elements: a view of the container (i4 unpacked to one value per byte).
 * A kernel treats a 64-bit element as a trailing axis of two 32-bit words.
 */
export function readWords(dtype: DType, data: Storage, numel: number): Words {
  if (dtype === 'i4') return unpackInt4(data as Uint8Array, numel);
  const { buffer, byteOffset, byteLength } = data;
  switch (data.BYTES_PER_ELEMENT) {
    case 1:
      return new Uint8Array(buffer, byteOffset, byteLength);
    case 2:
      return new Uint16Array(buffer, byteOffset, byteLength / 2);
    default:
      return new Uint32Array(buffer, byteOffset, byteLength / 4);
  }
}

/** A zeroed word array of the same kind as `like`. */
export function allocWords(like: Words, length: number): Words {
  if (like instanceof Int8Array) return new Int8Array(length);
  if (like instanceof Uint8Array) return new Uint8Array(length);
  if (like instanceof Uint16Array) return new Uint16Array(length);
  return new Uint32Array(length);
}

/** The container of `dtype` over words made by a kernel (i4 packed again). */
export function storageFromWords(dtype: DType, words: Words): Storage {
  if (dtype === 'i4') return packInt4(words);
  const { buffer, byteOffset, byteLength } = words;
  switch (dtype) {
    case 'f32':
      return new Float32Array(buffer, byteOffset, byteLength / 4);
    case 'i32':
      return new Int32Array(buffer, byteOffset, byteLength / 4);
    case 'i64':
      return new BigInt64Array(buffer, byteOffset, byteLength / 8);
    case 'u64':
      return new BigUint64Array(buffer, byteOffset, byteLength / 8);
    case 'f16':
    case 'bf16':
      return new Uint16Array(buffer, byteOffset, byteLength / 2);
    case 'i8':
      return new Int8Array(buffer, byteOffset, byteLength);
    default:
      return new Uint8Array(buffer, byteOffset, byteLength);
  }
}

/** A shape in words: 64-bit elements gain a trailing axis of 2. */
export const wordShape = (dtype: DType, shape: readonly number[]): number[] =>
  isWide(dtype) ? [...shape, 2] : [...shape];
