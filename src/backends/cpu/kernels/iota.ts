// prim.iota (ir.md §6.3): the element at linear index i is i, converted as prim.cast converts
// an exact integer (so integer dtypes wrap and f16 overflows to Inf beyond 65519).
import type { DType } from '../../../ir/dtype.ts';
import type { Storage } from '../../../ir/storage.ts';
import type { Kernel } from '../kernel.ts';
import { castNumbers } from './cast.ts';

/** 0, 1, …, numel − 1 in `dtype`. */
export function iotaStorage(dtype: DType, numel: number): Storage {
  const values = new Float64Array(numel);
  for (let i = 0; i < numel; i++) values[i] = i;
  return castNumbers(values, false, dtype, numel);
}

export const iotaKernel: Kernel = (_inputs, ctx) => {
  const type = ctx.node.results[0]!.type;
  return [{ type, data: iotaStorage(type.dtype, type.numel) }];
};
