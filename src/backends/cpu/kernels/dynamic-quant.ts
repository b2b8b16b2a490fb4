// npu.dynamic_quant (dynamic_quant.md §2, §4): per-row symmetric quantization.
//   v = f32(x) (· f32(smooth), rounded to f32);  amax = max |v| (NaN-propagating)
//   scale = f32(amax · f32(1/QMAX));  inv = f32(QMAX / amax);  y = quantInt(f32(v · inv))
import { BF16_TO_F32, F16_TO_F32, F32_NAN_BITS } from '../../../numerics/float.ts';
import { packInt4 } from '../../../numerics/int4.ts';
import { allocTensor, type Tensor } from '../../../ir/storage.ts';
import { numelOf } from '../../../ir/types.ts';
import type { Kernel } from '../kernel.ts';

/** Adding and subtracting 1.5·2^52 rounds half to even (as in numerics/quant.ts). */
const M = 6755399441055744;

/**
 * Quantizes `rows` rows of `h` f16/bf16 bit patterns. `y` receives one int value per element
 * (in [-QMAX-1, QMAX]), `scale` one f32 per row. `qmax` is 127 (int8) or 7 (int4).
 */
export function dynamicQuantRows(
  x: Uint16Array,
  xIsBf16: boolean,
  rows: number,
  h: number,
  smooth: Uint16Array | null,
  qmax: number,
  y: Int8Array,
  scale: Float32Array,
): void {
  const table = xIsBf16 ? BF16_TO_F32 : F16_TO_F32;
  const invMax = Math.fround(1 / qmax);
  const s = smooth ? Float32Array.from(smooth, (b) => table[b]!) : null;
  // Four int8 results per step through 32-bit views when the rows allow it (the hot case);
  // otherwise each row is widened (and smoothed) into `v` first.
  const wide = !s && qmax === 127 && h % 4 === 0 && x.byteOffset % 4 === 0 && y.byteOffset % 4 === 0;
  const xw = wide ? new Uint32Array(x.buffer, x.byteOffset, x.length >> 1) : null;
  const yw = wide ? new Int32Array(y.buffer, y.byteOffset, y.length >> 2) : null;
  const v = new Float32Array(h);
  const nanAbove = xIsBf16 ? 0x7f80 : 0x7c00;
  const scaleBits = new Uint32Array(scale.buffer, scale.byteOffset, scale.length);
  for (let r = 0, base = 0; r < rows; r++, base += h) {
    let amax = 0;
    if (s) {
      for (let j = 0; j < h; j++) {
        const p = Math.fround(table[x[base + j]!]! * s[j]!);
        v[j] = p;
        const a = Math.abs(p);
        if (a > amax || a !== a) amax = a; // once NaN, stays NaN
      }
    } else {
      // |x| and max are exact, so the maximum is taken on the magnitude bits: they order like
      // the values, and a pattern above the Inf pattern is a NaN.
      const m = xw ? maxMagnitudeWide(xw, base >> 1, h >> 1) : maxMagnitude(x, base, h);
      amax = m > nanAbove ? NaN : table[m]!;
    }
    if (amax === amax) scale[r] = Math.fround(amax * invMax);
    else scaleBits[r] = F32_NAN_BITS; // canonical NaN, whatever NaN the row held (ir.md §1.1)
    const inv = Math.fround(qmax / amax);
    if (!(amax < Infinity)) y.fill(0, base, base + h); // Inf (inv = 0) or NaN row: all NaN or ±0 (§4)
    else if (xw && yw && inv < Infinity) quantRowWideI8(xw, yw, base >> 1, base >> 2, h >> 2, table, inv);
    else {
      if (!s) for (let j = 0; j < h; j++) v[j] = table[x[base + j]!]!;
      if (qmax === 127) quantRowI8(v, inv, y, base);
      else quantRowI4(v, inv, y, base);
    }
  }
}

function maxMagnitude(x: Uint16Array, base: number, h: number): number {
  let m = 0;
  for (let j = base; j < base + h; j++) {
    const a = x[j]! & 0x7fff;
    if (a > m) m = a;
  }
  return m;
}

function maxMagnitudeWide(xw: Uint32Array, base: number, n: number): number {
  let m = 0;
  for (let j = base; j < base + n; j++) {
    const a = xw[j]! & 0x7fff7fff;
    const l = a & 0xffff;
    const u = a >>> 16;
    if (l > m) m = l;
    if (u > m) m = u;
  }
  return m;
}

/**
 * int8 only, four elements per step: two 32-bit loads, one 32-bit store. Only for a finite inv:
 * then |v| <= amax gives |q| <= 127·(1 + 2^-24)^2 < 127.5 and no NaN, so q needs no clamp
 * (a zero row or a tiny amax, where inv = +Inf, takes the clamping path).
 */
function quantRowWideI8(xw: Uint32Array, yw: Int32Array, wi: number, oi: number, n4: number, table: Float32Array, inv: number): void {
  for (let j = 0; j < n4; j++, wi += 2, oi++) {
    const w0 = xw[wi]!;
    const w1 = xw[wi + 1]!;
    const a = Math.fround(table[w0 & 0xffff]! * inv) + M - M;
    const b = Math.fround(table[w0 >>> 16]! * inv) + M - M;
    const c = Math.fround(table[w1 & 0xffff]! * inv) + M - M;
    const d = Math.fround(table[w1 >>> 16]! * inv) + M - M;
    // Little-endian byte order.
    yw[oi] = (a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | (d << 24);
  }
}

// The bounds are literals on purpose: V8 then knows the values fit int32 and truncates them
// without a slow path (about 2x faster). A NaN stores as 0, as quantInt says.
function quantRowI8(v: Float32Array, inv: number, y: Int8Array, base: number): void {
  for (let j = 0; j < v.length; j++) {
    const q = Math.fround(v[j]! * inv);
    y[base + j] = (q < -128 ? -128 : q > 127 ? 127 : q) + M - M;
  }
}

function quantRowI4(v: Float32Array, inv: number, y: Int8Array, base: number): void {
  for (let j = 0; j < v.length; j++) {
    const q = Math.fround(v[j]! * inv);
    y[base + j] = (q < -8 ? -8 : q > 7 ? 7 : q) + M - M;
  }
}

/** Kernel: y is i8, i4 (packed bytes) or i32 (8 int4 per word), as its result type says. */
export const dynamicQuantKernel: Kernel = (inputs, ctx) => {
  const [x, smooth] = inputs as [Tensor, Tensor | null];
  const y = allocTensor(ctx.node.results[0]!.type);
  const scale = allocTensor(ctx.node.results[1]!.type);
  const shape = x.type.shape;
  const h = shape[shape.length - 1]!;
  const rows = numelOf(shape.slice(0, -1));
  const int8 = y.type.dtype === 'i8';
  const values = int8 ? (y.data as Int8Array) : new Int8Array(rows * h);
  dynamicQuantRows(x.data as Uint16Array, x.type.dtype === 'bf16', rows, h, (smooth?.data as Uint16Array) ?? null, int8 ? 127 : 7, values, scale.data as Float32Array);
  // i4 and i32 hold the same packed stream (H is even, or a multiple of 8: rows never straddle).
  if (!int8) packInt4(values, new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  return [y, scale];
};
