// prim.scatter (ir.md §6.3): y = x, then y[p, indices[l], s] = updates[p, l, s]. An index
// outside [0, x.shape[axis]) or one that repeats is a RUNTIME error [prim.9], checked first.
import { ruleError } from '../../../ir/diagnostics.ts';
import type { DType } from '../../../ir/dtype.ts';
import type { Storage } from '../../../ir/storage.ts';
import { numelOf } from '../../../ir/types.ts';
import { allocWords, readWords, storageFromWords, wordsPerElement } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';

/** x (of `shape`) with the rows `indices` along `axis` replaced by `updates`. */
export function scatterStorage(
  dtype: DType,
  x: Storage,
  shape: readonly number[],
  indices: Int32Array,
  updates: Storage,
  axis: number,
  subject: string,
): Storage {
  const a = axis < 0 ? axis + shape.length : axis;
  const dim = shape[a]!;
  const len = indices.length;
  const firstAt = new Int32Array(dim).fill(-1);
  for (let l = 0; l < len; l++) {
    const v = indices[l]!;
    if (v < 0 || v >= dim) throw ruleError('RUNTIME', subject, 'prim.9', `index must lie in [0, ${dim})`, `${v} at indices[${l}]`);
    if (firstAt[v]! >= 0) throw ruleError('RUNTIME', subject, 'prim.9', 'indices must not repeat', `${v} at indices[${firstAt[v]}] and indices[${l}]`);
    firstAt[v] = l;
  }
  const outer = numelOf(shape.slice(0, a));
  const rowElements = numelOf(shape.slice(a + 1));
  const inner = rowElements * wordsPerElement(dtype);
  const src = readWords(dtype, x, numelOf(shape)) as Uint8Array;
  const upd = readWords(dtype, updates, outer * len * rowElements) as Uint8Array;
  const dst = allocWords(src, src.length) as Uint8Array;
  dst.set(src);
  for (let p = 0; p < outer; p++) {
    for (let l = 0; l < len; l++) {
      const s = (p * len + l) * inner;
      dst.set(upd.subarray(s, s + inner), (p * dim + indices[l]!) * inner);
    }
  }
  return storageFromWords(dtype, dst);
}

export const scatterKernel: Kernel = (inputs, ctx) => {
  const x = inputs[0]!;
  const idx = inputs[1]!;
  const updates = inputs[2]!;
  const type = ctx.node.results[0]!.type;
  const data = scatterStorage(type.dtype, x.data, x.type.shape, idx.data as Int32Array, updates.data, ctx.node.int('axis'), ctx.subject);
  return [{ type, data }];
};
