// prim.cast (ir.md §6.4), every pair of dtypes:
//   same dtype: bits copied;  float -> float: the exact value rounded once;
//   float -> integer: quantInt (NaN -> 0, half to even, saturated);
//   integer -> float: the exact integer rounded once (i64/u64 included, see bigintToOddF64);
//   integer -> integer: two's complement truncation (a typed-array store reduces modulo 2^width);
//   any -> i1: value != 0 (NaN true, -0 false);  i1 -> any: 0 or 1.
import { DTYPE_INFO, isFloat, type DType } from '../../../ir/dtype.ts';
import { allocStorage, containerLength, type Storage } from '../../../ir/storage.ts';
import { bf16FromF32, bf16FromF64, F32_NAN_BITS, rne } from '../../../numerics/float.ts';
import { packInt4 } from '../../../numerics/int4.ts';
import { quantInt } from '../../../numerics/quant.ts';
import { bf16FromF32Array, canonicalizeF32, f16FromF64Array, isWide, readNumbers } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';

type WideArray = BigInt64Array | BigUint64Array;

/**
 * A bigint as a float64 rounded to odd: truncated to 53 significant bits with the lowest bit set
 * when anything was dropped. Rounding that once more to a format of at most 51 bits gives the
 * correctly rounded result, where Number(v) (round to nearest) followed by a second rounding
 * could round twice across a tie.
 */
export function bigintToOddF64(v: bigint): number {
  const n = Number(v);
  if (Number.isSafeInteger(n)) return n;
  const a = v < 0n ? -v : v;
  const shift = BigInt(a.toString(2).length - 53);
  let m = a >> shift;
  if (m << shift !== a) m |= 1n;
  const r = Number(m) * 2 ** Number(shift);
  return v < 0n ? -r : r;
}

/** Exact values (all integers, or all floats when `fromFloat`) converted to `to`. */
export function castNumbers(values: ArrayLike<number>, fromFloat: boolean, to: DType, numel: number): Storage {
  switch (to) {
    case 'f32': {
      const out = new Float32Array(numel);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < numel; i++) {
        const v = values[i]!;
        if (v === v) out[i] = v;
        else bits[i] = F32_NAN_BITS;
      }
      return out;
    }
    case 'f16':
      return f16FromF64Array(values, numel);
    case 'bf16': {
      // A float source is exact in f32; an integer may carry more than f32's 24 bits, so it
      // takes bf16FromF64's single rounding.
      if (fromFloat && values instanceof Float32Array) return bf16FromF32Array(values.subarray(0, numel));
      const out = new Uint16Array(numel);
      if (fromFloat) for (let i = 0; i < numel; i++) out[i] = bf16FromF32(values[i]!);
      else for (let i = 0; i < numel; i++) out[i] = bf16FromF64(values[i]!);
      return out;
    }
    case 'i1': {
      const out = new Uint8Array(numel);
      for (let i = 0; i < numel; i++) out[i] = values[i] !== 0 ? 1 : 0;
      return out;
    }
    case 'i64':
    case 'u64': {
      const out = allocStorage(to, numel) as WideArray;
      if (fromFloat) {
        const info = DTYPE_INFO[to];
        const [lo, hi] = [Number(info.min), Number(info.max) + 1]; // -2^63 or 0, and 2^63 or 2^64
        for (let i = 0; i < numel; i++) {
          const v = values[i]!;
          const r = v !== v ? 0 : rne(v);
          out[i] = r >= hi ? info.max! : r < lo ? info.min! : BigInt(r);
        }
      } else {
        for (let i = 0; i < numel; i++) out[i] = BigInt(values[i]!);
      }
      return out;
    }
    default: {
      const out = to === 'i4' ? new Int8Array(numel) : (allocStorage(to, numel) as Int8Array | Uint8Array | Int32Array);
      if (fromFloat) {
        const lo = Number(DTYPE_INFO[to].min);
        const hi = Number(DTYPE_INFO[to].max);
        for (let i = 0; i < numel; i++) out[i] = quantInt(values[i]!, lo, hi);
      } else {
        for (let i = 0; i < numel; i++) out[i] = values[i]!;
      }
      return to === 'i4' ? packInt4(out) : out;
    }
  }
}

function castWide(x: WideArray, to: DType, numel: number): Storage {
  if (isWide(to)) {
    const out = allocStorage(to, numel) as WideArray;
    for (let i = 0; i < numel; i++) out[i] = x[i]!;
    return out;
  }
  if (to === 'i1') {
    const out = new Uint8Array(numel);
    for (let i = 0; i < numel; i++) out[i] = x[i] !== 0n ? 1 : 0;
    return out;
  }
  const values = new Float64Array(numel);
  // Floats take the value rounded to odd; narrower integers only need the low 32 bits.
  if (isFloat(to)) for (let i = 0; i < numel; i++) values[i] = bigintToOddF64(x[i]!);
  else for (let i = 0; i < numel; i++) values[i] = Number(BigInt.asIntN(32, x[i]!));
  return castNumbers(values, false, to, numel);
}

/** `numel` elements of `from` converted to `to`; returns the result container. */
export function castElements(from: DType, to: DType, x: Storage, numel: number): Storage {
  if (from === to) return x.slice(0, containerLength(to, numel));
  if (isWide(from)) return castWide(x as WideArray, to, numel);
  if (to === 'f32' && (from === 'f16' || from === 'bf16')) {
    // Widening is exact: the widened copy is the result once its NaNs are canonical.
    const out = readNumbers(from, x, numel) as Float32Array;
    canonicalizeF32(out);
    return out;
  }
  return castNumbers(readNumbers(from, x, numel), isFloat(from), to, numel);
}

export const castKernel: Kernel = (inputs, ctx) => {
  const x = inputs[0]!;
  const type = ctx.node.results[0]!.type;
  return [{ type, data: castElements(x.type.dtype, type.dtype, x.data, type.numel) }];
};
