// prim.reduce_max (ir.md §6.3): the maximum by §6.2 over the axes — NaN wins and is written
// canonical, +0 > -0 — with -Inf (floats) or the dtype's minimum (integers) for an empty set.
// `axes = []` copies the bits. The input is walked once in row-major order; the broadcast plan of
// the kept shape gives each input element's output slot.
import { DTYPE_INFO, isFloat, type DType } from '../../../ir/dtype.ts';
import { allocStorage, containerLength, type Storage } from '../../../ir/storage.ts';
import { numelOf } from '../../../ir/types.ts';
import { broadcastPlan } from '../broadcast-index.ts';
import { isWide, readNumbers } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';
import { castNumbers } from './cast.ts';

/** Maximum of x (of `shape`) over `axes` (each in [-r, r)); elements in row-major order of the kept axes. */
export function reduceMaxStorage(dtype: DType, x: Storage, shape: readonly number[], axes: readonly number[]): Storage {
  const n = numelOf(shape);
  if (axes.length === 0) return x.slice(0, containerLength(dtype, n));
  const r = shape.length;
  const reduced = new Set(axes.map((a) => (a < 0 ? a + r : a)));
  const kept = shape.map((d, a) => (reduced.has(a) ? 1 : d));
  const outN = numelOf(kept);
  const plan = broadcastPlan(shape, [kept]);
  const step = plan.steps[0]!;
  const base = plan.bases[0]!;

  if (isWide(dtype)) {
    const src = x as BigInt64Array | BigUint64Array;
    const out = allocStorage(dtype, outN) as BigInt64Array | BigUint64Array;
    out.fill(DTYPE_INFO[dtype].min!);
    for (let q = 0, i = 0; q < plan.outer; q++) {
      for (let t = 0, p = base[q]!; t < plan.inner; t++, i++, p += step) if (src[i]! > out[p]!) out[p] = src[i]!;
    }
    return out;
  }

  const v = readNumbers(dtype, x, n);
  const float = isFloat(dtype);
  const acc = new Float64Array(outN).fill(float ? -Infinity : Number(DTYPE_INFO[dtype].min));
  for (let q = 0, i = 0; q < plan.outer; q++) {
    for (let t = 0, p = base[q]!; t < plan.inner; t++, i++, p += step) {
      const e = v[i]!;
      const c = acc[p]!;
      if (e > c) acc[p] = e;
      else if (e !== e) acc[p] = NaN; // a NaN accumulator stays NaN: nothing compares above it
      else if (e === 0 && c === 0) acc[p] = e + c; // -0 only when both are -0
    }
  }
  return castNumbers(acc, float, dtype, outN);
}

export const reduceMaxKernel: Kernel = (inputs, ctx) => {
  const x = inputs[0]!;
  const type = ctx.node.results[0]!.type;
  return [{ type, data: reduceMaxStorage(x.type.dtype, x.data, x.type.shape, ctx.node.ints('axes')) }];
};
