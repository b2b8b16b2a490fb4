// prim.reshape (ir.md §6.3): the same row-major element sequence under a new shape, so the
// container is copied as it is (an i4 last dimension is even in both shapes, so bytes agree).
import type { DType } from '../../../ir/dtype.ts';
import { containerLength, type Storage } from '../../../ir/storage.ts';
import type { Kernel } from '../kernel.ts';

/** A copy of the first `numel` elements' container. */
export function copyStorage(dtype: DType, x: Storage, numel: number): Storage {
  return x.slice(0, containerLength(dtype, numel));
}

export const reshapeKernel: Kernel = (inputs, ctx) => {
  const x = inputs[0]!;
  const type = ctx.node.results[0]!.type;
  return [{ type, data: copyStorage(type.dtype, x.data, type.numel) }];
};
