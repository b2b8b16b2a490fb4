// The element types of the IR (ir.md §1.1): one table with widths, ranges and names.

export const DTYPES = ['f32', 'f16', 'bf16', 'i8', 'u8', 'i4', 'i32', 'i64', 'u64', 'i1'] as const;
export type DType = (typeof DTYPES)[number];

export type DTypeClass = 'float' | 'integer' | 'bool';

export interface DTypeInfo {
  readonly bits: number;
  readonly cls: DTypeClass;
  readonly signed: boolean;
  /** Inclusive integer range (exact, as bigint); undefined for floats. */
  readonly min?: bigint;
  readonly max?: bigint;
  /** The conformance / NumPy-facing tag (ir.md §1.1). */
  readonly tag: string;
}

const int = (bits: number, signed: boolean, tag: string): DTypeInfo => ({
  bits,
  cls: 'integer',
  signed,
  min: signed ? -(1n << BigInt(bits - 1)) : 0n,
  max: signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n,
  tag,
});

export const DTYPE_INFO: Record<DType, DTypeInfo> = {
  f32: { bits: 32, cls: 'float', signed: true, tag: 'float32' },
  f16: { bits: 16, cls: 'float', signed: true, tag: 'float16' },
  bf16: { bits: 16, cls: 'float', signed: true, tag: 'bfloat16' },
  i8: int(8, true, 'int8'),
  u8: int(8, false, 'uint8'),
  i4: int(4, true, 'int4'),
  i32: int(32, true, 'int32'),
  i64: int(64, true, 'int64'),
  u64: int(64, false, 'uint64'),
  i1: { bits: 8, cls: 'bool', signed: false, min: 0n, max: 1n, tag: 'bool' },
};

export function isDType(s: string): s is DType {
  return (DTYPES as readonly string[]).includes(s);
}
export const isFloat = (d: DType): boolean => DTYPE_INFO[d].cls === 'float';
export const isInteger = (d: DType): boolean => DTYPE_INFO[d].cls === 'integer';
export const isBool = (d: DType): boolean => d === 'i1';

/** Numeric range of an integer dtype as numbers (i64/u64 bounds are not exact as numbers). */
export function intRange(d: DType): [number, number] {
  const info = DTYPE_INFO[d];
  return [Number(info.min), Number(info.max)];
}

/** Bits of one element in memory (i4 = 4, i1 = 8). */
export const bitsOf = (d: DType): number => (d === 'i1' ? 8 : DTYPE_INFO[d].bits);

export function dtypeFromTag(tag: string): DType | undefined {
  return DTYPES.find((d) => DTYPE_INFO[d].tag === tag);
}
