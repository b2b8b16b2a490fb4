// Reference npu.dynamic_quant, straight from dynamic_quant.md §2 and §4, one element at a time.
import { f32, f32ResultBits, packNibbles, packWords, quantInt, widen } from './numerics.ts';

export interface DynamicQuantRef {
  /** The int values of y, one per logical element of x (before any packing). */
  readonly values: number[];
  /** y's storage: i8 values, i4 packed bytes, or i32 words carrying 8 int4. */
  readonly storage: number[];
  /** scaleOut as f32 bits, one per row. */
  readonly scaleBits: number[];
}

/**
 * x: f16 or bf16 bit patterns of a [..., H] tensor, row-major; smooth: bits of [H] (x's dtype).
 */
export function refDynamicQuant(x: readonly number[], dtype: 'f16' | 'bf16', shape: readonly number[], smooth: readonly number[] | null, dst: 'i8' | 'i4' | 'i32'): DynamicQuantRef {
  const h = shape[shape.length - 1]!;
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const qmax = dst === 'i8' ? 127 : 7;
  const invMax = f32(1 / qmax);
  const values: number[] = [];
  const scaleBits: number[] = [];
  for (let r = 0; r < rows; r++) {
    const v: number[] = [];
    for (let j = 0; j < h; j++) {
      let e = widen(dtype, x[r * h + j]!);
      if (smooth) e = f32(e * widen(dtype, smooth[j]!));
      v.push(e);
    }
    // NaN-propagating max of |v| (an empty row has maximum 0).
    let amax = 0;
    for (const e of v) {
      const a = Math.abs(e);
      if (Number.isNaN(a) || Number.isNaN(amax)) amax = NaN;
      else if (a > amax) amax = a;
    }
    scaleBits.push(f32ResultBits(f32(amax * invMax)));
    const inv = f32(qmax / amax);
    for (const e of v) values.push(quantInt(f32(e * inv), -qmax - 1, qmax));
  }
  const storage = dst === 'i8' ? values : dst === 'i4' ? packNibbles(values) : packWords(values);
  return { values, storage, scaleBits };
}
