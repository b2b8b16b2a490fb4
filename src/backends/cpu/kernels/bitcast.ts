// prim.bitcast (ir.md §6.5): the bytes of x's row-major storage read as `to`, little-endian.
// Containers already hold exactly those bytes (i4 packed with element 2t in the low nibble of
// byte t, i64/u64 words low byte first on the little-endian hosts Node runs on), so the kernel
// copies bytes.
import type { DType } from '../../../ir/dtype.ts';
import { allocStorage, type Storage } from '../../../ir/storage.ts';
import type { Kernel } from '../kernel.ts';

/** The bytes of `x` as a fresh container of `numel` elements of `to`. */
export function bitcastStorage(x: Storage, to: DType, numel: number): Storage {
  const out = allocStorage(to, numel);
  new Uint8Array(out.buffer).set(new Uint8Array(x.buffer, x.byteOffset, out.byteLength));
  return out;
}

export const bitcastKernel: Kernel = (inputs, ctx) => {
  const x = inputs[0]!;
  const type = ctx.node.results[0]!.type;
  return [{ type, data: bitcastStorage(x.data, type.dtype, type.numel) }];
};
