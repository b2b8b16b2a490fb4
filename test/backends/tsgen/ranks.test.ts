// The compiled mode keeps the executor's contract across ranks: world sizes 1, 2, 4 and 8 with
// ranks in one thread and in worker threads, per-rank feeds and constants, collectives, warnings
// prefixed by rank, the failing rank's error, and feed checks ([ir.8]).
import { describe, expect, it } from 'vitest';
import type { Feeds } from '../../../src/backends/backend.ts';
import { runCompiled } from '../../../src/backends/tsgen/compiled-backend.ts';
import { Builder } from '../../../src/ir/builder.ts';
import { nz } from '../../../src/ir/layout.ts';
import type { Tensor } from '../../../src/ir/storage.ts';
import { TensorType } from '../../../src/ir/types.ts';
import { expectCompiledAgrees, seededFeeds } from '../../helpers/compiled-equality.ts';
import { rng } from '../../helpers/seeded-inputs.ts';

/**
 * Per-rank f32 and i32 constants all-reduced, a fused element-wise chain, dynamic quant and a
 * quant matmul with a per-rank NZ weight constant, an f16 all-reduce of a cast.
 */
function tensorParallel(n: number) {
  const b = Builder.graph('tp', { worldSize: n });
  const x = b.param(new TensorType([6, 32], 'f16'), 'x');
  const a = b.param(new TensorType([2, 3], 'f32'), 'a');
  const r = rng(7);
  const w = b.constant(new TensorType([n, 2, 3], 'f32'), { kind: 'dense', data: Float32Array.from({ length: 6 * n }, () => (r() - 0.5) * 3 ** (r() * 8)) }, { perRank: true, hint: 'w' });
  const ints = b.constant(new TensorType([n, 3], 'i32'), { kind: 'dense', data: Int32Array.from({ length: 3 * n }, (_, k) => [2147483647, -k, 1000 * k][k % 3]!) }, { perRank: true, hint: 'c' });
  const s = b.prim.add(a, w, 's');
  const { y: xq, scale } = b.npu.dynamicQuant(x);
  const w8 = b.constant(new TensorType([n, 32, 16], 'i8', nz(32)), { kind: 'random', seed: 3, lo: -128n, hi: 127n }, { perRank: true, hint: 'w8' });
  const ds = b.constant(new TensorType([16], 'f32'), { kind: 'random', seed: 5, lo: 0.001, hi: 0.01 }, { hint: 'ds' });
  const mm = b.npu.quantMatmulAllReduce(xq, w8, ds, { pertokenScale: scale, outDtype: 'f16' });
  b.return(b.comm.allReduce(s, 'sum32'), b.comm.allReduce(b.prim.cast(b.prim.mul(s, s), 'f16'), 'sum16'), b.comm.allReduce(ints, 'isum'), mm);
  return b.module;
}

describe('world sizes', () => {
  for (const n of [1, 2, 4, 8]) {
    it(`world_size ${n}: the interpreter's bits on every rank, ranks inline and in workers`, { timeout: 120_000 }, async () => {
      const m = tensorParallel(n);
      const feeds = seededFeeds(m.graph(), 2);
      const outcome = await expectCompiledAgrees(m, feeds, { workers: true });
      expect(outcome.ok).toBe(true);
      // ir.md §5.4, computed here: f32 sums from +0 in ascending rank order; identical on every rank.
      const res = await runCompiled(m, feeds, { mode: 'workers' });
      const want = new Float32Array(6);
      for (let r = 0; r < n; r++) {
        const ar = (feeds['a'] as Tensor[])[r]!.data as Float32Array;
        const wr = (m.graph().nodes[0]!.graph!.module!.resources.get('w')!.init as { data: Float32Array }).data.subarray(6 * r, 6 * r + 6);
        for (let i = 0; i < 6; i++) want[i] = want[i]! + Math.fround(ar[i]! + wr[i]!);
      }
      for (let r = 0; r < n; r++) expect([...(res.outputs[r]![0]!.data as Float32Array)]).toEqual([...want]);
    });
  }
});

describe('the executor contract', () => {
  it('a rank that fails fails the run with its error, prefixed by its rank, in both placements', { timeout: 120_000 }, async () => {
    const b = Builder.graph('g', { worldSize: 4 });
    const x = b.param(new TensorType([5, 3], 'f32'), 'x');
    const idx = b.param(new TensorType([2], 'i32'), 'idx');
    b.return(b.comm.allReduce(b.prim.gather(x, idx, 0, 'g')));
    const feeds = { x: new Float32Array(15), idx: [0, 1, 2, 3].map((r) => new Int32Array([1, r === 2 ? 7 : 4])) };
    for (const mode of ['inline', 'workers'] as const) {
      await expect(runCompiled(b.module, feeds, { mode })).rejects.toThrow('rank 2: prim.gather %g: [prim.8] index must lie in [0, 5), got 7 at indices[1]');
    }
    const outcome = await expectCompiledAgrees(b.module, feeds, { workers: true });
    expect(outcome.ok).toBe(false);
  });

  it('warnings come in rank order, prefixed by the rank', async () => {
    const b = Builder.graph('g', { worldSize: 2 });
    const w = b.param(new TensorType([2, 8], 'i32'), 'w');
    b.return(b.npu.convertWeightToInt4Pack(w, { hint: 'w4' }));
    const feeds = { w: [Int32Array.from({ length: 16 }, (_, i) => (i === 5 ? 100 : 1)), new Int32Array(16).fill(-9)] };
    const outcome = await expectCompiledAgrees(b.module, feeds, { workers: true });
    expect(outcome.ok && outcome.result.warnings.map((x) => x.message)).toEqual([
      expect.stringMatching(/^rank 0: npu\.convert_weight_to_int4_pack %w4: \[convert_weight_to_int4pack\.9\] .*got 100 at \[0, 5\]$/),
      expect.stringMatching(/^rank 1: npu\.convert_weight_to_int4_pack %w4: \[convert_weight_to_int4pack\.9\] .*\(16 elements\), got -9 at \[0, 0\]$/),
    ]);
  });

  it('feeds are checked by name and type, as the interpreter checks them [ir.8]', async () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([2, 2], 'f32'), 'x');
    b.return(b.prim.neg(x));
    await expect(runCompiled(b.module, {})).rejects.toThrow('graph @g: [ir.8] input x is missing, got none');
    await expect(runCompiled(b.module, { x: new Float32Array(3) })).rejects.toThrow('[ir.8] input x of type tensor<2x2xf32> must hold 4 elements in a Float32Array, got 3 in a Float32Array');
    const bad: Feeds[] = [{}, { x: new Uint16Array(4) }, { x: new Float32Array(4), y: new Float32Array(1) }];
    for (const feeds of bad) await expectCompiledAgrees(b.module, feeds);
  });
});
