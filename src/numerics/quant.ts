// Float -> integer quantization steps of spec README §3-§4: round half to even, NaN -> 0,
// saturate to the target range (AscendC CAST_RINT). Every quantizing kernel goes through these.

/**
 * 1.5 * 2^52: adding and subtracting it rounds any |v| < 2^51 to an integer half to even (the
 * FPU's own rounding), with no branch. The quantizers clamp first, so |v| <= 2^31 here.
 */
const RNE_MAGIC = 6755399441055744;

/** Saturates an integral value: NaN -> 0, +Inf or above -> hi, -Inf or below -> lo. */
export function satInt(v: number, lo: number, hi: number): number {
  if (v !== v) return 0;
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * `satInt(rne(v), lo, hi)` for integer bounds with |lo|, |hi| <= 2^31. Clamping before rounding
 * gives the same result: rne is monotonic and keeps the integer bounds fixed.
 */
export function quantInt(v: number, lo: number, hi: number): number {
  if (v !== v) return 0;
  const c = v < lo ? lo : v > hi ? hi : v;
  return c + RNE_MAGIC - RNE_MAGIC + 0; // + 0 turns -0 into +0
}

/** quantInt to int8 [-128, 127], the form for hot loops (may give -0: store it in a typed array). */
export function quantI8(v: number): number {
  if (v !== v) return 0;
  return (v < -128 ? -128 : v > 127 ? 127 : v) + RNE_MAGIC - RNE_MAGIC;
}

/** quantInt to int4 [-8, 7], the form for hot loops (may give -0, like quantI8). */
export function quantI4(v: number): number {
  if (v !== v) return 0;
  return (v < -8 ? -8 : v > 7 ? 7 : v) + RNE_MAGIC - RNE_MAGIC;
}

export const I8_RANGE = [-128, 127] as const;
export const U8_RANGE = [0, 255] as const;
export const I4_RANGE = [-8, 7] as const;
export const I32_RANGE = [-2147483648, 2147483647] as const;
