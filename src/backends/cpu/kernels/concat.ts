// prim.concat (ir.md §6.3): the operands in order along the axis, bits unchanged. Per position
// of the axes before `axis`, each operand contributes one contiguous block.
import type { DType } from '../../../ir/dtype.ts';
import type { Storage } from '../../../ir/storage.ts';
import { numelOf } from '../../../ir/types.ts';
import { allocWords, readWords, storageFromWords, wordsPerElement } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';

/** The parts (each with its shape) joined along `axis` (in [-r, r)). */
export function concatStorage(
  dtype: DType,
  parts: readonly { readonly data: Storage; readonly shape: readonly number[] }[],
  axis: number,
): Storage {
  const first = parts[0]!.shape;
  const a = axis < 0 ? axis + first.length : axis;
  const outer = numelOf(first.slice(0, a));
  const inner = numelOf(first.slice(a + 1)) * wordsPerElement(dtype);
  const srcs = parts.map((p) => readWords(dtype, p.data, numelOf(p.shape)));
  const blocks = parts.map((p) => p.shape[a]! * inner);
  const rowLen = blocks.reduce((s, b) => s + b, 0);
  const dst = allocWords(srcs[0]!, outer * rowLen) as Uint8Array;
  for (let o = 0, d = 0; o < outer; o++) {
    for (let j = 0; j < srcs.length; j++) {
      const len = blocks[j]!;
      dst.set((srcs[j] as Uint8Array).subarray(o * len, o * len + len), d);
      d += len;
    }
  }
  return storageFromWords(dtype, dst);
}

export const concatKernel: Kernel = (inputs, ctx) => {
  const type = ctx.node.results[0]!.type;
  const parts = inputs.map((t) => ({ data: t!.data, shape: t!.type.shape }));
  return [{ type, data: concatStorage(type.dtype, parts, ctx.node.int('axis')) }];
};
