// Reference npu.quantize (quantize.md §1.2 for div_mode = true, §2.2-§2.3 for div_mode = false),
// one element at a time from its multi-index.
import { f32, packWords, quantInt, widen, type FloatDType } from './numerics.ts';

/** A stored tensor: raw elements (f16/bf16 bits, f32 values, or integers) and their dtype. */
export interface RawTensor {
  readonly dtype: FloatDType | 'i8' | 'u8' | 'i32';
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

const RANGE = { i8: [-128, 127], u8: [0, 255], i32: [-(2 ** 31), 2 ** 31 - 1], i4: [-8, 7] } as const;

/** f32(element): floats widened exactly, integers rounded to f32. */
const asF32 = (t: RawTensor, i: number): number => (t.dtype === 'i8' || t.dtype === 'u8' || t.dtype === 'i32' ? f32(t.data[i]!) : widen(t.dtype, t.data[i]!));

/** Coordinate `axis` of flat index `flat` in a row-major `shape`. */
function coord(shape: readonly number[], flat: number, axis: number): number {
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return Math.floor(flat / inner) % shape[axis]!;
}

/**
 * y's storage: one int per element (i8, u8, i32), or for dtype i4 (div_mode = false) int32
 * words carrying 8 int4 along the last dimension.
 */
export function refQuantize(x: RawTensor, scales: RawTensor, zeroPoints: RawTensor | null, opts: { dtype: 'i8' | 'u8' | 'i32' | 'i4'; axis: number; divMode: boolean }): number[] {
  const rank = x.shape.length;
  const [lo, hi] = RANGE[opts.dtype];
  const numel = x.data.length;
  const out: number[] = [];
  const sizeOne = scales.data.length === 1;
  if (opts.divMode) {
    const a = opts.axis < 0 ? opts.axis + rank : opts.axis;
    for (let i = 0; i < numel; i++) {
      const c = sizeOne ? 0 : coord(x.shape, i, a);
      let t = f32(asF32(x, i) / asF32(scales, c));
      if (zeroPoints) t = f32(t + asF32(zeroPoints, c));
      out.push(quantInt(t, lo, hi));
    }
    return out;
  }
  const eff = opts.axis < -1 ? opts.axis : -1;
  const e = rank + eff;
  for (let i = 0; i < numel; i++) {
    // A rank-r scale is 1 everywhere but at e, so its flat index is the coordinate at e.
    const c = sizeOne ? 0 : coord(x.shape, i, e);
    const s = asF32(scales, c);
    const o = zeroPoints ? asF32(zeroPoints, c) : 0;
    let t = f32(asF32(x, i) * s);
    t = f32(t + o);
    out.push(quantInt(t, lo, hi));
  }
  return opts.dtype === 'i4' ? packWords(out) : out;
}
