// Reference npu.quant_matmul_all_reduce: the canonical per-rank algorithm of
// quant_matmul_all_reduce.md §4 over the list of every rank's inputs, summed in f32 in ascending
// rank order and rounded once.
import { bf16ToF32, f16ToF64 } from '../../../src/numerics/float.ts';
import { f32, f32FromBits, toBf16, toF16 } from './numerics.ts';

/** dequantScale: packed u64/i64 words, f32 values, or bf16 bits; length 1 or n. */
export type RefScale = { readonly kind: 'packed'; readonly words: readonly bigint[] } | { readonly kind: 'f32'; readonly values: readonly number[] } | { readonly kind: 'bf16'; readonly bits: readonly number[] };

export interface RefRank {
  /** [M, k] row-major (x1 reshaped to 2-D). */
  readonly x1: readonly number[];
  /** x2's stored matrix, row-major: [k, n], or [n, k] when transposeX2. */
  readonly x2: readonly number[];
  readonly scale: RefScale;
  readonly pertoken: readonly number[] | null;
  readonly bias: readonly number[] | null;
  /** out-dtype bits, [M, n]. */
  readonly x3: readonly number[] | null;
}

/** §3 decoding: f32 from the low 32 bits with the low 13 bits cleared. */
export const decodeScaleWord = (w: bigint): number => f32FromBits(Number(BigInt.asUintN(32, w) & 0xffffe000n));

function scaleAt(s: RefScale, j: number): number {
  if (s.kind === 'packed') return decodeScaleWord(s.words[s.words.length === 1 ? 0 : j]!);
  if (s.kind === 'f32') return f32(s.values[s.values.length === 1 ? 0 : j]!);
  return bf16ToF32(s.bits[s.bits.length === 1 ? 0 : j]!);
}

/** Every rank's Y_r (out-dtype bits, [M, n]) and the reduced output (bits, [M, n]). */
export function refQuantMatmulAllReduce(ranks: readonly RefRank[], m: number, k: number, n: number, outDtype: 'f16' | 'bf16', transposeX2: boolean): { perRank: number[][]; out: number[] } {
  const outRound = outDtype === 'f16' ? toF16 : toBf16;
  const widenOut = outDtype === 'f16' ? f16ToF64 : bf16ToF32;
  const perRank = ranks.map((r) => {
    const b = (t: number, j: number) => (transposeX2 ? r.x2[j * k + t]! : r.x2[t * n + j]!);
    const y: number[] = [];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let t = 0; t < k; t++) acc += r.x1[i * k + t]! * b(t, j); // exact: |acc| < 2^31
        if (r.bias) acc = (acc + r.bias[j]!) | 0; // int32 wrap
        const a = f32(acc);
        let v = f32(a * scaleAt(r.scale, j));
        if (r.pertoken) v = f32(v * f32(r.pertoken[i]!));
        let yb = outRound(v);
        if (r.x3) {
          const x3 = r.x3[i * n + j]!;
          yb = outDtype === 'f16' ? toF16(f16ToF64(yb) + f16ToF64(x3)) : toBf16(f32(bf16ToF32(yb) + bf16ToF32(x3)));
        }
        y.push(yb);
      }
    }
    return y;
  });
  const out: number[] = [];
  for (let e = 0; e < m * n; e++) {
    let s = 0;
    for (const y of perRank) s = f32(s + f32(widenOut(y[e]!)));
    out.push(outRound(s));
  }
  return { perRank, out };
}
