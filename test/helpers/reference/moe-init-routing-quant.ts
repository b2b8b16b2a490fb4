// Reference npu.moe_init_routing_quant (moe_init_routing_quant.md §2): sort by expert id with
// ties in flattened-position order, scatter by row_idx value, gather the first min(N, active)·K
// rows and quantize them in float16 arithmetic.
import { f16FromF64, f16ToF64 } from '../../../src/numerics/float.ts';
import { f32, quantInt, widen, type FloatDType } from './numerics.ts';

export interface MoeRef {
  /** [min(N, active)·K, H] int8 values. */
  readonly expandedX: number[];
  readonly expandedRowIdx: number[];
  readonly expandedExpertIdx: number[];
}

/** f16_rne of a number, as a value. */
const half = (v: number): number => f16ToF64(f16FromF64(v));

/** §2.3 for one element (raw: f16/bf16 bits or an f32 value). */
export function refMoeQuant(raw: number, dtype: FloatDType, scale: number, offset: number): number {
  const s16 = half(f32(scale)); // double -> f32 (the attribute) -> f16 (the kernel)
  const o16 = half(f32(offset));
  const h = dtype === 'f16' ? widen('f16', raw) : half(widen(dtype, raw));
  const t = half(h * s16);
  const u = half(t + o16);
  return quantInt(u, -128, 127);
}

/** x: [N, H] raw elements; rowIdx, expertIdx: [N, K] row-major. */
export function refMoeInitRoutingQuant(x: readonly number[], dtype: FloatDType, n: number, h: number, rowIdx: readonly number[], expertIdx: readonly number[], k: number, activeNum: number, scale: number, offset: number): MoeRef {
  const len = n * k;
  // Stable by construction: every expert id in ascending order, its positions in ascending p.
  const ids = [...new Set(expertIdx)].sort((a, b) => a - b);
  const order: number[] = [];
  for (const id of ids) for (let p = 0; p < len; p++) if (expertIdx[p] === id) order.push(p);
  const expandedExpertIdx = order.map((p) => expertIdx[p]!);
  const sortedRowIdx = order.map((p) => rowIdx[p]!);
  const expandedRowIdx = new Array<number>(len).fill(-1);
  sortedRowIdx.forEach((v, d) => (expandedRowIdx[v] = d));
  const rows = Math.min(n, activeNum) * k;
  const expandedX: number[] = [];
  for (let d = 0; d < rows; d++) {
    const src = sortedRowIdx[d]! % n;
    for (let c = 0; c < h; c++) expandedX.push(refMoeQuant(x[src * h + c]!, dtype, scale, offset));
  }
  return { expandedX, expandedRowIdx, expandedExpertIdx };
}
