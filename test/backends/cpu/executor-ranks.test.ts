import { describe, expect, it } from 'vitest';
import { run } from '../../../src/backends/cpu/executor.ts';
import type { RunMode, RunResult } from '../../../src/backends/backend.ts';
import { Builder } from '../../../src/ir/builder.ts';
import { FractalError } from '../../../src/ir/diagnostics.ts';
import type { Tensor } from '../../../src/ir/storage.ts';
import { TensorType } from '../../../src/ir/types.ts';
import { f16FromF64, f16ToF64 } from '../../../src/numerics/float.ts';

const MODES: RunMode[] = ['inline', 'workers'];
const SIZES = [1, 2, 4, 8];
const t23 = new TensorType([2, 3], 'f32');

// Rank r's feed and per-rank constant: values whose f32 sums round differently in other orders.
const feedOf = (r: number) => Float32Array.from({ length: 6 }, (_, i) => 0.1 * (r + 1) + 1e-3 * i);
const weightOf = (r: number) => Float32Array.from({ length: 6 }, (_, i) => (r % 2 ? -1 : 1) * (1 + 2 ** -20 * (i + r)) * 3 ** r);
const intOf = (r: number) => new Int32Array([2147483647, -r, r * 1000]);

/**
 * world_size n: s = x + w (w a per_rank constant), all-reduced in f32 and, cast to f16, in f16;
 * a per_rank i32 constant all-reduced with wrap-around.
 */
function tpGraph(n: number) {
  const b = Builder.graph('tp', { worldSize: n });
  const x = b.param(t23, 'x');
  const w = b.constant(new TensorType([n, 2, 3], 'f32'), { kind: 'dense', data: Float32Array.from({ length: 6 * n }, (_, k) => weightOf(Math.floor(k / 6))[k % 6]!) }, { perRank: true, hint: 'w' });
  const ints = b.constant(new TensorType([n, 3], 'i32'), { kind: 'dense', data: Int32Array.from({ length: 3 * n }, (_, k) => intOf(Math.floor(k / 3))[k % 3]!) }, { perRank: true, hint: 'c' });
  const s = b.prim.add(x, w, 's');
  b.return(b.comm.allReduce(s, 'sum32'), b.comm.allReduce(b.prim.cast(s, 'f16', 'h'), 'sum16'), b.comm.allReduce(ints, 'isum'));
  return b.module;
}

/** ir.md §5.4, computed here: f32 accumulation from +0 in ascending rank order, one final rounding. */
function expected(n: number) {
  const sum32 = new Float32Array(6);
  const sum16 = new Uint16Array(6);
  for (let i = 0; i < 6; i++) {
    let a = 0;
    let h = 0;
    for (let r = 0; r < n; r++) {
      const s = Math.fround(feedOf(r)[i]! + weightOf(r)[i]!);
      a = Math.fround(a + s);
      h = Math.fround(h + f16ToF64(f16FromF64(s)));
    }
    sum32[i] = a;
    sum16[i] = f16FromF64(h);
  }
  const isum = new Int32Array(3);
  for (let r = 0; r < n; r++) intOf(r).forEach((v, i) => (isum[i] = (isum[i]! + v) | 0));
  return [sum32, sum16, isum];
}

const bytes = (t: Tensor) => [...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)];

describe('ranks: comm.all_reduce with per-rank feeds and constants', () => {
  for (const n of SIZES) {
    it(`world_size ${n}: both modes give the spec's bits on every rank`, { timeout: 120_000 }, async () => {
      const want = expected(n);
      const results: RunResult[] = [];
      for (const mode of MODES) {
        const feeds = { x: Array.from({ length: n }, (_, r) => feedOf(r)) };
        const r = await run(tpGraph(n), feeds, { mode });
        expect(r.outputs).toHaveLength(n);
        for (const rank of r.outputs) rank.forEach((t, i) => expect([...t.data]).toEqual([...want[i]!]));
        results.push(r);
      }
      expect(results[1]!.outputs.map((rank) => rank.map(bytes))).toEqual(results[0]!.outputs.map((rank) => rank.map(bytes)));
      expect(results[1]!.stats).toEqual(results[0]!.stats);
    });
  }

  it('feeds one tensor to every rank when it is not an array', async () => {
    const r = await run(tpGraph(2), { x: feedOf(0) }, { mode: 'inline' });
    const s = (rank: number, i: number) => Math.fround(feedOf(0)[i]! + weightOf(rank)[i]!);
    expect([...r.outputs[1]![0]!.data]).toEqual([0, 1, 2, 3, 4, 5].map((i) => Math.fround(s(0, i) + s(1, i))));
  });
});

/** Rank `bad` gathers index 7 of a 4-row x ([prim.8]) while the others wait at the all-reduce. */
function failingGraph(n: number, bad: number) {
  const b = Builder.graph('fail', { worldSize: n });
  const x = b.param(new TensorType([4], 'f32'), 'x');
  const idx = b.constant(new TensorType([n, 2], 'i32'), { kind: 'dense', data: Int32Array.from({ length: 2 * n }, (_, k) => (k === 2 * bad + 1 ? 7 : k % 2)) }, { perRank: true, hint: 'idx' });
  b.return(b.comm.allReduce(b.prim.gather(x, idx, 0, 'g'), 'y'));
  return b.module;
}

async function failure(p: Promise<unknown>): Promise<FractalError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FractalError);
    return e as FractalError;
  }
  throw new Error('expected the run to fail');
}

describe('ranks: a failing rank', () => {
  for (const mode of MODES) {
    it(`${mode}: the run fails with that rank's error and nobody hangs`, { timeout: 120_000 }, async () => {
      for (const [n, bad] of [[2, 1], [4, 0], [4, 3]] as const) {
        const e = await failure(run(failingGraph(n, bad), { x: new Float32Array([1, 2, 3, 4]) }, { mode }));
        expect(e.code).toBe('RUNTIME');
        expect(e.rule).toBe('prim.8');
        expect(e.message).toMatch(new RegExp(`^rank ${bad}: prim\\.gather %g: \\[prim\\.8\\] .*, got 7`));
      }
    });
  }

  it('workers: a feed error is reported before any worker starts', async () => {
    const e = await failure(run(failingGraph(2, 1), { x: new Float32Array(3) }, { mode: 'workers' }));
    expect(e.rule).toBe('ir.8');
  });
});

describe('ranks: warnings', () => {
  for (const mode of MODES) {
    it(`${mode}: per-rank warnings come prefixed, in rank order`, { timeout: 60_000 }, async () => {
      const b = Builder.graph('pack', { worldSize: 2 });
      // Rank 0's weight holds 100 (outside [-8, 7]); rank 1's holds -9 and 8.
      const w = b.constant(new TensorType([2, 1, 8], 'i32'), { kind: 'dense', data: new Int32Array([100, 0, 0, 0, 0, 0, 0, 0, -9, 8, 0, 0, 0, 0, 0, 0]) }, { perRank: true, hint: 'w' });
      b.return(b.npu.convertWeightToInt4Pack(w, { outDtype: 'i32', hint: 'w4' }));
      const r = await run(b.module, {}, { mode });
      expect(r.outputs.map((o) => [...o[0]!.data])).toEqual([[4], [0x87]]); // 100 & 0xF = 4; -9 -> 7, 8 -> 8 in nibble 1
      expect(r.warnings.map((w) => w.rule)).toEqual(['convert_weight_to_int4pack.9', 'convert_weight_to_int4pack.9']);
      expect(r.warnings[0]!.message).toMatch(/^rank 0: npu\.convert_weight_to_int4_pack %w4: \[convert_weight_to_int4pack\.9\] .*\(1 elements?\), got 100 at \[0, 0\]$/);
      expect(r.warnings[1]!.message).toMatch(/^rank 1: npu\.convert_weight_to_int4_pack %w4: \[convert_weight_to_int4pack\.9\] .*\(2 elements\), got -9 at \[0, 0\]$/);
    });
  }
});
