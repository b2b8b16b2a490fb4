// prim.argsort (ir.md §6.3): per line along the axis, the i32 indices that sort it. Ascending:
// -Inf < … < -0 = +0 < … < +Inf < NaN (NaNs equal); descending reverses the comparison (NaN
// first). Equal keys keep ascending index order, with `stable = false` too.
//
// Keys of at most 32 bits become integers in the same order (a float by its bits, -0 as +0 and
// every NaN above +Inf); each line then sorts key · 2^s + index as plain float64 numbers, which
// breaks ties by index without a comparator. i64/u64 keys and lines longer than 2^21 use a
// comparator instead.
import type { DType } from '../../../ir/dtype.ts';
import type { Storage } from '../../../ir/storage.ts';
import { numelOf } from '../../../ir/types.ts';
import { isWide, readNumbers } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';

const MAX_PACKED_LINE = 2 ** 21; // |key| <= 2^31, so key · 2^21 + index stays below 2^53

/** Order-preserving integer keys of ≤ 32-bit elements (negated for descending order). */
function orderedKeys(dtype: Exclude<DType, 'i64' | 'u64'>, x: Storage, n: number, descending: boolean): Float64Array {
  const v = readNumbers(dtype, x, n);
  const keys = new Float64Array(n);
  const dir = descending ? -1 : 1;
  if (v instanceof Float32Array) {
    const bits = new Uint32Array(v.buffer, v.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const u = bits[i]!;
      const mag = u & 0x7fffffff;
      keys[i] = dir * (mag > 0x7f800000 ? 0x7fc00000 : u === mag ? mag : -mag);
    }
  } else {
    for (let i = 0; i < n; i++) keys[i] = dir * v[i]!;
  }
  return keys;
}

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
  const lineStart = (line: number): number => Math.floor(line / stride) * stride * len + (line % stride);

  if (!isWide(dtype) && len <= MAX_PACKED_LINE) {
    const keys = orderedKeys(dtype, x, n, descending);
    const scale = 2 ** Math.ceil(Math.log2(len));
    const packed = new Float64Array(len);
    for (let line = 0; line < lines; line++) {
      const start = lineStart(line);
      for (let t = 0, p = start; t < len; t++, p += stride) packed[t] = keys[p]! * scale + t;
      packed.sort();
      for (let t = 0, p = start; t < len; t++, p += stride) {
        const c = packed[t]!;
        out[p] = c - Math.floor(c / scale) * scale;
      }
    }
    return out;
  }

  const src: ArrayLike<number | bigint> = isWide(dtype) ? (x as BigInt64Array | BigUint64Array) : readNumbers(dtype, x, n);
  const keys = new Array<number | bigint>(len);
  const order = new Int32Array(len);
  const dir = descending ? -1 : 1;
  // One comparator per call (keys are refilled per line); a NaN counts as above everything.
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
    const start = lineStart(line);
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
