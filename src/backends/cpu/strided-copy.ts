// Word copies driven by an IndexPlan (broadcast-index.ts): the loops of the data-movement
// kernels. Contiguous runs are copied with TypedArray.set.
import type { IndexPlan } from './broadcast-index.ts';
import type { Words } from './element-access.ts';

/** dst[o] = src[index of o] for every o of the plan, dst filled in row-major order. */
export function copyFromPlan(plan: IndexPlan, src: Words, dst: Words): void {
  const { outer, inner } = plan;
  const step = plan.steps[0]!;
  const base = plan.bases[0]!;
  const d = dst as Uint8Array;
  for (let r = 0, o = 0; r < outer; r++, o += inner) {
    const p = base[r]!;
    if (step === 1) d.set((src as Uint8Array).subarray(p, p + inner), o);
    else for (let t = 0, q = p; t < inner; t++, q += step) dst[o + t] = src[q]!;
  }
}

/** dst[index of i] = src[i] for every i of the plan, src read in row-major order. */
export function copyToPlan(plan: IndexPlan, src: Words, dst: Words): void {
  const { outer, inner } = plan;
  const step = plan.steps[0]!;
  const base = plan.bases[0]!;
  const d = dst as Uint8Array;
  for (let r = 0, i = 0; r < outer; r++, i += inner) {
    const p = base[r]!;
    if (step === 1) d.set((src as Uint8Array).subarray(i, i + inner), p);
    else for (let t = 0, q = p; t < inner; t++, q += step) dst[q] = src[i + t]!;
  }
}
