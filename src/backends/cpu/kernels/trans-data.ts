// layout.trans_data (layout.md §4): ND <-> FRACTAL_NZ through the index map; the source layout
// is x's type, the target layout and c0 are y's. Same layout on both sides is a copy.
import { ndToNz, nzToNd } from '../../../ir/layout-convert.ts';
import type { Layout } from '../../../ir/layout.ts';
import type { Storage, Tensor } from '../../../ir/storage.ts';
import type { TensorType } from '../../../ir/types.ts';
import type { Kernel } from '../kernel.ts';

/** x's storage (in layout `from`) laid out in `to`; both describe the logical `shape`. */
export function transData(x: Storage, shape: readonly number[], dtype: TensorType['dtype'], from: Layout, to: Layout): Storage {
  if (from.kind === 'nd' && to.kind === 'nd') return x.slice();
  if (from.kind === 'nz' && to.kind === 'nz' && from.c0 === to.c0) return x.slice();
  const nd = from.kind === 'nz' ? nzToNd(x, shape, dtype, from.c0) : x;
  return to.kind === 'nz' ? ndToNz(nd, shape, dtype, to.c0) : nd;
}

export const transDataKernel: Kernel = (inputs, ctx) => {
  const [x] = inputs as [Tensor];
  const type = ctx.node.results[0]!.type;
  return [{ type, data: transData(x.data, x.type.shape, x.type.dtype, x.type.layout, type.layout) }];
};
