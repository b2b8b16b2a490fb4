// prim.gather (ir.md §6.3): y[p, q, s] = x[p, indices[q], s] (NumPy take along `axis`); an index
// outside [0, x.shape[axis]) is a RUNTIME error [prim.8], checked before anything is copied.
import { ruleError } from '../../../ir/diagnostics.ts';
import type { DType } from '../../../ir/dtype.ts';
import type { Storage } from '../../../ir/storage.ts';
import { numelOf } from '../../../ir/types.ts';
import { allocWords, readWords, storageFromWords, wordsPerElement } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';

/** `indices[i, j, …]` for the linear position `flat` of an indices tensor of `shape`. */
function indexLabel(flat: number, shape: readonly number[]): string {
  const at = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    at[a] = flat % shape[a]!;
    flat = Math.floor(flat / shape[a]!);
  }
  return `indices[${at.join(', ')}]`;
}

/** The rows of x (of `shape`) picked along `axis` by `indices` (of `indicesShape`). */
export function gatherStorage(
  dtype: DType,
  x: Storage,
  shape: readonly number[],
  indices: Int32Array,
  indicesShape: readonly number[],
  axis: number,
  subject: string,
): Storage {
  const a = axis < 0 ? axis + shape.length : axis;
  const dim = shape[a]!;
  const q = numelOf(indicesShape);
  for (let i = 0; i < q; i++) {
    const v = indices[i]!;
    if (v < 0 || v >= dim) {
      throw ruleError('RUNTIME', subject, 'prim.8', `index must lie in [0, ${dim})`, `${v} at ${indexLabel(i, indicesShape)}`);
    }
  }
  const outer = numelOf(shape.slice(0, a));
  const inner = numelOf(shape.slice(a + 1)) * wordsPerElement(dtype);
  const src = readWords(dtype, x, numelOf(shape)) as Uint8Array;
  const dst = allocWords(src, outer * q * inner) as Uint8Array;
  for (let p = 0, d = 0; p < outer; p++) {
    for (let i = 0; i < q; i++, d += inner) {
      const s = (p * dim + indices[i]!) * inner;
      dst.set(src.subarray(s, s + inner), d);
    }
  }
  return storageFromWords(dtype, dst);
}

export const gatherKernel: Kernel = (inputs, ctx) => {
  const x = inputs[0]!;
  const idx = inputs[1]!;
  const type = ctx.node.results[0]!.type;
  const data = gatherStorage(type.dtype, x.data, x.type.shape, idx.data as Int32Array, idx.type.shape, ctx.node.int('axis'), ctx.subject);
  return [{ type, data }];
};
