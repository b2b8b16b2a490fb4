// Typed builder methods for the prim.* ops (ir.md §6.3). Each creates and verifies one node and
// returns its result; `hint` names the result (ir.md §2.5).
import { floatAttr, intAttr, type Attr } from '../attr.ts';
import type { Builder } from '../builder.ts';
import { isFloat, type DType } from '../dtype.ts';
import type { OpName } from '../ops/registry.ts';
import type { Value } from '../value.ts';

/**
 * A clamp bound or pad value in the kind x's dtype takes: float for float x, int otherwise
 * (a non-integral number stays a float, which the verifier rejects by [prim.7]).
 */
function scalarFor(x: Value, v: number | bigint): Attr {
  if (isFloat(x.type.dtype)) return floatAttr(Number(v));
  return typeof v === 'bigint' || Number.isInteger(v) ? intAttr(v) : floatAttr(v);
}

export class PrimBuilder {
  constructor(readonly b: Builder) {}

  private op(op: OpName, operands: readonly Value[], attrs: Record<string, unknown>, hint: string | undefined): Value {
    return this.b.create(op, operands, attrs, { hints: [hint] }).result;
  }

  /** a + b with broadcasting; integers wrap. */
  add(a: Value, b: Value, hint?: string): Value {
    return this.op('prim.add', [a, b], {}, hint);
  }
  /** a − b with broadcasting; integers wrap. */
  sub(a: Value, b: Value, hint?: string): Value {
    return this.op('prim.sub', [a, b], {}, hint);
  }
  /** a × b with broadcasting; integers wrap. */
  mul(a: Value, b: Value, hint?: string): Value {
    return this.op('prim.mul', [a, b], {}, hint);
  }
  /** a ÷ b with broadcasting (floats only). */
  div(a: Value, b: Value, hint?: string): Value {
    return this.op('prim.div', [a, b], {}, hint);
  }
  /** Elementwise maximum (NaN wins, +0 > −0). */
  max(a: Value, b: Value, hint?: string): Value {
    return this.op('prim.max', [a, b], {}, hint);
  }
  /** Elementwise minimum (NaN wins, −0 < +0). */
  min(a: Value, b: Value, hint?: string): Value {
    return this.op('prim.min', [a, b], {}, hint);
  }
  /** Bitwise and of integers or i1. */
  and(a: Value, b: Value, hint?: string): Value {
    return this.op('prim.and', [a, b], {}, hint);
  }
  /** Bitwise or of integers or i1. */
  or(a: Value, b: Value, hint?: string): Value {
    return this.op('prim.or', [a, b], {}, hint);
  }
  /** Bitwise xor of integers or i1. */
  xor(a: Value, b: Value, hint?: string): Value {
    return this.op('prim.xor', [a, b], {}, hint);
  }
  /** a shifted left by b bits (b outside [0, width) gives 0). */
  shl(a: Value, b: Value, hint?: string): Value {
    return this.op('prim.shl', [a, b], {}, hint);
  }
  /** a shifted right by b bits: arithmetic for signed dtypes, logical for unsigned. */
  shr(a: Value, b: Value, hint?: string): Value {
    return this.op('prim.shr', [a, b], {}, hint);
  }

  /** Clears the sign bit of a float. */
  abs(x: Value, hint?: string): Value {
    return this.op('prim.abs', [x], {}, hint);
  }
  /** Flips the sign bit of a float. */
  neg(x: Value, hint?: string): Value {
    return this.op('prim.neg', [x], {}, hint);
  }
  /** 1 ÷ x. */
  reciprocal(x: Value, hint?: string): Value {
    return this.op('prim.reciprocal', [x], {}, hint);
  }
  /** Nearest integral value, ties to even. */
  round(x: Value, hint?: string): Value {
    return this.op('prim.round', [x], {}, hint);
  }
  /** Clamps x to [min, max]; the bounds take x's kind (float or integer) and are checked by [prim.7]. */
  clamp(x: Value, min: number | bigint, max: number | bigint, hint?: string): Value {
    return this.op('prim.clamp', [x], { min: scalarFor(x, min), max: scalarFor(x, max) }, hint);
  }
  /** Converts x's values to `to` (ir.md §6.4). */
  cast(x: Value, to: DType, hint?: string): Value {
    return this.op('prim.cast', [x], { to }, hint);
  }
  /** Reads x's bytes as `to`; the last dimension scales by the width ratio (ir.md §6.5). */
  bitcast(x: Value, to: DType, hint?: string): Value {
    return this.op('prim.bitcast', [x], { to }, hint);
  }

  /** a `[…, m, k]` times b `[k, n]` (or `[n, k]` with transposeB): i32 for i8, f32 for floats. */
  matmul(a: Value, b: Value, opts: { transposeB?: boolean } = {}, hint?: string): Value {
    return this.op('prim.matmul', [a, b], { transpose_b: opts.transposeB }, hint);
  }
  /** Maximum over `axes` (negative counts from the end), dropped or kept as 1 with keepdims. */
  reduceMax(x: Value, axes: readonly number[], opts: { keepdims?: boolean } = {}, hint?: string): Value {
    return this.op('prim.reduce_max', [x], { axes, keepdims: opts.keepdims }, hint);
  }
  /** The i32 indices that sort x along `axis`. */
  argsort(x: Value, axis: number, opts: { stable?: boolean; descending?: boolean } = {}, hint?: string): Value {
    return this.op('prim.argsort', [x], { axis, stable: opts.stable, descending: opts.descending }, hint);
  }

  /** The same row-major elements in `shape`. */
  reshape(x: Value, shape: readonly number[], hint?: string): Value {
    return this.op('prim.reshape', [x], { shape }, hint);
  }
  /** Permutes the axes: out.shape[i] = x.shape[perm[i]]. */
  transpose(x: Value, perm: readonly number[], hint?: string): Value {
    return this.op('prim.transpose', [x], { perm }, hint);
  }
  /** NumPy broadcast of x to `shape`. */
  broadcastTo(x: Value, shape: readonly number[], hint?: string): Value {
    return this.op('prim.broadcast_to', [x], { shape }, hint);
  }
  /** x[start:end] on every axis (step 1). */
  slice(x: Value, start: readonly number[], end: readonly number[], hint?: string): Value {
    return this.op('prim.slice', [x], { start, end }, hint);
  }
  /** Pads each axis with `low` and `high` elements of `value` (default 0). */
  pad(x: Value, low: readonly number[], high: readonly number[], opts: { value?: number | bigint } = {}, hint?: string): Value {
    const value = opts.value === undefined ? undefined : scalarFor(x, opts.value);
    return this.op('prim.pad', [x], { low, high, value }, hint);
  }
  /** Joins the operands along `axis`. */
  concat(xs: readonly Value[], axis: number, hint?: string): Value {
    return this.op('prim.concat', xs, { axis }, hint);
  }
  /** NumPy `take(x, indices, axis)`; indices are i32. */
  gather(x: Value, indices: Value, axis: number, hint?: string): Value {
    return this.op('prim.gather', [x, indices], { axis }, hint);
  }
  /** x with the slices at `indices` (i32 `[L]`) along `axis` replaced by `updates`. */
  scatter(x: Value, indices: Value, updates: Value, axis: number, hint?: string): Value {
    return this.op('prim.scatter', [x, indices, updates], { axis }, hint);
  }
  /** The linear index of every element, converted to `dtype`. */
  iota(shape: readonly number[], dtype: DType, hint?: string): Value {
    return this.op('prim.iota', [], { shape, dtype }, hint);
  }
}
