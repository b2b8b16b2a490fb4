import { describe, expect, it } from 'vitest';
import { int8Matmul, packB, quantMatmulAllReduceKernel, rankOutput } from '../../../../src/backends/cpu/kernels/quant-matmul-all-reduce.ts';
import type { DType } from '../../../../src/ir/dtype.ts';
import { ND, nz, type Layout } from '../../../../src/ir/layout.ts';
import type { Tensor } from '../../../../src/ir/storage.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { BF16_TO_F32, F16_TO_F32, bf16FromF32, bf16FromF64, f16FromF64, f16ToF64, f32FromBits } from '../../../../src/numerics/float.ts';
import { bitsOf, runRanks, tensor } from './npu-harness.ts';

type Operands = [Tensor, Tensor, Tensor, Tensor | null, Tensor | null, Tensor | null];

async function qmm(perRank: Operands[], outDtype: 'f16' | 'bf16', transposeX2 = false): Promise<number[][]> {
  const [x1, x2] = perRank[0]!;
  const n = x2.type.shape[transposeX2 ? 0 : 1]!;
  const out = new TensorType([...x1.type.shape.slice(0, -1), n], outDtype);
  const { outputs } = await runRanks(quantMatmulAllReduceKernel, 'npu.quant_matmul_all_reduce', perRank, { out_dtype: outDtype, transpose_x2: transposeX2 }, [out]);
  return outputs.map((o) => [...(o[0]!.data as Uint16Array)]);
}

const i8 = (shape: number[], v: number[], layout: Layout = ND) => tensor(shape, 'i8', new Int8Array(v), layout);
const values = (bits: number[], dtype: 'f16' | 'bf16') => bits.map((b) => (dtype === 'f16' ? F16_TO_F32 : BF16_TO_F32)[b]!);

// quant_matmul_all_reduce.md §7
const X1 = [[1, 2, 3, -1, 0, 4], [0, 1, 0, 2, 2, 2]];
const X2 = [[1, 0, 0, 1, 2, -1], [3, 1, -1, 0, 0, 2]];
const BIAS = [[10, -5], [0, 1]];

describe('npu.quant_matmul_all_reduce, §7 worked examples (world size 2)', () => {
  it('A: f16 output, pertensor u64-packed scale npu_trans_quant_param(0.1)', async () => {
    const scale = tensor([1], 'i64', new BigInt64Array([70369781006336n]));
    const ranks = [0, 1].map((r): Operands => [i8([2, 3], X1[r]!), i8([3, 2], X2[r]!), scale, null, tensor([2], 'i32', new Int32Array(BIAS[r]!)), null]);
    const outs = await qmm(ranks, 'f16');
    expect(values(outs[0]!, 'f16')).toEqual([1.599609375, -0.49951171875, 2.099609375, -0.2001953125]);
    expect(outs[1]).toEqual(outs[0]); // identical on every rank
    // x3 = [[1, 0], [0, 0.5]] on both ranks is added twice.
    const x3 = tensor([2, 2], 'f16', bitsOf([1, 0, 0, 0.5], f16FromF64));
    const withX3 = await qmm(ranks.map((o): Operands => [o[0], o[1], o[2], null, o[4], x3]), 'f16');
    expect(values(withX3[0]!, 'f16')).toEqual([3.599609375, -0.49951171875, 2.099609375, 0.79931640625]);
  });

  it('B: bf16 output, perchannel bf16 scale, pertoken after the scale, x3 per rank', async () => {
    const scale = tensor([2], 'bf16', bitsOf([0.5, 0.30078125], bf16FromF64));
    const pertoken = [[1, 0.5], [2, 0.25]];
    const x3 = tensor([2, 2], 'bf16', bitsOf([0.10009766, 0.20019531, 0.30078125, -0.40039062], bf16FromF64));
    const ranks = [0, 1].map((r): Operands => [i8([2, 3], X1[r]!), i8([3, 2], X2[r]!), scale, tensor([2], 'f32', new Float32Array(pertoken[r]!)), tensor([2], 'i32', new Int32Array(BIAS[r]!)), x3]);
    const outs = await qmm(ranks, 'bf16');
    expect(values(outs[0]!, 'bf16')).toEqual([7.71875, -0.80078125, 5.375, -1.625]);
    expect(outs[1]).toEqual(outs[0]);
    // Rank 0's Y before the reduction: [[8.625, -1.6015625], [4.5625, -1.75]].
    const y0 = rankOutput(new Int32Array([7, -1, 7, -4]), 2, 2, {
      outIsBf16: true,
      scales: Float64Array.from([0.5, 0.30078125]),
      pertoken: new Float32Array([1, 0.5]),
      bias: new Int32Array([10, -5]),
      x3: x3.data as Uint16Array,
    });
    expect(values([...y0], 'bf16')).toEqual([8.625, -1.6015625, 4.5625, -1.75]);
  });
});

describe('npu.quant_matmul_all_reduce, accumulator and scales', () => {
  it('acc + bias wraps in int32 before the conversion to f32', async () => {
    const one = tensor([1], 'bf16', bitsOf([1], bf16FromF64));
    const [out] = await qmm([[i8([1, 1], [127]), i8([1, 1], [127]), one, null, tensor([1], 'i32', new Int32Array([2147483647])), null]], 'bf16');
    // 16129 + 2147483647 wraps to -2147467520, which rounds to -2^31 in f32 and bf16.
    expect(out).toEqual([0xcf00]);
  });

  it('u64 and i64 scales decode the low word masked with 0xFFFFE000, ignoring the high bits', async () => {
    const x1 = i8([1, 1], [1]);
    const x2 = i8([1, 2], [1, 1]);
    const words = [0x00007fa0_3dcccccdn, 0xffffffff_3f801fffn]; // 0.1 with offset bits; 1.0 with noise
    const u = await qmm([[x1, x2, tensor([2], 'u64', new BigUint64Array(words)), null, null, null]], 'f16');
    const s = await qmm([[x1, x2, tensor([1, 2], 'i64', new BigInt64Array(words.map((w) => BigInt.asIntN(64, w)))), null, null, null]], 'f16');
    expect(u[0]).toEqual([f16FromF64(f32FromBits(0x3dccc000)), 0x3c00]);
    expect(s[0]).toEqual(u[0]);
  });

  it('NaN and Inf in the scales propagate; the NaN is canonical', async () => {
    const x1 = i8([1, 1], [2]);
    const x2 = i8([1, 3], [1, 1, 0]);
    const scale = tensor([3], 'f32', new Float32Array([NaN, Infinity, Infinity]));
    const [out] = await qmm([[x1, x2, scale, tensor([1], 'f32', new Float32Array([1])), null, null]], 'f16');
    expect(out).toEqual([0x7e00, 0x7c00, 0x7e00]); // 0·Inf = NaN
  });
});

/** Deterministic int8 data including both extremes. */
const int8Data = (n: number, seed: number) => Array.from({ length: n }, (_, e) => (e % 17 === 0 ? -128 : e % 13 === 0 ? 127 : ((Math.imul(e + 1, 2654435761 + seed) >>> 24) & 255) - 128));

function naiveMatmul(a: number[], b: number[], m: number, k: number, n: number, transpose: boolean): number[] {
  const c: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t]! * (transpose ? b[j * k + t]! : b[t * n + j]!);
      c.push(s);
    }
  return c;
}

/** NZ storage written out from layout.md §2.3, padding filled with `pad`. */
function toNz(v: number[], rows: number, cols: number, pad: number): Int8Array {
  const n1 = Math.ceil(cols / 32);
  const m1 = Math.ceil(rows / 16);
  const out = new Int8Array(n1 * m1 * 16 * 32).fill(pad);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[Math.floor(j / 32) * (m1 * 16 * 32) + i * 32 + (j % 32)] = v[i * cols + j]!;
  return out;
}

describe('int8 GEMM (packed float64 lanes) against a plain triple loop', () => {
  for (const [m, k, n] of [
    [1, 1, 1],
    [5, 1100, 7],
    [9, 513, 70],
    [4, 32, 4],
  ] as const) {
    it(`${m} x ${k} x ${n}, ND, transposed ND, NZ and transposed NZ`, () => {
      const a = int8Data(m * k, 1);
      const b = int8Data(k * n, 2);
      const bt = Array.from({ length: n * k }, (_, e) => b[(e % k) * n + Math.floor(e / k)]!); // [n, k]
      const expected = naiveMatmul(a, b, m, k, n, false);
      const A = Int8Array.from(a);
      expect([...int8Matmul(A, m, packB(Int8Array.from(b), k, n, null, false))]).toEqual(expected);
      expect([...int8Matmul(A, m, packB(Int8Array.from(bt), n, k, null, true))]).toEqual(expected);
      expect([...int8Matmul(A, m, packB(toNz(b, k, n, 77), k, n, 32, false))]).toEqual(expected);
      expect([...int8Matmul(A, m, packB(toNz(bt, n, k, -99), n, k, 32, true))]).toEqual(expected);
    });
  }

  it('the extreme |acc| of k = 65535 stays exact', () => {
    const k = 65535;
    const a = new Int8Array(2 * k).fill(-128);
    a.fill(127, k);
    const b = new Int8Array(k * 2).fill(-128);
    const c = int8Matmul(a, 2, packB(b, k, 2, null, false));
    expect([...c]).toEqual([k * 16384, k * 16384, -k * 16256, -k * 16256]);
  });
});

/** §4 written out plainly for one output element list. */
function referenceQmm(ranks: { acc: number[]; bias: number[] | null; scale: number[]; pertoken: number[] | null; x3: number[] | null }[], m: number, n: number, out: DType): number[] {
  const round = (v: number) => (out === 'f16' ? f16FromF64(v) : bf16FromF32(Math.fround(v)));
  const value = (bits: number) => (out === 'f16' ? f16ToF64(bits) : BF16_TO_F32[bits]!);
  const res: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (const r of ranks) {
        let acc = r.acc[i * n + j]!;
        if (r.bias) acc = (acc + r.bias[j]!) | 0;
        let v = Math.fround(Math.fround(acc) * r.scale[r.scale.length === 1 ? 0 : j]!);
        if (r.pertoken) v = Math.fround(v * r.pertoken[i]!);
        let y = round(v);
        if (r.x3) y = out === 'f16' ? f16FromF64(value(y) + value(r.x3[i * n + j]!)) : bf16FromF32(Math.fround(value(y) + value(r.x3[i * n + j]!)));
        s = Math.fround(s + value(y));
      }
      res.push(round(s));
    }
  return res;
}

describe('npu.quant_matmul_all_reduce against §4 written out', () => {
  for (const [outDtype, layout, transpose] of [
    ['f16', 'nd', false],
    ['bf16', 'nz', false],
    ['f16', 'nz', true],
    ['bf16', 'nd', true],
  ] as const) {
    it(`${outDtype}, x2 ${layout}${transpose ? ', transposed' : ''}, 3-D x1, bias, pertoken, x3, 4 ranks`, async () => {
      const [b, s, k, n] = [2, 3, 40, 37];
      const m = b * s;
      const ranks = [0, 1, 2, 3].map((r) => {
        const a = int8Data(m * k, 10 + r);
        const w = int8Data(k * n, 20 + r); // logical B [k, n]
        const stored = transpose ? Array.from({ length: n * k }, (_, e) => w[(e % k) * n + Math.floor(e / k)]!) : w;
        const [rows, cols] = transpose ? [n, k] : [k, n];
        const x2 = layout === 'nz' ? tensor([rows, cols], 'i8', toNz(stored, rows, cols, 55), nz(32)) : i8([rows, cols], stored);
        const scale = Array.from({ length: n }, (_, j) => (outDtype === 'f16' ? Math.fround(0.001 * (j + 1 + r)) : BF16_TO_F32[bf16FromF64(0.001 * (j + 1 + r))]!));
        const pertoken = Array.from({ length: m }, (_, i) => Math.fround(0.5 + i * 0.37 - r * 0.1));
        const bias = Array.from({ length: n }, (_, j) => (j % 3 === 0 ? 2147480000 : -j * 1000 * (r + 1)));
        const to = outDtype === 'f16' ? f16FromF64 : bf16FromF64;
        const x3 = Array.from({ length: m * n }, (_, e) => to(Math.sin(e + r) * 50));
        const operands: Operands = [
          i8([b, s, k], a),
          x2,
          outDtype === 'f16' ? tensor([n], 'f32', new Float32Array(scale)) : tensor([1, n], 'bf16', bitsOf(scale, bf16FromF64)),
          tensor([m], 'f32', new Float32Array(pertoken)),
          tensor([n], 'i32', new Int32Array(bias)),
          tensor([b, s, n], outDtype, new Uint16Array(x3)),
        ];
        return { operands, ref: { acc: naiveMatmul(a, w, m, k, n, false), bias, scale, pertoken, x3 } };
      });
      const outs = await qmm(ranks.map((r) => r.operands), outDtype, transpose);
      const expected = referenceQmm(ranks.map((r) => r.ref), m, n, outDtype);
      for (const o of outs) expect(o).toEqual(expected);
    });
  }
});

describe('NZ padding poison', () => {
  it('garbage in the NZ padding of x2 changes nothing', async () => {
    const [m, k, n] = [3, 20, 33];
    const a = i8([m, k], int8Data(m * k, 5));
    const w = int8Data(k * n, 6);
    const scale = tensor([1], 'u64', new BigUint64Array([0x00004000_3c000000n])); // 2^-7
    const clean = await qmm([[a, tensor([k, n], 'i8', toNz(w, k, n, 0), nz(32)), scale, null, null, null]], 'f16');
    const dirty = await qmm([[a, tensor([k, n], 'i8', toNz(w, k, n, -128), nz(32)), scale, null, null, null]], 'f16');
    const nd = await qmm([[a, i8([k, n], w), scale, null, null, null]], 'f16');
    expect(dirty).toEqual(clean);
    expect(nd).toEqual(clean);
  });
});
