// npu.moe_init_routing_quant (moe_init_routing_quant.md §2): stable sort of the (token, slot)
// pairs by expert id, scatter of the sorted positions by row_idx value, and a gather of the
// first min(N, active_num)·K rows quantized in float16 arithmetic:
//   s16 = f16(f32(scale)), o16 = f16(f32(offset)), h = f16(x), t = f16(h·s16), u = f16(t + o16)
//   y = quantInt(u, -128, 127)
import { ruleError } from '../../../ir/diagnostics.ts';
import { BF16_TO_F32, F16_TO_F32, f16FromF64, f16ToF64 } from '../../../numerics/float.ts';
import { quantI8 } from '../../../numerics/quant.ts';
import type { DType } from '../../../ir/dtype.ts';
import { allocTensor, type Storage, type Tensor } from '../../../ir/storage.ts';
import type { Kernel } from '../kernel.ts';

export interface MoeRouting {
  readonly expandedExpertIdx: Int32Array;
  readonly expandedRowIdx: Int32Array;
  /** row_idx values in sorted order; token of sorted entry d is sortedRowIdx[d] mod N. */
  readonly sortedRowIdx: Int32Array;
}

/** §2.1: the sort by expert id (ties keep the flattened position order) and the scatter. */
export function moeRouting(rowIdx: Int32Array, expertIdx: Int32Array): MoeRouting {
  const len = expertIdx.length;
  const order = Int32Array.from({ length: len }, (_, p) => p).sort((a, b) => expertIdx[a]! - expertIdx[b]! || a - b);
  const expandedExpertIdx = new Int32Array(len);
  const sortedRowIdx = new Int32Array(len);
  const expandedRowIdx = new Int32Array(len);
  for (let d = 0; d < len; d++) {
    expandedExpertIdx[d] = expertIdx[order[d]!]!;
    sortedRowIdx[d] = rowIdx[order[d]!]!;
    expandedRowIdx[sortedRowIdx[d]!] = d;
  }
  return { expandedExpertIdx, expandedRowIdx, sortedRowIdx };
}

/** The kernel's float16 quantization parameters: double -> f32 (op attribute) -> f16. */
export const moeQuantParam = (v: number): number => f16ToF64(f16FromF64(Math.fround(v)));

/** §2.3 on every element of x ([n, h] in `dtype`), giving the int8 rows. */
export function moeQuantRows(x: Storage, dtype: DType, scale: number, offset: number): Int8Array {
  const s16 = moeQuantParam(scale);
  const o16 = moeQuantParam(offset);
  const y = new Int8Array(x.length);
  const half = (v: number): number => F16_TO_F32[f16FromF64(v)]!; // one RNE rounding to f16
  for (let e = 0; e < x.length; e++) {
    // f32 -> f16 directly; bf16 -> f32 (exact) -> f16; an f16 x is used as it is.
    const h = dtype === 'f16' ? F16_TO_F32[(x as Uint16Array)[e]!]! : half(dtype === 'bf16' ? BF16_TO_F32[(x as Uint16Array)[e]!]! : (x as Float32Array)[e]!);
    // Products and sums of two f16 values are exact in float64: one rounding each, as in fp16.
    y[e] = quantI8(half(half(h * s16) + o16));
  }
  return y;
}

/** [moe_init_routing_quant.7] as a message, or null: row_idx a permutation, expert ids < 2^24. */
export function moeValueProblem(rowIdx: Int32Array, expertIdx: Int32Array, k: number): { what: string; got: string } | null {
  const len = rowIdx.length;
  const at = (p: number) => `[${Math.floor(p / k)}, ${p % k}]`;
  const seen = new Int32Array(len).fill(-1);
  for (let p = 0; p < len; p++) {
    const v = rowIdx[p]!;
    if (v < 0 || v >= len) return { what: `row_idx values must lie in [0, ${len}) (a permutation of 0..N·K-1)`, got: `${v} at ${at(p)}` };
    if (seen[v] !== -1) return { what: 'row_idx values must not repeat (a permutation of 0..N·K-1)', got: `${v} at ${at(seen[v]!)} and ${at(p)}` };
    seen[v] = p;
  }
  for (let p = 0; p < len; p++) {
    const v = expertIdx[p]!;
    if (v < 0 || v >= 2 ** 24) return { what: 'expert_idx values must lie in [0, 16777216)', got: `${v} at ${at(p)}` };
  }
  return null;
}

/** Kernel: results expanded_x, expanded_row_idx, expanded_expert_idx. */
export const moeInitRoutingQuantKernel: Kernel = (inputs, ctx) => {
  const [x, rowIdxT, expertIdxT] = inputs as [Tensor, Tensor, Tensor];
  const rowIdx = rowIdxT.data as Int32Array;
  const expertIdx = expertIdxT.data as Int32Array;
  const [n, h] = x.type.shape as [number, number];
  const k = rowIdxT.type.shape[1]!;
  const problem = moeValueProblem(rowIdx, expertIdx, k);
  if (problem) throw ruleError('RUNTIME', ctx.subject, 'moe_init_routing_quant.7', problem.what, problem.got);
  const routing = moeRouting(rowIdx, expertIdx);
  const [xType, rowType, expertType] = ctx.node.results.map((r) => r.type) as [Tensor['type'], Tensor['type'], Tensor['type']];
  const expandedX = allocTensor(xType);
  const rows = xType.shape[0]!;
  if (rows > 0 && h > 0) {
    const q = moeQuantRows(x.data, x.type.dtype, ctx.node.float('scale'), ctx.node.float('offset'));
    const out = expandedX.data as Int8Array;
    for (let d = 0; d < rows; d++) {
      const token = routing.sortedRowIdx[d]! % n;
      out.set(q.subarray(token * h, token * h + h), d * h);
    }
  }
  return [expandedX, { type: rowType, data: routing.expandedRowIdx }, { type: expertType, data: routing.expandedExpertIdx }];
};
