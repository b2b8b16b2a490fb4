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
    const k4 = k - (k % 4);
    for (let i = 0; i < m; i++) {
      const row = i * n;
      const ai = i * k;
      // Four t at a time: the sum of four i8 products is exact, so adding it at once wraps the same.
      for (let t = 0; t < k4; t += 4) {
        const a0 = x[ai + t]!;
        const a1 = x[ai + t + 1]!;
        const a2 = x[ai + t + 2]!;
        const a3 = x[ai + t + 3]!;
        const o0 = t * n;
        for (let j = 0; j < n; j++) {
          const o = o0 + j;
          out[row + j] = (out[row + j]! + a0 * y[o]! + a1 * y[o + n]! + a2 * y[o + 2 * n]! + a3 * y[o + 3 * n]!) | 0;
        }
      }
      for (let t = k4; t < k; t++) {
        const av = x[ai + t]!;
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
  const k4 = k - (k % 4);
  const f = Math.fround;
  for (let i = 0; i < m; i++) {
    const row = i * n;
    const ai = i * k;
    // Four t at a time, still added one after another with an f32 rounding after each step.
    for (let t = 0; t < k4; t += 4) {
      const a0 = x[ai + t]!;
      const a1 = x[ai + t + 1]!;
      const a2 = x[ai + t + 2]!;
      const a3 = x[ai + t + 3]!;
      const o0 = t * n;
      for (let j = 0; j < n; j++) {
        const o = o0 + j;
        const s1 = f(out[row + j]! + f(a0 * y[o]!));
        const s2 = f(s1 + f(a1 * y[o + n]!));
        const s3 = f(s2 + f(a2 * y[o + 2 * n]!));
        out[row + j] = s3 + f(a3 * y[o + 3 * n]!);
      }
    }
    for (let t = k4; t < k; t++) {
      const av = x[ai + t]!;
      // The store into the Float32Array rounds the sum: that is the f32(acc + ·) step.
      for (let j = 0, o = t * n; j < n; j++, o++) out[row + j] = out[row + j]! + f(av * y[o]!);
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
