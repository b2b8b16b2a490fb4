// Runtime buffers: a tensor's storage elements in the container of its dtype (ir.md §4):
// float16/bfloat16 as uint16 bits, i4 packed two per byte, i1 as bytes, i64/u64 as BigInt arrays.
import { bitsOf, type DType } from './dtype.ts';
import type { TensorType } from './types.ts';

export type Storage = Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array | BigUint64Array;

/** A value at run time: its type and its storage (NZ in storage order, padding included). */
export interface Tensor {
  readonly type: TensorType;
  readonly data: Storage;
}

type StorageCtor = { new (n: number): Storage; new (buf: ArrayBufferLike, off: number, len: number): Storage; BYTES_PER_ELEMENT: number };

export const STORAGE_CTOR: Record<DType, StorageCtor> = {
  f32: Float32Array,
  f16: Uint16Array,
  bf16: Uint16Array,
  i8: Int8Array,
  u8: Uint8Array,
  i4: Uint8Array,
  i32: Int32Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
  i1: Uint8Array,
};

/** Container length for `numel` storage elements (i4 packs two per byte). */
export const containerLength = (dtype: DType, numel: number): number =>
  dtype === 'i4' ? Math.ceil(numel / 2) : numel;

export function allocStorage(dtype: DType, numel: number, buffer?: ArrayBufferLike): Storage {
  const Ctor = STORAGE_CTOR[dtype];
  const len = containerLength(dtype, numel);
  return buffer ? new Ctor(buffer, 0, len) : new Ctor(len);
}

export function allocTensor(type: TensorType): Tensor {
  return { type, data: allocStorage(type.dtype, type.storageNumel) };
}

/** Element i of a container as a number (i64/u64 as bigint); i4 unpacked and sign-extended. */
export function readElement(dtype: DType, data: Storage, i: number): number | bigint {
  if (dtype === 'i4') {
    const byte = (data as Uint8Array)[i >> 1]!;
    const nib = i & 1 ? byte >> 4 : byte & 0xf;
    return nib >= 8 ? nib - 16 : nib;
  }
  return data[i]!;
}

/** Writes element i (for i4 only the low nibble of v is kept). */
export function writeElement(dtype: DType, data: Storage, i: number, v: number | bigint): void {
  if (dtype === 'i4') {
    const bytes = data as Uint8Array;
    const nib = Number(v) & 0xf;
    const b = bytes[i >> 1]!;
    bytes[i >> 1] = i & 1 ? (b & 0x0f) | (nib << 4) : (b & 0xf0) | nib;
    return;
  }
  (data as unknown as (number | bigint)[])[i] = v;
}

export const storageBits = bitsOf;
