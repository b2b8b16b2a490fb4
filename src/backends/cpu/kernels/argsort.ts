// prim.argsort (ir.md §6.3): per line along the axis, the i32 indices that sort it. Ascending:
// -Inf < … < -0 = +0 < … < +Inf < NaN (NaNs equal); descending reverses the comparison (NaN
// first). Equal keys keep ascending index order, with `stable = false` too.
import type { DType } from '../../../ir/dtype.ts';
import type { Storage } from '../../../ir/storage.ts';
import { numelOf } from '../../../ir/types.ts';
import { isWide, readNumbers } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';

/** Indices sorting x (of `shape`) along `axis` (in [-r, r)). */
export function argsortStorage(dtype: DType, x: Storage, shape: readonly number[], axis: number, descending: boolean): Int32Array {
  const r = shape.length;
  const ax = axis < 0 ? axis + r : axis;
  const len = shape[ax]!;
  const stride = numelOf(shape.slice(ax + 1));
  const n = numelOf(shape);
  const out = new Int32Array(n);
  if (len === 0 || n === 0) return out;
  const lines = n / len;
  const dir = descending ? -1 : 1;

  const src: ArrayLike<number | bigint> = isWide(dtype) ? (x as BigInt64Array | BigUint64Array) : readNumbers(dtype, x, n);
  const keys = new Array<number | bigint>(len);
  const order = new Int32Array(len);
  // One comparator per call: keys are refilled for each line. NaN counts as above everything.
  const compare = (i: number, j: number): number => {
    const a = keys[i]!;
    const b = keys[j]!;
    if (a < b) return -dir;
    if (a > b) return dir;
    const an = a !== a;
    if (an !== (b !== b)) return an ? dir : -dir;
    return i - j;
  };

  for (let line = 0; line < lines; line++) {
    const start = Math.floor(line / stride) * stride * len + (line % stride);
    for (let t = 0, p = start; t < len; t++, p += stride) {
      keys[t] = src[p]!;
      order[t] = t;
    }
    order.sort(compare);
    for (let t = 0, p = start; t < len; t++, p += stride) out[p] = order[t]!;
  }
  return out;
}

export const argsortKernel: Kernel = (inputs, ctx) => {
  const x = inputs[0]!;
  const type = ctx.node.results[0]!.type;
  const data = argsortStorage(x.type.dtype, x.data, x.type.shape, ctx.node.int('axis'), ctx.node.bool('descending'));
  return [{ type, data }];
};
