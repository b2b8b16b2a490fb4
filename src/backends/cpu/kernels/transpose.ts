// prim.transpose (ir.md §6.3): y[i₀, …] = x[j] with j[perm[a]] = iₐ, i.e. output axis a walks
// input axis perm[a]. Bits are moved as words; a 64-bit element is a trailing axis of 2 words.
import type { DType } from '../../../ir/dtype.ts';
import type { Storage } from '../../../ir/storage.ts';
import { numelOf, stridesOf } from '../../../ir/types.ts';
import { stridePlan } from '../broadcast-index.ts';
import { allocWords, readWords, storageFromWords, wordShape } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';
import { copyFromPlan } from '../strided-copy.ts';

/** x of `shape` transposed by `perm`. */
export function transposeStorage(dtype: DType, x: Storage, shape: readonly number[], perm: readonly number[]): Storage {
  const inShape = wordShape(dtype, shape);
  const fullPerm = inShape.length > perm.length ? [...perm, perm.length] : [...perm];
  const outShape = fullPerm.map((p) => inShape[p]!);
  const inStrides = stridesOf(inShape);
  const src = readWords(dtype, x, numelOf(shape));
  const dst = allocWords(src, numelOf(outShape));
  copyFromPlan(stridePlan(outShape, [fullPerm.map((p) => inStrides[p]!)]), src, dst);
  return storageFromWords(dtype, dst);
}

export const transposeKernel: Kernel = (inputs, ctx) => {
  const x = inputs[0]!;
  const type = ctx.node.results[0]!.type;
  return [{ type, data: transposeStorage(type.dtype, x.data, x.type.shape, ctx.node.ints('perm')) }];
};
