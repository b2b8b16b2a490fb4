// prim.broadcast_to (ir.md §6.3): NumPy broadcasting of x to `shape`, bits unchanged.
import type { DType } from '../../../ir/dtype.ts';
import type { Storage } from '../../../ir/storage.ts';
import { numelOf } from '../../../ir/types.ts';
import { broadcastPlan } from '../broadcast-index.ts';
import { allocWords, readWords, storageFromWords, wordShape } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';
import { copyFromPlan } from '../strided-copy.ts';

/** x of `shape` broadcast to `outShape`. */
export function broadcastToStorage(dtype: DType, x: Storage, shape: readonly number[], outShape: readonly number[]): Storage {
  const outWords = wordShape(dtype, outShape);
  const src = readWords(dtype, x, numelOf(shape));
  const dst = allocWords(src, numelOf(outWords));
  copyFromPlan(broadcastPlan(outWords, [wordShape(dtype, shape)]), src, dst);
  return storageFromWords(dtype, dst);
}

export const broadcastToKernel: Kernel = (inputs, ctx) => {
  const x = inputs[0]!;
  const type = ctx.node.results[0]!.type;
  return [{ type, data: broadcastToStorage(type.dtype, x.data, x.type.shape, type.shape) }];
};
