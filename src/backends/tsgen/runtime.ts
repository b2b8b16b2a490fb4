// What generated modules import (emit.ts): the numerics helpers and the kernels' pure
// implementations, reused where specialising brings nothing, plus the small contract between a
// generated module and the compiled backend that runs it. Everything the generated code calls is
// exported here by name, so a generated module reads like hand-written code.
import type { Storage } from '../../ir/storage.ts';
import { TensorType } from '../../ir/types.ts';
import { F32_NAN_BITS } from '../../numerics/float.ts';
import { dequantScales } from '../cpu/kernels/quant-matmul-all-reduce.ts';

export type { Storage } from '../../ir/storage.ts';
export { BF16_TO_F32, F16_TO_F32, bf16FromF32, bf16FromF64, f16FromF64 } from '../../numerics/float.ts';
export { packInt4 } from '../../numerics/int4.ts';
export { quantInt } from '../../numerics/quant.ts';
export { canonicalizeF32 } from '../cpu/element-access.ts';
export { sumRanks } from '../cpu/kernels/all-reduce.ts';
export { dynamicQuantRows } from '../cpu/kernels/dynamic-quant.ts';
export { int8Matmul, packB, rankOutput, reduceRanks, type PackedB } from '../cpu/kernels/quant-matmul-all-reduce.ts';

/** How generated modules import this file (they live in a directory beside it). */
export const RUNTIME_SPECIFIER = '../runtime.ts';

/** What a rank instance receives once, when it is created. */
export interface RankEnv {
  readonly rank: number;
  readonly worldSize: number;
  /** The data `prim.constant` statement `node` yields on this rank (never written to). */
  constant(node: number): Storage;
}

/** What one run of a rank receives. */
export interface RankIo {
  /** Runs statement `node` through the interpreter's kernel (ops the emitter does not specialise). */
  kernel(node: number, inputs: readonly (Storage | null)[]): Storage[] | Promise<Storage[]>;
  /** Every rank's `data`, in rank order (the collective of the run). */
  allGather(data: Storage): Promise<Storage[]>;
  /** The error to throw for a failure in the step of statement `node`. */
  fail(node: number, error: unknown): Error;
}

/** One run of a rank: one container per parameter in, one per graph result out (fresh ones). */
export type RankProgram = (inputs: readonly Storage[], io: RankIo) => Promise<Storage[]>;

/** The export of a generated module: creates a rank instance (its buffers and constants). */
export type Instantiate = (env: RankEnv) => RankProgram;

/** Float max of ir.md §6.2: NaN wins, +0 is above -0, otherwise the larger value exactly. */
export function fmax(x: number, y: number): number {
  if (x > y) return x;
  if (y > x) return y;
  return x === y ? (x === 0 ? x + y : x) : NaN;
}

/** Float min of ir.md §6.2: NaN wins, -0 is below +0, otherwise the smaller value exactly. */
export function fmin(x: number, y: number): number {
  if (x < y) return x;
  if (y < x) return y;
  return x === y ? (x === 0 ? -(-x - y) : x) : NaN;
}

/**
 * `rne` (round half to even, a zero keeping v's sign) for the values of float elements — at most
 * 24 significant bits, so every |v| >= 2^23 is integral — by the FPU's own rounding of
 * v + 1.5·2^52. Math.round, which `rne` builds on, is several times slower in hot loops.
 */
export function rne24(v: number): number {
  if (!(Math.abs(v) < 8388608)) return v; // integral already, ±Inf or NaN
  const r = v + 6755399441055744 - 6755399441055744;
  return r === 0 ? v * 0 : r;
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** Bits of an f32 value, the canonical quiet NaN for any NaN (a computed NaN, ir.md §1.1). */
export function f32BitsOf(v: number): number {
  if (v !== v) return F32_NAN_BITS;
  scratchF32[0] = v;
  return scratchU32[0]!;
}

/** The f32 container's bits, for code that moves or inspects f32 elements without reading them as numbers. */
export function u32View(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

/** Dequant scales of npu.quant_matmul_all_reduce as f32 values (u64/i64 words decoded). */
export function scalesOfWords(words: BigInt64Array | BigUint64Array): Float64Array {
  return dequantScales({ type: new TensorType([words.length], words instanceof BigInt64Array ? 'i64' : 'u64'), data: words });
}

export function scalesOfF32(x: Float32Array): Float64Array {
  return dequantScales({ type: new TensorType([x.length], 'f32'), data: x });
}

export function scalesOfBf16(x: Uint16Array): Float64Array {
  return dequantScales({ type: new TensorType([x.length], 'bf16'), data: x });
}
