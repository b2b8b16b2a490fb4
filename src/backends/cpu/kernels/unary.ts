// prim.abs, neg (sign-bit operations that keep NaN payloads), prim.reciprocal (1 ÷ x by ir.md
// §6.2) and prim.round (half to even, a zero keeps x's sign, ±Inf kept, NaN canonical).
import { FractalError } from '../../../ir/diagnostics.ts';
import type { DType } from '../../../ir/dtype.ts';
import type { Storage } from '../../../ir/storage.ts';
import { BF16_TO_F32, F16_TO_F32, f16FromF64, rne } from '../../../numerics/float.ts';
import { bf16FromF32Array, canonicalizeF32 } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';

export type UnaryOp = 'abs' | 'neg' | 'reciprocal' | 'round';

type FloatDType = 'f32' | 'f16' | 'bf16';

function asFloat(op: UnaryOp, dtype: DType): FloatDType {
  if (dtype === 'f32' || dtype === 'f16' || dtype === 'bf16') return dtype;
  throw new FractalError('RUNTIME', `prim.${op}: dtype ${dtype} is not supported`, 'prim.2');
}

/** Sets (abs) or flips (neg) the sign bit of every element; every other bit is kept. */
function signBitOp(op: 'abs' | 'neg', dtype: FloatDType, x: Storage, numel: number): Storage {
  if (dtype === 'f32') {
    const src = new Uint32Array(x.buffer, x.byteOffset, numel);
    const out = new Uint32Array(numel);
    if (op === 'abs') for (let i = 0; i < numel; i++) out[i] = src[i]! & 0x7fffffff;
    else for (let i = 0; i < numel; i++) out[i] = src[i]! ^ 0x80000000;
    return new Float32Array(out.buffer);
  }
  const src = x as Uint16Array;
  const out = new Uint16Array(numel);
  if (op === 'abs') for (let i = 0; i < numel; i++) out[i] = src[i]! & 0x7fff;
  else for (let i = 0; i < numel; i++) out[i] = src[i]! ^ 0x8000;
  return out;
}

/** `1 ÷ x` (reciprocal) or `rne(x)` (round) of every element, rounded once to `dtype`. */
function valueOp(op: 'reciprocal' | 'round', dtype: FloatDType, x: Storage, numel: number): Storage {
  const recip = op === 'reciprocal';
  // rne keeps a zero's sign (Math.round(-0.4) is -0) and passes ±Inf and NaN through.
  if (dtype === 'f32') {
    const v = x as Float32Array;
    const out = new Float32Array(numel);
    if (recip) for (let i = 0; i < numel; i++) out[i] = 1 / v[i]!;
    else for (let i = 0; i < numel; i++) out[i] = rne(v[i]!);
    canonicalizeF32(out);
    return out;
  }
  const bits = x as Uint16Array;
  if (dtype === 'f16') {
    const out = new Uint16Array(numel);
    for (let i = 0; i < numel; i++) {
      const v = F16_TO_F32[bits[i]!]!;
      out[i] = f16FromF64(recip ? 1 / v : rne(v));
    }
    return out;
  }
  // bf16: the result in f32 (the store rounds it), then to bf16.
  const inF32 = new Float32Array(numel);
  for (let i = 0; i < numel; i++) {
    const v = BF16_TO_F32[bits[i]!]!;
    inF32[i] = recip ? 1 / v : rne(v);
  }
  return bf16FromF32Array(inF32);
}

/** The unary op on `numel` elements of a float dtype; returns the result container. */
export function unaryElementwise(op: UnaryOp, dtype: DType, x: Storage, numel: number): Storage {
  const d = asFloat(op, dtype);
  return op === 'abs' || op === 'neg' ? signBitOp(op, d, x, numel) : valueOp(op, d, x, numel);
}

function unaryKernel(op: UnaryOp): Kernel {
  return (inputs, ctx) => {
    const x = inputs[0]!;
    const type = ctx.node.results[0]!.type;
    return [{ type, data: unaryElementwise(op, type.dtype, x.data, type.numel) }];
  };
}

export const absKernel = unaryKernel('abs');
export const negKernel = unaryKernel('neg');
export const reciprocalKernel = unaryKernel('reciprocal');
export const roundKernel = unaryKernel('round');
