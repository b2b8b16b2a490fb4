// Reference npu.trans_quant_param (quant_matmul_all_reduce.md §3): one f32 scale (as its bit
// pattern) and an optional f32 offset -> a 64-bit dequant-scale word.
import { quantInt } from './numerics.ts';

/** Bits 0..31: the scale in fp19 form, by round_mode 0 (truncate) or 1 (RNE at bit 13). */
export function refScaleLow(u: number, roundMode: 0 | 1): number {
  const sign = u >= 0x80000000 ? 0x80000000 : 0;
  const mag = u - sign;
  const truncated = sign + (mag - (mag % 0x2000));
  if (roundMode === 0) return truncated;
  const exponent = Math.floor(mag / 2 ** 23);
  if (exponent === 0) return sign; // zero or subnormal -> signed zero
  if (exponent === 0xff) return truncated; // Inf / NaN
  // Keep the top 19 bits of the magnitude; round the dropped 13 half to even. A carry runs into
  // the exponent on its own (0x7F7FF000 and up become Inf).
  let keep = Math.floor(mag / 0x2000);
  const rest = mag % 0x2000;
  if (rest > 0x1000 || (rest === 0x1000 && keep % 2 === 1)) keep++;
  return sign + keep * 0x2000;
}

/** The whole word as an unsigned 64-bit value. */
export function refTransQuantParamWord(scaleBits: number, offset: number | null, roundMode: 0 | 1): bigint {
  let w = BigInt(refScaleLow(scaleBits, roundMode)) | (1n << 46n);
  if (offset !== null) {
    const o9 = quantInt(offset, -256, 255); // clamp(rne(o), -256, 255); a NaN offset gives 0
    w |= BigInt(o9 < 0 ? o9 + 512 : o9) << 37n;
  }
  return w;
}

/** Every element: scale[t == 1 ? 0 : i], offset[t' == 1 ? 0 : i], L = max(t, t'). */
export function refTransQuantParam(scaleBits: readonly number[], offsets: readonly number[] | null, roundMode: 0 | 1): bigint[] {
  const len = Math.max(scaleBits.length, offsets?.length ?? 0);
  return Array.from({ length: len }, (_, i) =>
    refTransQuantParamWord(scaleBits[scaleBits.length === 1 ? 0 : i]!, offsets ? offsets[offsets.length === 1 ? 0 : i]! : null, roundMode),
  );
}
