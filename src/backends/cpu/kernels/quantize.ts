// npu.quantize (quantize.md §1.2, §2.3): static affine quantization, all arithmetic in f32.
//   div_mode = true:  t = f32(f32(x) / s_c) (+ zp: t = f32(t + f32(zp_c))), y = quantInt(t)
//   div_mode = false: t = f32(f32(x) · s_c), t = f32(t + o_c), y = quantInt(t); i4 packed 8 per i32
// c indexes the scales along the quantized axis (or is 0 for a one-element scale).
import { BF16_TO_F32, F16_TO_F32 } from '../../../numerics/float.ts';
import { packInt4 } from '../../../numerics/int4.ts';
import { I4_RANGE, I32_RANGE, I8_RANGE, U8_RANGE, quantInt } from '../../../numerics/quant.ts';
import type { DType } from '../../../ir/dtype.ts';
import { allocTensor, type Storage, type Tensor } from '../../../ir/storage.ts';
import type { Kernel } from '../kernel.ts';

/** The f32 values of a float or integer storage (integers rounded to f32, RNE). */
export function f32Values(dtype: DType, data: Storage): Float32Array {
  if (dtype === 'f16') return Float32Array.from(data as Uint16Array, (b) => F16_TO_F32[b]!);
  if (dtype === 'bf16') return Float32Array.from(data as Uint16Array, (b) => BF16_TO_F32[b]!);
  return Float32Array.from(data as Float32Array | Int8Array | Uint8Array | Int32Array); // the store rounds
}

export interface QuantizeParams {
  readonly divMode: boolean;
  /** The quantized axis (non-negative); ignored for a one-element scale. */
  readonly axis: number;
  readonly scales: Float32Array;
  readonly zeroPoints: Float32Array | null;
  /** Saturation range of the quantized value. */
  readonly lo: number;
  readonly hi: number;
}

/** Quantizes x (f32 values, row-major `shape`) into `y`, one integer per element. */
export function quantizeValues(x: Float32Array, shape: readonly number[], p: QuantizeParams, y: Int8Array | Uint8Array | Int32Array): void {
  const perTensor = p.scales.length === 1;
  const dim = perTensor ? 1 : shape[p.axis]!;
  const inner = perTensor ? x.length : shape.slice(p.axis + 1).reduce((a, b) => a * b, 1);
  const outer = dim * inner === 0 ? 0 : x.length / (dim * inner);
  const { scales, zeroPoints: zp, lo, hi, divMode } = p;
  let e = 0;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < dim; c++) {
      const s = scales[c]!;
      const z = zp ? zp[c]! : 0;
      for (let i = 0; i < inner; i++, e++) {
        let t = Math.fround(divMode ? x[e]! / s : x[e]! * s);
        if (zp) t = Math.fround(t + z);
        y[e] = quantInt(t, lo, hi);
      }
    }
  }
}

const RANGES: Partial<Record<DType, readonly [number, number]>> = { i8: I8_RANGE, u8: U8_RANGE, i32: I32_RANGE, i4: I4_RANGE };

/** Kernel: y is i8 / u8 / i32, or (dtype = i4) i32 words carrying 8 int4 each. */
export const quantizeKernel: Kernel = (inputs, ctx) => {
  const [x, scales, zeroPoints] = inputs as [Tensor, Tensor, Tensor | null];
  const node = ctx.node;
  const divMode = node.bool('div_mode');
  const dtype = node.dtype('dtype');
  const r = x.type.rank;
  const axis = node.int('axis');
  // div_mode = false maps every axis >= -1 to the last one (quantize.md §2.2).
  const a = divMode ? (axis < 0 ? axis + r : axis) : r + (axis < -1 ? axis : -1);
  const [lo, hi] = RANGES[dtype]!;
  const y = allocTensor(node.results[0]!.type);
  const params: QuantizeParams = {
    divMode,
    axis: a,
    scales: f32Values(scales.type.dtype, scales.data),
    zeroPoints: zeroPoints ? f32Values(zeroPoints.type.dtype, zeroPoints.data) : null,
    lo,
    hi,
  };
  const xv = f32Values(x.type.dtype, x.data);
  if (dtype !== 'i4') {
    quantizeValues(xv, x.type.shape, params, y.data as Int8Array | Uint8Array | Int32Array);
    return [y];
  }
  const values = new Int8Array(xv.length);
  quantizeValues(xv, x.type.shape, params, values);
  packInt4(values, new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  return [y];
};
