// prim.add, sub, mul, div, max, min (ir.md §6.2) with NumPy broadcasting. Floats: f32 rounds
// each result once (fround of the float64 result of two f32 values is the correctly rounded f32
// result), f16 rounds the exact result once (float64 holds it exactly or rounds it harmlessly),
// bf16 computes in f32 then rounds to bf16, as the device does. Integers wrap in their width.
import { FractalError } from '../../../ir/diagnostics.ts';
import type { DType } from '../../../ir/dtype.ts';
import { allocStorage, type Storage } from '../../../ir/storage.ts';
import { numelOf } from '../../../ir/types.ts';
import { BF16_TO_F32, F16_TO_F32, f16FromF64 } from '../../../numerics/float.ts';
import { packInt4 } from '../../../numerics/int4.ts';
import { broadcastPlan, type IndexPlan } from '../broadcast-index.ts';
import { bf16FromF32Array, canonicalizeF32, isWide, readNumbers, type NumberArray } from '../element-access.ts';
import type { Kernel } from '../kernel.ts';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';

/** Float max/min: NaN wins, -0 < +0, otherwise the larger/smaller value exactly. */
function floatMaxMin(op: 'max' | 'min', x: number, y: number): number {
  switch (op) {
    case 'max':
      if (x > y) return x;
      if (y > x) return y;
      // Equal zeros: +0 wins unless both are -0, which is what x + y gives. Otherwise NaN.
      return x === y ? (x === 0 ? x + y : x) : NaN;
    case 'min':
      if (x < y) return x;
      if (y < x) return y;
      // Equal zeros: -0 wins if either is -0, which is -(-x - y).
      return x === y ? (x === 0 ? -(-x - y) : x) : NaN;
  }
}

/** max, min of integers of at most 32 bits (add, sub, mul are inlined in intLoop). */
function intOp(op: 'max' | 'min' | 'div', x: number, y: number): number {
  switch (op) {
    case 'max':
      return x > y ? x : y;
    case 'min':
      return x < y ? x : y;
    case 'div':
      throw new FractalError('RUNTIME', 'prim.div: integer division does not exist (ir.md §6.2)', 'prim.2');
  }
}

function wideOp(op: BinaryOp, x: bigint, y: bigint): bigint {
  switch (op) {
    case 'add':
      return x + y;
    case 'sub':
      return x - y;
    case 'mul':
      return x * y;
    case 'max':
      return x > y ? x : y;
    case 'min':
      return x < y ? x : y;
    case 'div':
      throw new FractalError('RUNTIME', 'prim.div: integer division does not exist (ir.md §6.2)', 'prim.2');
  }
}

/**
 * `a op b` broadcast to `outShape`, in `dtype` (both operands have it). Returns the result
 * container.
 */
export function binaryElementwise(
  op: BinaryOp,
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
  if (dtype === 'f16') {
    const out = new Uint16Array(n);
    halfLoop(op, plan, a as Uint16Array, b as Uint16Array, F16_TO_F32, out);
    return out;
  }
  if (dtype === 'bf16') {
    const inF32 = new Float32Array(n);
    halfLoop(op, plan, a as Uint16Array, b as Uint16Array, BF16_TO_F32, inF32);
    return bf16FromF32Array(inF32);
  }
  const x = readNumbers(dtype, a, numelOf(aShape));
  const y = readNumbers(dtype, b, numelOf(bShape));
  switch (dtype) {
    case 'f32': {
      const out = new Float32Array(n);
      f32Loop(op, plan, x as Float32Array, y as Float32Array, out);
      canonicalizeF32(out);
      return out;
    }
    case 'i4': {
      const values = new Int8Array(n);
      intLoop(op, plan, x, y, values);
      return packInt4(values);
    }
    default: {
      if (dtype === 'i1') throw new FractalError('RUNTIME', `prim.${op}: dtype ${dtype} is not supported`, 'prim.2');
      const out = allocStorage(dtype, n) as Int8Array | Uint8Array | Int32Array;
      intLoop(op, plan, x, y, out);
      return out;
    }
  }
}

/** `x op y` in f32: the store rounds the float64 result once. The op is switched per run. */
function f32Loop(op: BinaryOp, plan: IndexPlan, x: Float32Array, y: Float32Array, out: Float32Array): void {
  const { outer, inner } = plan;
  const [sa, sb] = plan.steps as [number, number];
  const [ba, bb] = plan.bases as [Int32Array, Int32Array];
  for (let r = 0, o = 0; r < outer; r++, o += inner) {
    const i = ba[r]!;
    const j = bb[r]!;
    switch (op) {
      case 'add':
        for (let t = 0; t < inner; t++) out[o + t] = x[i + t * sa]! + y[j + t * sb]!;
        break;
      case 'sub':
        for (let t = 0; t < inner; t++) out[o + t] = x[i + t * sa]! - y[j + t * sb]!;
        break;
      case 'mul':
        for (let t = 0; t < inner; t++) out[o + t] = x[i + t * sa]! * y[j + t * sb]!;
        break;
      case 'div':
        for (let t = 0; t < inner; t++) out[o + t] = x[i + t * sa]! / y[j + t * sb]!;
        break;
      default:
        for (let t = 0; t < inner; t++) out[o + t] = floatMaxMin(op, x[i + t * sa]!, y[j + t * sb]!);
    }
  }
}

/** `x op y` of exact float64 values (max/min included). */
function exactOp(op: BinaryOp, x: number, y: number): number {
  switch (op) {
    case 'add':
      return x + y;
    case 'sub':
      return x - y;
    case 'mul':
      return x * y;
    case 'div':
      return x / y;
    default:
      return floatMaxMin(op, x, y);
  }
}

/**
 * `x op y` of f16 or bf16 bits widened exactly through `table`. f16 (`out` a Uint16Array) rounds
 * the float64 result once; bf16 (`out` a Float32Array) stores the f32-rounded result, which the
 * caller rounds to bf16.
 */
function halfLoop(op: BinaryOp, plan: IndexPlan, x: Uint16Array, y: Uint16Array, table: Float32Array, out: Uint16Array | Float32Array): void {
  const { outer, inner } = plan;
  const [sa, sb] = plan.steps as [number, number];
  const [ba, bb] = plan.bases as [Int32Array, Int32Array];
  const f16 = out instanceof Uint16Array;
  for (let r = 0, o = 0; r < outer; r++) {
    for (let t = 0, i = ba[r]!, j = bb[r]!; t < inner; t++, o++, i += sa, j += sb) {
      const v = exactOp(op, table[x[i]!]!, table[y[j]!]!);
      out[o] = f16 ? f16FromF64(v) : v;
    }
  }
}

/** `x op y` for integers of at most 32 bits; the store into `out` wraps to the dtype. */
function intLoop(op: BinaryOp, plan: IndexPlan, x: NumberArray, y: NumberArray, out: Int8Array | Uint8Array | Int32Array): void {
  const { outer, inner } = plan;
  const [sa, sb] = plan.steps as [number, number];
  const [ba, bb] = plan.bases as [Int32Array, Int32Array];
  for (let r = 0, o = 0; r < outer; r++, o += inner) {
    const i = ba[r]!;
    const j = bb[r]!;
    switch (op) {
      case 'add':
        for (let t = 0; t < inner; t++) out[o + t] = x[i + t * sa]! + y[j + t * sb]!;
        break;
      case 'sub':
        for (let t = 0; t < inner; t++) out[o + t] = x[i + t * sa]! - y[j + t * sb]!;
        break;
      case 'mul':
        for (let t = 0; t < inner; t++) out[o + t] = Math.imul(x[i + t * sa]!, y[j + t * sb]!);
        break;
      default:
        for (let t = 0; t < inner; t++) out[o + t] = intOp(op, x[i + t * sa]!, y[j + t * sb]!);
    }
  }
}

function wideLoop(
  op: BinaryOp,
  plan: IndexPlan,
  x: BigInt64Array | BigUint64Array,
  y: BigInt64Array | BigUint64Array,
  out: BigInt64Array | BigUint64Array,
): void {
  const { outer, inner } = plan;
  const [sa, sb] = plan.steps as [number, number];
  const [ba, bb] = plan.bases as [Int32Array, Int32Array];
  // Storing into a BigInt64Array / BigUint64Array reduces mod 2^64: that is the wrap.
  for (let r = 0, o = 0; r < outer; r++) {
    for (let t = 0, i = ba[r]!, j = bb[r]!; t < inner; t++, o++, i += sa, j += sb) out[o] = wideOp(op, x[i]!, y[j]!);
  }
}

function binaryKernel(op: BinaryOp): Kernel {
  return (inputs, ctx) => {
    const a = inputs[0]!;
    const b = inputs[1]!;
    const type = ctx.node.results[0]!.type;
    return [{ type, data: binaryElementwise(op, type.dtype, a.data, a.type.shape, b.data, b.type.shape, type.shape) }];
  };
}

export const addKernel = binaryKernel('add');
export const subKernel = binaryKernel('sub');
export const mulKernel = binaryKernel('mul');
export const divKernel = binaryKernel('div');
export const maxKernel = binaryKernel('max');
export const minKernel = binaryKernel('min');
