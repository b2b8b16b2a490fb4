// comm.all_reduce (ir.md §5.4): every rank's x summed element by element over the storage (NZ
// padding stays zero). Floats: s = +0, s = f32(s + f32(x_r)) in ascending rank order, then one
// rounding to f16/bf16; integers wrap in the dtype. The result is identical on every rank.
import { BF16_TO_F32, F16_TO_F32, F32_NAN_BITS, bf16FromF32Bits, f16FromF64 } from '../../../numerics/float.ts';
import type { DType } from '../../../ir/dtype.ts';
import { allocStorage, type Storage, type Tensor } from '../../../ir/storage.ts';
import type { Kernel } from '../kernel.ts';

/** The sum of the ranks' storages (in rank order) in the container of `dtype`. */
export function sumRanks(parts: readonly Storage[], dtype: DType): Storage {
  const len = parts[0]?.length ?? 0;
  const out = allocStorage(dtype, len); // all_reduce dtypes hold one element per container slot
  if (dtype === 'i64' || dtype === 'u64') {
    const big = out as BigInt64Array | BigUint64Array;
    for (const p of parts) for (let e = 0; e < len; e++) big[e] = big[e]! + (p as BigInt64Array)[e]!; // the store wraps
    return out;
  }
  if (dtype !== 'f32' && dtype !== 'f16' && dtype !== 'bf16') {
    const ints = out as Int8Array | Uint8Array | Int32Array;
    // At most 2^53 / 2^32 ranks keep the float64 sum exact; the typed-array store wraps it.
    for (const p of parts) for (let e = 0; e < len; e++) ints[e] = ints[e]! + (p as Int32Array)[e]!;
    return out;
  }
  const sum = new Float32Array(len); // each store rounds to f32
  if (dtype === 'f32') for (const p of parts) for (let e = 0; e < len; e++) sum[e] = sum[e]! + (p as Float32Array)[e]!;
  else {
    const table = dtype === 'f16' ? F16_TO_F32 : BF16_TO_F32;
    for (const p of parts) for (let e = 0; e < len; e++) sum[e] = sum[e]! + table[(p as Uint16Array)[e]!]!;
  }
  const bits = new Uint32Array(sum.buffer);
  if (dtype === 'f32') {
    for (let e = 0; e < len; e++) if (sum[e] !== sum[e]) bits[e] = F32_NAN_BITS; // canonical NaN
    return sum;
  }
  const half = out as Uint16Array;
  if (dtype === 'f16') for (let e = 0; e < len; e++) half[e] = f16FromF64(sum[e]!);
  else for (let e = 0; e < len; e++) half[e] = bf16FromF32Bits(bits[e]!);
  return out;
}

export const allReduceKernel: Kernel = async (inputs, ctx) => {
  const [x] = inputs as [Tensor];
  const parts = await ctx.collective.allGather(ctx.rank, x.data);
  return [{ type: ctx.node.results[0]!.type, data: sumRanks(parts, x.type.dtype) }];
};
