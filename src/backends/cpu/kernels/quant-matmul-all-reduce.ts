// npu.quant_matmul_all_reduce (quant_matmul_all_reduce.md §4, the definition). Per rank:
//   acc = x1 @ B (exact int32)  (+ bias, wrapping)  -> a = f32(acc) -> v = f32(a · scale_j)
//   (-> v = f32(v · pertoken_i)) -> y = round to out (-> + x3 in out's arithmetic)
// then every rank's y is gathered and summed in f32 in ascending rank order, rounded once.
//
// The int8 GEMM packs two columns of B into one float64 (b0 + b1·2^25): one multiply-add then
// does two exact multiply-accumulates. A k-block of 512 keeps each lane within ±2^23, so the
// packed sum stays exact (< 2^53) and splits back into its lanes without ambiguity.
import { BF16_TO_F32, F16_TO_F32, bf16FromF32Bits, f16FromF64, f32FromBits } from '../../../numerics/float.ts';
import { nzGeometry } from '../../../ir/layout.ts';
import type { Tensor } from '../../../ir/storage.ts';
import { numelOf, type TensorType } from '../../../ir/types.ts';
import type { Kernel } from '../kernel.ts';

const LANE = 2 ** 25;
const K_BLOCK = 512;
/** Rows of A converted to float64 at a time, and column pairs per cache block of B. */
const M_BLOCK = 64;
const PAIR_BLOCK = 32;

/** B ([k, n]) packed for the GEMM: column pairs as float64 rows of length k. */
export interface PackedB {
  readonly k: number;
  readonly n: number;
  /** Pair p (columns 2p, 2p+1) at [p·k, (p+1)·k); the pair count is padded to even. */
  readonly pairs: Float64Array;
}

/**
 * Packs B = transpose ? x2ᵀ : x2 from x2's storage, ND or NZ (read through the NZ index map,
 * layout.md §2.3, so padding is never read). `rows`, `cols` are x2's logical matrix shape.
 */
export function packB(x2: Int8Array, rows: number, cols: number, nzC0: number | null, transpose: boolean): PackedB {
  // x2 element (r, c) is at rowOff[r] + colOff[c].
  const rowOff = new Int32Array(rows);
  const colOff = new Int32Array(cols);
  if (nzC0 === null) {
    for (let r = 0; r < rows; r++) rowOff[r] = r * cols;
    for (let c = 0; c < cols; c++) colOff[c] = c;
  } else {
    const g = nzGeometry([rows, cols], nzC0);
    for (let r = 0; r < rows; r++) rowOff[r] = r * nzC0;
    for (let c = 0; c < cols; c++) colOff[c] = Math.floor(c / nzC0) * g.colStride + (c % nzC0);
  }
  const [tOff, jOff] = transpose ? [colOff, rowOff] : [rowOff, colOff];
  const k = tOff.length;
  const n = jOff.length;
  const np = Math.ceil(n / 4) * 2;
  const pairs = new Float64Array(np * k);
  for (let p = 0; p < np; p++) {
    const j0 = 2 * p;
    const base = p * k;
    const o0 = j0 < n ? jOff[j0]! : -1;
    const o1 = j0 + 1 < n ? jOff[j0 + 1]! : -1;
    for (let t = 0; t < k; t++) {
      const b0 = o0 < 0 ? 0 : x2[tOff[t]! + o0]!;
      const b1 = o1 < 0 ? 0 : x2[tOff[t]! + o1]!;
      pairs[base + t] = b0 + b1 * LANE;
    }
  }
  return { k, n, pairs };
}

/** Exact int32 product A ([m, k] int8, row-major) · B: an [m, n] Int32Array. */
export function int8Matmul(a: Int8Array, m: number, b: PackedB): Int32Array {
  const { k, n, pairs } = b;
  const np = pairs.length / Math.max(k, 1);
  const c = new Int32Array(m * n);
  const panel = new Float64Array(M_BLOCK * K_BLOCK);
  for (let i0 = 0; i0 < m; i0 += M_BLOCK) {
    const rows = Math.min(M_BLOCK, m - i0);
    const rowsPadded = Math.ceil(rows / 4) * 4;
    for (let k0 = 0; k0 < k; k0 += K_BLOCK) {
      const kl = Math.min(K_BLOCK, k - k0);
      // A[i0.., k0..k0+kl) as float64 rows of stride kl; padding rows are zero.
      for (let r = 0; r < rowsPadded; r++) {
        const src = (i0 + r) * k + k0;
        for (let t = 0; t < kl; t++) panel[r * kl + t] = r < rows ? a[src + t]! : 0;
      }
      for (let p0 = 0; p0 < np; p0 += PAIR_BLOCK) {
        const p1 = Math.min(np, p0 + PAIR_BLOCK);
        for (let r = 0; r < rowsPadded; r += 4) {
          for (let p = p0; p < p1; p += 2) microKernel(panel, r * kl, kl, pairs, p * k + k0, k, c, i0 + r, rows - r, 2 * p, n);
        }
      }
    }
  }
  return c;
}

/** 4 rows × 2 column pairs over one k-block; adds the split lanes into c. */
function microKernel(panel: Float64Array, a0: number, kl: number, pairs: Float64Array, b0: number, k: number, c: Int32Array, i: number, rowsLeft: number, j: number, n: number): void {
  const a1 = a0 + kl;
  const a2 = a1 + kl;
  const a3 = a2 + kl;
  const b1 = b0 + k;
  let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
  for (let t = 0; t < kl; t++) {
    const w0 = pairs[b0 + t]!;
    const w1 = pairs[b1 + t]!;
    const x0 = panel[a0 + t]!;
    const x1 = panel[a1 + t]!;
    const x2 = panel[a2 + t]!;
    const x3 = panel[a3 + t]!;
    s00 += x0 * w0;
    s01 += x0 * w1;
    s10 += x1 * w0;
    s11 += x1 * w1;
    s20 += x2 * w0;
    s21 += x2 * w1;
    s30 += x3 * w0;
    s31 += x3 * w1;
  }
  addLanes(c, i, j, n, s00, s01);
  if (rowsLeft > 1) addLanes(c, i + 1, j, n, s10, s11);
  if (rowsLeft > 2) addLanes(c, i + 2, j, n, s20, s21);
  if (rowsLeft > 3) addLanes(c, i + 3, j, n, s30, s31);
}

/** Splits two packed sums (columns j..j+3) into their lanes and adds them to row i of c. */
function addLanes(c: Int32Array, i: number, j: number, n: number, s0: number, s1: number): void {
  const at = i * n + j;
  const h0 = Math.round(s0 / LANE);
  const h1 = Math.round(s1 / LANE);
  c[at] = (c[at]! + (s0 - h0 * LANE)) | 0;
  if (j + 1 < n) c[at + 1] = (c[at + 1]! + h0) | 0;
  if (j + 2 < n) c[at + 2] = (c[at + 2]! + (s1 - h1 * LANE)) | 0;
  if (j + 3 < n) c[at + 3] = (c[at + 3]! + h1) | 0;
}

/** The per-column dequant scales as f32 values: u64/i64 decoded (low word & 0xFFFFE000). */
export function dequantScales(scale: Tensor): Float64Array {
  const d = scale.data;
  if (scale.type.dtype === 'u64' || scale.type.dtype === 'i64') {
    const words = d as BigInt64Array | BigUint64Array;
    return Float64Array.from(words, (w) => f32FromBits(Number(BigInt.asUintN(32, w)) & 0xffffe000));
  }
  if (scale.type.dtype === 'bf16') return Float64Array.from(d as Uint16Array, (b) => BF16_TO_F32[b]!);
  return Float64Array.from(d as Float32Array);
}

export interface RankEpilogue {
  readonly outIsBf16: boolean;
  /** Length 1 (per tensor) or n. */
  readonly scales: Float64Array;
  readonly pertoken: Float32Array | null;
  readonly bias: Int32Array | null;
  /** Bits of out's dtype, [m, n]. */
  readonly x3: Uint16Array | null;
}

/** One rank's Y_r (bits of out's dtype) from its int32 product, §4 in order. */
export function rankOutput(acc: Int32Array, m: number, n: number, e: RankEpilogue): Uint16Array {
  const y = new Uint16Array(m * n);
  const row = new Float32Array(n);
  const rowBits = new Uint32Array(row.buffer);
  const table = e.outIsBf16 ? BF16_TO_F32 : F16_TO_F32;
  const perTensor = e.scales.length === 1;
  for (let i = 0; i < m; i++) {
    const pt = e.pertoken ? e.pertoken[i]! : 1;
    for (let j = 0; j < n; j++) {
      let v = acc[i * n + j]!;
      if (e.bias) v = (v + e.bias[j]!) | 0;
      v = Math.fround(Math.fround(v) * e.scales[perTensor ? 0 : j]!);
      if (e.pertoken) v = Math.fround(v * pt);
      row[j] = v; // exact: v is an f32 value
    }
    const base = i * n;
    if (e.outIsBf16) for (let j = 0; j < n; j++) y[base + j] = bf16FromF32Bits(rowBits[j]!);
    else for (let j = 0; j < n; j++) y[base + j] = f16FromF64(row[j]!);
    if (e.x3) {
      // f16: the exact sum rounded once; bf16: both widened, f32 add, then rounded to bf16.
      for (let j = 0; j < n; j++) {
        const s = table[y[base + j]!]! + table[e.x3[base + j]!]!;
        y[base + j] = e.outIsBf16 ? bf16OfSum(s) : f16FromF64(s);
      }
    }
  }
  return y;
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** bf16_rne(f32(s)): the f32 add (exact sum rounded once to f32), then CAST_RINT. */
function bf16OfSum(s: number): number {
  scratch[0] = s;
  return bf16FromF32Bits(scratchBits[0]!);
}

/** Σ_r Y_r in f32, ascending rank order from +0, then one rounding to out's dtype. */
export function reduceRanks(ys: readonly Uint16Array[], outIsBf16: boolean): Uint16Array {
  const len = ys[0]?.length ?? 0;
  const table = outIsBf16 ? BF16_TO_F32 : F16_TO_F32;
  const sum = new Float32Array(len); // each store rounds to f32
  for (const y of ys) for (let e = 0; e < len; e++) sum[e] = sum[e]! + table[y[e]!]!;
  const out = new Uint16Array(len);
  const bits = new Uint32Array(sum.buffer);
  if (outIsBf16) for (let e = 0; e < len; e++) out[e] = bf16FromF32Bits(bits[e]!);
  else for (let e = 0; e < len; e++) out[e] = f16FromF64(sum[e]!);
  return out;
}

/** Kernel: operands x1, x2, dequant_scale, pertoken_scale?, bias?, x3?; result out. */
export const quantMatmulAllReduceKernel: Kernel = async (inputs, ctx) => {
  const [x1, x2, scale, pertoken, bias, x3] = inputs as [Tensor, Tensor, Tensor, Tensor | null, Tensor | null, Tensor | null];
  const outType: TensorType = ctx.node.results[0]!.type;
  const transpose = ctx.node.bool('transpose_x2');
  const [rows, cols] = x2.type.shape as [number, number];
  const packed = packB(x2.data as Int8Array, rows, cols, x2.type.layout.kind === 'nz' ? x2.type.layout.c0 : null, transpose);
  const m = numelOf(x1.type.shape.slice(0, -1));
  const acc = int8Matmul(x1.data as Int8Array, m, packed);
  const outIsBf16 = outType.dtype === 'bf16';
  const y = rankOutput(acc, m, packed.n, {
    outIsBf16,
    scales: dequantScales(scale),
    pertoken: (pertoken?.data as Float32Array) ?? null,
    bias: (bias?.data as Int32Array) ?? null,
    x3: (x3?.data as Uint16Array) ?? null,
  });
  const all = await ctx.collective.allGather(ctx.rank, y);
  return [{ type: outType, data: reduceRanks(all as Uint16Array[], outIsBf16) }];
};
