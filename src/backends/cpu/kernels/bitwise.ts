// prim.and, or, xor (integers and i1) and prim.shl, shr (integers), broadcasting (ir.md §6.3).
// Values are read sign-extended (signed) or zero-extended (unsigned), so JS bit operators act on
// the two's complement bits and a store into the result container keeps the dtype's width.
// A shift count below 0 or at least the width acts as the width: shl gives 0, shr gives 0 or,
// for a negative signed value, -1.
import { FractalError } from '../../../ir/diagnostics.ts';
import { bitsOf, DTYPE_INFO, type DType } from '../../../ir/dtype.ts';
import { allocStorage, type Storage } from '../../../ir/storage.ts';
import { numelOf } from '../../../ir/types.ts';
import { packInt4 } from '../../../numerics/int4.ts';
import { broadcastPlan, type IndexPlan } from '../broadcast-index.ts';
import { isWide, readNumbers, type NumberArray } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';

export type BitwiseOp = 'and' | 'or' | 'xor' | 'shl' | 'shr';

function bitOp(op: BitwiseOp, x: number, y: number, width: number, signed: boolean): number {
  switch (op) {
    case 'and':
      return x & y;
    case 'or':
      return x | y;
    case 'xor':
      return x ^ y;
    case 'shl':
      return y < 0 || y >= width ? 0 : x << y;
    case 'shr':
      if (y < 0 || y >= width) return signed && x < 0 ? -1 : 0;
      return signed ? x >> y : x >>> y;
  }
}

function wideBitOp(op: BitwiseOp, x: bigint, y: bigint): bigint {
  switch (op) {
    case 'and':
      return x & y;
    case 'or':
      return x | y;
    case 'xor':
      return x ^ y;
    case 'shl':
      return y < 0n || y >= 64n ? 0n : x << y;
    case 'shr':
      // Values of a BigInt64Array are signed and of a BigUint64Array non-negative, so >> is
      // arithmetic or logical as the dtype requires.
      return y < 0n || y >= 64n ? (x < 0n ? -1n : 0n) : x >> y;
  }
}

/** `a op b` broadcast to `outShape` in `dtype`; returns the result container. */
export function bitwiseElementwise(
  op: BitwiseOp,
  dtype: DType,
  a: Storage,
  aShape: readonly number[],
  b: Storage,
  bShape: readonly number[],
  outShape: readonly number[],
): Storage {
  const plan = broadcastPlan(outShape, [aShape, bShape]);
  const n = numelOf(outShape);
  if (isWide(dtype)) {
    const out = allocStorage(dtype, n) as BigInt64Array | BigUint64Array;
    wideLoop(op, plan, a as BigInt64Array | BigUint64Array, b as BigInt64Array | BigUint64Array, out);
    return out;
  }
  if (dtype === 'f32' || dtype === 'f16' || dtype === 'bf16' || (dtype === 'i1' && (op === 'shl' || op === 'shr'))) {
    throw new FractalError('RUNTIME', `prim.${op}: dtype ${dtype} is not supported`, 'prim.2');
  }
  const x = readNumbers(dtype, a, numelOf(aShape));
  const y = readNumbers(dtype, b, numelOf(bShape));
  const width = dtype === 'i1' ? 1 : bitsOf(dtype);
  if (dtype === 'i4') {
    const values = new Int8Array(n);
    loop(op, plan, x, y, values, width, true);
    return packInt4(values);
  }
  const out = allocStorage(dtype, n) as Int8Array | Uint8Array | Int32Array;
  loop(op, plan, x, y, out, width, DTYPE_INFO[dtype].signed);
  return out;
}

function loop(
  op: BitwiseOp,
  plan: IndexPlan,
  x: NumberArray,
  y: NumberArray,
  out: Int8Array | Uint8Array | Int32Array,
  width: number,
  signed: boolean,
): void {
  const { outer, inner } = plan;
  const [sa, sb] = plan.steps as [number, number];
  const [ba, bb] = plan.bases as [Int32Array, Int32Array];
  for (let r = 0, o = 0; r < outer; r++) {
    for (let t = 0, i = ba[r]!, j = bb[r]!; t < inner; t++, o++, i += sa, j += sb) out[o] = bitOp(op, x[i]!, y[j]!, width, signed);
  }
}

function wideLoop(
  op: BitwiseOp,
  plan: IndexPlan,
  x: BigInt64Array | BigUint64Array,
  y: BigInt64Array | BigUint64Array,
  out: BigInt64Array | BigUint64Array,
): void {
  const { outer, inner } = plan;
  const [sa, sb] = plan.steps as [number, number];
  const [ba, bb] = plan.bases as [Int32Array, Int32Array];
  for (let r = 0, o = 0; r < outer; r++) {
    for (let t = 0, i = ba[r]!, j = bb[r]!; t < inner; t++, o++, i += sa, j += sb) out[o] = wideBitOp(op, x[i]!, y[j]!);
  }
}

function bitwiseKernel(op: BitwiseOp): Kernel {
  return (inputs, ctx) => {
    const a = inputs[0]!;
    const b = inputs[1]!;
    const type = ctx.node.results[0]!.type;
    return [{ type, data: bitwiseElementwise(op, type.dtype, a.data, a.type.shape, b.data, b.type.shape, type.shape) }];
  };
}

export const andKernel = bitwiseKernel('and');
export const orKernel = bitwiseKernel('or');
export const xorKernel = bitwiseKernel('xor');
export const shlKernel = bitwiseKernel('shl');
export const shrKernel = bitwiseKernel('shr');
