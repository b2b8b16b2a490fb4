// prim.clamp (ir.md §6.3): lo, hi are min, max in x's dtype (floats rounded once from float64);
// y = x < lo ? lo : (x > hi ? hi : x). A NaN fails both tests and passes with its bits.
import { FractalError } from '../../../ir/diagnostics.ts';
import type { DType } from '../../../ir/dtype.ts';
import { allocStorage, type Storage } from '../../../ir/storage.ts';
import { bf16FromF64, bf16ToF32, f16FromF64, f16ToF64, f32Bits } from '../../../numerics/float.ts';
import { packInt4 } from '../../../numerics/int4.ts';
import { isWide, readNumbers } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';

/** A float bound in a float dtype: its value and its bits. */
function floatBound(dtype: 'f32' | 'f16' | 'bf16', v: number): { value: number; bits: number } {
  if (dtype === 'f32') {
    const value = Math.fround(v);
    return { value, bits: f32Bits(value) };
  }
  const bits = dtype === 'f16' ? f16FromF64(v) : bf16FromF64(v);
  return { value: dtype === 'f16' ? f16ToF64(bits) : bf16ToF32(bits), bits };
}

/** Clamps `numel` elements of `dtype` to [min, max]; returns the result container. */
export function clampElements(dtype: DType, x: Storage, numel: number, min: number | bigint, max: number | bigint): Storage {
  if (isWide(dtype)) {
    const src = x as BigInt64Array | BigUint64Array;
    const out = allocStorage(dtype, numel) as BigInt64Array | BigUint64Array;
    const lo = BigInt(min);
    const hi = BigInt(max);
    for (let i = 0; i < numel; i++) {
      const v = src[i]!;
      out[i] = v < lo ? lo : v > hi ? hi : v;
    }
    return out;
  }
  if (dtype === 'i1') throw new FractalError('RUNTIME', `prim.clamp: dtype ${dtype} is not supported`, 'prim.2');
  if (dtype === 'f32' || dtype === 'f16' || dtype === 'bf16') {
    const lo = floatBound(dtype, Number(min));
    const hi = floatBound(dtype, Number(max));
    const v = readNumbers(dtype, x, numel);
    const bits = dtype === 'f32' ? new Uint32Array(x.buffer, x.byteOffset, numel) : (x as Uint16Array);
    const outBits = dtype === 'f32' ? new Uint32Array(numel) : new Uint16Array(numel);
    for (let i = 0; i < numel; i++) {
      const e = v[i]!;
      outBits[i] = e < lo.value ? lo.bits : e > hi.value ? hi.bits : bits[i]!;
    }
    return outBits instanceof Uint32Array ? new Float32Array(outBits.buffer) : outBits;
  }
  const lo = Number(min);
  const hi = Number(max);
  const v = readNumbers(dtype, x, numel);
  const out = dtype === 'i4' ? new Int8Array(numel) : (allocStorage(dtype, numel) as Int8Array | Uint8Array | Int32Array);
  for (let i = 0; i < numel; i++) {
    const e = v[i]!;
    out[i] = e < lo ? lo : e > hi ? hi : e;
  }
  return dtype === 'i4' ? packInt4(out) : out;
}

export const clampKernel: Kernel = (inputs, ctx) => {
  const x = inputs[0]!;
  const type = ctx.node.results[0]!.type;
  const data = clampElements(type.dtype, x.data, type.numel, ctx.node.scalar('min'), ctx.node.scalar('max'));
  return [{ type, data }];
};
