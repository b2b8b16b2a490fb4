// npu.trans_quant_param (quant_matmul_all_reduce.md §3): f32 scale (+ f32 offset) -> u64/i64
// dequant-scale words. Low word: the scale in fp19 form (round_mode 0 truncates, 1 rounds half
// to even); bits 37..45: clamp(rne(offset), -256, 255) as 9-bit two's complement; bit 46 set.
import { quantInt } from '../../../numerics/quant.ts';
import { allocTensor, type Tensor } from '../../../ir/storage.ts';
import type { Kernel } from '../kernel.ts';

const MASK_13 = 0xffffe000;
/** Bit 46 of the word, as a bit of its high 32-bit half. */
const BIT46_HI = 1 << 14;

/** The low 32 bits of the encoded word for one f32 scale (its bit pattern `u`). */
export function encodeScaleBits(u: number, roundMode: number): number {
  if (roundMode === 0) return (u & MASK_13) >>> 0;
  const e = (u >>> 23) & 0xff;
  if (e === 0) return (u & 0x80000000) >>> 0; // zero or subnormal -> signed zero
  if (e === 0xff) return (u & MASK_13) >>> 0; // Inf / NaN: truncated as in mode 0
  // Round half to even at bit 13; a mantissa carry bumps the exponent (up to Inf).
  return ((u + 0xfff + ((u >>> 13) & 1)) & MASK_13) >>> 0;
}

/** The high 32 bits: bit 46, plus the 9-bit offset at bits 37..45 when an offset is given. */
export function encodeOffsetHigh(offset: number | null): number {
  if (offset === null) return BIT46_HI;
  return BIT46_HI | ((quantInt(offset, -256, 255) & 0x1ff) << 5);
}

/**
 * Encodes `len` words as (low, high) 32-bit halves into `out` (little-endian pairs, the memory of
 * a BigInt64Array / BigUint64Array). Element i reads scale[t = 1 ? 0 : i], offset likewise.
 * The scales are read as bits: a signalling NaN read as a number comes back quieted
 * (0x7F800001 -> 0x7FC00001), and §3 maps 0x7F800001 to Inf, not to a NaN.
 */
export function transQuantParamWords(scale: Float32Array, offset: Float32Array | null, roundMode: number, len: number, out: Uint32Array): void {
  const scaleBits = new Uint32Array(scale.buffer, scale.byteOffset, scale.length);
  for (let i = 0; i < len; i++) {
    const o = offset ? offset[offset.length === 1 ? 0 : i]! : null;
    out[2 * i] = encodeScaleBits(scaleBits[scale.length === 1 ? 0 : i]!, roundMode);
    out[2 * i + 1] = encodeOffsetHigh(o);
  }
}

/** Kernel: out is u64 or i64, as its result type says. */
export const transQuantParamKernel: Kernel = (inputs, ctx) => {
  const [scale, offset] = inputs as [Tensor, Tensor | null];
  const out = allocTensor(ctx.node.results[0]!.type);
  const words = new Uint32Array(out.data.buffer, out.data.byteOffset, out.data.length * 2);
  transQuantParamWords(scale.data as Float32Array, (offset?.data as Float32Array) ?? null, ctx.node.int('round_mode'), out.data.length, words);
  return [out];
};
