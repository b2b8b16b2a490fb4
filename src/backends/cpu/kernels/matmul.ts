// prim.matmul (ir.md §6.6): a [..., m, k] as [M, k] times b [k, n] (or bᵀ of [n, k]).
// i8: exact products summed with int32 wrap (mod 2^32 at every step is mod 2^32 of the sum).
// Floats: widened to f32; acc = f32(acc + f32(a·b)) for t = 0 … k−1 — no fused multiply-add,
// ascending t. The loops run i-t-j so the accumulator row is contiguous and each acc[i, j] still
// sees t in ascending order.
import { FractalError } from '../../../ir/diagnostics.ts';
import type { DType } from '../../../ir/dtype.ts';
import type { Storage } from '../../../ir/storage.ts';
import { numelOf } from '../../../ir/types.ts';
import { canonicalizeF32, readNumbers, type NumberArray } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';

/** b as a contiguous [k, n] panel (transposed from [n, k] when asked). */
function panel<T extends NumberArray>(b: T, k: number, n: number, transposeB: boolean, make: (len: number) => T): T {
  if (!transposeB) return b;
  const p = make(k * n);
  for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) p[t * n + j] = b[j * k + t]!;
  return p;
}

/** The [M, n] product; `dtype` is a's and b's dtype. */
export function matmulStorage(
  dtype: DType,
  a: Storage,
  b: Storage,
  m: number,
  k: number,
  n: number,
  transposeB: boolean,
): Storage {
  if (dtype === 'i8') {
    const x = a as Int8Array;
    const y = panel(b as Int8Array, k, n, transposeB, (len) => new Int8Array(len));
    const out = new Int32Array(m * n);
    for (let i = 0; i < m; i++) {
      const row = i * n;
      for (let t = 0; t < k; t++) {
        const av = x[i * k + t]!;
        if (av === 0) continue;
        for (let j = 0, o = t * n; j < n; j++, o++) out[row + j] = (out[row + j]! + av * y[o]!) | 0;
      }
    }
    return out;
  }
  if (dtype !== 'f32' && dtype !== 'f16' && dtype !== 'bf16') {
    throw new FractalError('RUNTIME', `prim.matmul: dtype ${dtype} is not supported`, 'prim.2');
  }
  const x = readNumbers(dtype, a, m * k);
  const widened = readNumbers(dtype, b, k * n) as Float32Array;
  const y = panel(widened, k, n, transposeB, (len) => new Float32Array(len));
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let t = 0; t < k; t++) {
      const av = x[i * k + t]!;
      // The store into the Float32Array rounds the sum: that is the f32(acc + ·) step.
      for (let j = 0, o = t * n; j < n; j++, o++) out[row + j] = out[row + j]! + Math.fround(av * y[o]!);
    }
  }
  canonicalizeF32(out);
  return out;
}

export const matmulKernel: Kernel = (inputs, ctx) => {
  const a = inputs[0]!;
  const b = inputs[1]!;
  const type = ctx.node.results[0]!.type;
  const transposeB = ctx.node.bool('transpose_b');
  const k = a.type.shape[a.type.rank - 1]!;
  const n = type.shape[type.rank - 1]!;
  const m = numelOf(a.type.shape.slice(0, -1));
  return [{ type, data: matmulStorage(a.type.dtype, a.data, b.data, m, k, n, transposeB) }];
};
