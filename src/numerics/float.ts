// Float conversions with the rounding the device uses (spec README §2): every narrowing is one
// round-to-nearest-even step, overflow gives ±Inf, subnormals are kept, and a computed NaN is
// the canonical quiet NaN of its format. float16 and bfloat16 travel as uint16 bit patterns.

export const f32 = Math.fround;

export const F16_NAN = 0x7e00;
export const BF16_NAN = 0x7fc0;
export const F32_NAN_BITS = 0x7fc00000;

const scratch = new DataView(new ArrayBuffer(8));

/** Bits of an f32 value (the number must already be an f32). */
export function f32Bits(v: number): number {
  scratch.setFloat32(0, v, true);
  return scratch.getUint32(0, true);
}

export function f32FromBits(bits: number): number {
  scratch.setUint32(0, bits >>> 0, true);
  return scratch.getFloat32(0, true);
}

/** Round half to even; NaN and ±Inf pass through. `Math.round` rounds ties toward +Inf. */
export function rne(v: number): number {
  const r = Math.round(v);
  // Math.round breaks every tie upwards, so a tie shows as r - v === 0.5 exactly.
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Exact binary exponent of a finite nonzero magnitude: 2^e <= a < 2^(e+1). */
function exponentOf(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

const f64Scratch = new Float64Array(1);
const f64Words = new Uint32Array(f64Scratch.buffer);

/**
 * float64 -> float16 bits, one RNE rounding (no detour through f32). Works on the float64 bits
 * (no log/pow): it sits in the hot loops of f16 arithmetic.
 */
export function f16FromF64(v: number): number {
  f64Scratch[0] = v;
  const hi = f64Words[1]!;
  const sign = (hi >>> 16) & 0x8000;
  const exp = (hi >>> 20) & 0x7ff;
  if (exp === 0x7ff) return (hi & 0xfffff) | f64Words[0]! ? F16_NAN : sign | 0x7c00;
  if (exp < 1009) {
    // below 2^-14: f16 subnormals are multiples of 2^-24; scaling is exact, then round half-even
    const a = (sign ? -v : v) * 16777216;
    const r = Math.round(a);
    return sign | (r - a === 0.5 && (r & 1) !== 0 ? r - 1 : r); // r = 1024 is the smallest normal
  }
  if (exp > 1038) return sign | 0x7c00; // >= 2^16
  // Exponent, the 20 fraction bits of the high word and a sticky bit for the low word, then
  // RNE off the low 11 bits without branches (random data mispredicts them). A carry out of
  // the fraction bumps the exponent, at most to 0x7C00 = Inf.
  const lo = f64Words[0]!;
  const m = ((exp - 1008) << 21) | ((hi & 0xfffff) << 1) | ((lo | -lo) >>> 31);
  return sign | ((m + 0x3ff + ((m >>> 11) & 1)) >>> 11);
}

/** float16 bits -> its exact value as a number. */
export function f16ToF64(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 5.960464477539063e-8; // 2^-24
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** f32 value -> bfloat16 bits by RNE on the upper half (AscendC CAST_RINT); NaN -> 0x7FC0. */
export function bf16FromF32(v: number): number {
  if (v !== v) return BF16_NAN;
  const u = f32Bits(v);
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** float64 -> bfloat16 bits with one rounding: round to odd into f32, then RNE to bf16. */
export function bf16FromF64(v: number): number {
  if (v !== v) return BF16_NAN;
  return bf16FromF32(f32RoundToOdd(v));
}

/** f64 -> f32 rounding toward zero with the sticky bit ORed into the last place (round to odd). */
function f32RoundToOdd(v: number): number {
  let t = Math.fround(v);
  if (t === v || !Number.isFinite(v)) return t;
  let bits = f32Bits(t);
  if (Math.abs(t) > Math.abs(v)) bits = (bits - 1) >>> 0; // step toward zero (also turns Inf into MAX)
  return f32FromBits(bits | 1);
}

export function bf16ToF32(b: number): number {
  return f32FromBits((b & 0xffff) << 16);
}

/** Tables for the hot loops: every float16 / bfloat16 pattern widened to f32. */
export const F16_TO_F32 = new Float32Array(65536);
export const BF16_TO_F32 = new Float32Array(new Uint32Array(65536).map((_, i) => i << 16).buffer);
for (let h = 0; h < 65536; h++) F16_TO_F32[h] = f16ToF64(h);

/** A float value's ordered integer: monotonic in value, +0 and -0 both 0 (for ulp distances). */
export function orderedF32(v: number): number {
  const u = f32Bits(v);
  return u & 0x80000000 ? -(u & 0x7fffffff) : u;
}

export function orderedU16(bits: number): number {
  return bits & 0x8000 ? -(bits & 0x7fff) : bits;
}

/** Spacing of a format at magnitude |v| (the smallest subnormal step at 0 and below normal). */
export function ulpOf(format: 'f32' | 'f16' | 'bf16', v: number): number {
  const [mant, minExp] = format === 'f32' ? [23, -126] : format === 'f16' ? [10, -14] : [7, -126];
  const a = Math.abs(v);
  if (!Number.isFinite(a)) return Infinity;
  const e = a === 0 ? minExp : Math.max(exponentOf(a), minExp);
  return 2 ** (e - mant);
}

/** bf16FromF32 on an f32 bit pattern (for loops that already hold the bits in a Uint32Array view). */
export function bf16FromF32Bits(u: number): number {
  if ((u & 0x7fffffff) > 0x7f800000) return BF16_NAN;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}
