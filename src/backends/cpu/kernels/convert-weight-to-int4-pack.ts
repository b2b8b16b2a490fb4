// npu.convert_weight_to_int4_pack (convert_weight_to_int4pack.md §2): each i32 element's low 4
// bits, packed two per byte (element 2t in the low nibble), as i4 [d0, d1] or as i32 words
// [d0, d1/8] over the same bytes; NZ results are the ND->NZ of that (layout.md §3.4). Values
// outside [-8, 7] are masked, not rejected, and reported in one warning per execution (rule 9).
import { ruleMessage } from '../../../ir/diagnostics.ts';
import { ndToNz } from '../../../ir/layout-convert.ts';
import { packInt4 } from '../../../numerics/int4.ts';
import type { Storage, Tensor } from '../../../ir/storage.ts';
import type { Kernel } from '../kernel.ts';

export interface OutOfRange {
  readonly count: number;
  /** Flat index and value of the first element outside [-8, 7]. */
  readonly first: number;
  readonly value: number;
}

/** Elements of `w` outside [-8, 7], or null when there are none. */
export function int4OutOfRange(w: Int32Array): OutOfRange | null {
  let count = 0;
  let first = -1;
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    if (v < -8 || v > 7) {
      if (count++ === 0) first = i;
    }
  }
  return count === 0 ? null : { count, first, value: w[first]! };
}

/**
 * The packed weight: row-major [d0, d1] values (d1 even) as bytes, d1/2 per row, or as the same
 * bytes read as i32 words; laid out in NZ with `nzC0` (64 for i4, 8 for i32) when given.
 */
export function packWeightInt4(w: Int32Array, shape: readonly [number, number], dtype: 'i4' | 'i32', nzC0: number | null): Storage {
  const bytes = packInt4(w);
  const nd: Storage = dtype === 'i32' ? new Int32Array(bytes.buffer, 0, bytes.length >> 2) : bytes;
  if (nzC0 === null) return nd;
  const viewShape = dtype === 'i32' ? [shape[0], shape[1] / 8] : shape;
  return ndToNz(nd, viewShape, dtype, nzC0);
}

/** Kernel: the result type gives i4 or i32, ND or NZ. */
export const convertWeightToInt4PackKernel: Kernel = (inputs, ctx) => {
  const [weight] = inputs as [Tensor];
  const w = weight.data as Int32Array;
  const shape = weight.type.shape as [number, number];
  const d1 = shape[1];
  const bad = int4OutOfRange(w);
  if (bad) {
    const rule = 'convert_weight_to_int4pack.9';
    const at = `[${Math.floor(bad.first / d1)}, ${bad.first % d1}]`;
    const what = `weight values must lie in [-8, 7] and are masked to their low 4 bits (${bad.count} element${bad.count === 1 ? '' : 's'})`;
    ctx.warn(rule, ruleMessage(ctx.subject, rule, what, `${bad.value} at ${at}`));
  }
  const type = ctx.node.results[0]!.type;
  return [{ type, data: packWeightInt4(w, shape, type.dtype as 'i4' | 'i32', type.layout.kind === 'nz' ? type.layout.c0 : null) }];
};
