// prim.slice (ir.md §6.3): y[i] = x[i + start], step 1, bits unchanged.
import type { DType } from '../../../ir/dtype.ts';
import type { Storage } from '../../../ir/storage.ts';
import { numelOf, stridesOf } from '../../../ir/types.ts';
import { stridePlan } from '../broadcast-index.ts';
import { allocWords, readWords, storageFromWords, wordShape } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';
import { copyFromPlan } from '../strided-copy.ts';

/** The box [start, end) of x (of `shape`). */
export function sliceStorage(
  dtype: DType,
  x: Storage,
  shape: readonly number[],
  start: readonly number[],
  end: readonly number[],
): Storage {
  const inShape = wordShape(dtype, shape);
  const outShape = wordShape(dtype, shape.map((_, a) => end[a]! - start[a]!));
  const strides = stridesOf(inShape);
  const offset = start.reduce((acc, s, a) => acc + s * strides[a]!, 0);
  const src = readWords(dtype, x, numelOf(shape));
  const dst = allocWords(src, numelOf(outShape));
  copyFromPlan(stridePlan(outShape, [strides], [offset]), src, dst);
  return storageFromWords(dtype, dst);
}

export const sliceKernel: Kernel = (inputs, ctx) => {
  const x = inputs[0]!;
  const type = ctx.node.results[0]!.type;
  return [{ type, data: sliceStorage(type.dtype, x.data, x.type.shape, ctx.node.ints('start'), ctx.node.ints('end')) }];
};
