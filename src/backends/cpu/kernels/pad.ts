// prim.pad (ir.md §6.3): y[i + low] = x[i]; every other element is `value`, converted as clamp's
// bounds (floats rounded once from float64, integers as they are).
import type { DType } from '../../../ir/dtype.ts';
import type { Storage } from '../../../ir/storage.ts';
import { numelOf, stridesOf } from '../../../ir/types.ts';
import { bf16FromF64, f16FromF64, f32Bits } from '../../../numerics/float.ts';
import { stridePlan } from '../broadcast-index.ts';
import { allocWords, isWide, readWords, storageFromWords, wordShape, type Words } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';
import { copyToPlan } from '../strided-copy.ts';

/** Fills `dst` with the pad value's bits. */
function fillValue(dtype: DType, dst: Words, value: number | bigint): void {
  if (isWide(dtype)) {
    const v = BigInt(value);
    const lo = Number(BigInt.asUintN(32, v));
    const hi = Number(BigInt.asUintN(32, v >> 32n));
    for (let i = 0; i < dst.length; i += 2) {
      dst[i] = lo;
      dst[i + 1] = hi;
    }
    return;
  }
  const v = Number(value);
  // Integer words take the value as it is: the store keeps its two's complement bits.
  const word =
    dtype === 'f32' ? f32Bits(Math.fround(v)) : dtype === 'f16' ? f16FromF64(v) : dtype === 'bf16' ? bf16FromF64(v) : v;
  dst.fill(word);
}

/** x of `shape` padded by `low` and `high` elements per axis. */
export function padStorage(
  dtype: DType,
  x: Storage,
  shape: readonly number[],
  low: readonly number[],
  high: readonly number[],
  value: number | bigint,
): Storage {
  const outShape = wordShape(dtype, shape.map((d, a) => low[a]! + d + high[a]!));
  const strides = stridesOf(outShape);
  const offset = low.reduce((acc, l, a) => acc + l * strides[a]!, 0);
  const src = readWords(dtype, x, numelOf(shape));
  const dst = allocWords(src, numelOf(outShape));
  fillValue(dtype, dst, value);
  copyToPlan(stridePlan(wordShape(dtype, shape), [strides], [offset]), src, dst);
  return storageFromWords(dtype, dst);
}

export const padKernel: Kernel = (inputs, ctx) => {
  const x = inputs[0]!;
  const type = ctx.node.results[0]!.type;
  const n = ctx.node;
  return [{ type, data: padStorage(type.dtype, x.data, x.type.shape, n.ints('low'), n.ints('high'), n.scalar('value')) }];
};
