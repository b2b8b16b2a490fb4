// fuse-quant-matmul-all-reduce: every fixture, and a sweep over the quant modes, shapes and world
// sizes 1, 2, 4, 8, gives the same bits fused as unfused on seeded per-rank inputs (NaN/±Inf,
// zero scales, i32 bias wrap, fp16 overflow, f32 scales with non-zero low 13 bits where they are
// legal); decompose then fuse gives back each example of the op; the fused graphs reproduce the
// worked example of quant_matmul_all_reduce.md §7; explain says why a chain is not fused.
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/backends/cpu/executor.ts';
import { cpuEvaluator } from '../../../src/backends/cpu/evaluator.ts';
import { Builder } from '../../../src/ir/builder.ts';
import type { DType } from '../../../src/ir/dtype.ts';
import type { Module } from '../../../src/ir/module.ts';
import { opDef } from '../../../src/ir/ops/registry.ts';
import { parseModule } from '../../../src/ir/parse.ts';
import { printModule } from '../../../src/ir/print.ts';
import { numelOf, TensorType } from '../../../src/ir/types.ts';
import type { Value } from '../../../src/ir/value.ts';
import { bf16FromF64, bf16ToF32, f16FromF64, f16ToF64, f32FromBits } from '../../../src/numerics/float.ts';
import { FUSE_QUANT_MATMUL_ALL_REDUCE_RULES } from '../../../src/passes/fusion/fuse-quant-matmul-all-reduce.ts';
import { runPipeline } from '../../../src/passes/pass-manager.ts';
import { explain } from '../../../src/passes/rewrite/explain.ts';
import { rng } from '../../helpers/seeded-inputs.ts';
import { clone, exampleModule, expectSameBits, fixtureChunks, opCounts } from './fuse-quant-harness.ts';

const PASS = 'fuse-quant-matmul-all-reduce';
const OP = 'npu.quant_matmul_all_reduce';

describe('fused and unfused give the same bits', () => {
  for (const file of ['decomposed', 'variants', 'negative', 'unchanged']) {
    for (const c of fixtureChunks(`${PASS}/${file}.fir`)) {
      it(c.name, async () => {
        const before = parseModule(c.source, c.name);
        const after = clone(before);
        runPipeline(after, PASS, { strict: true });
        await expectSameBits(before, after);
        expect(opCounts(after)[OP] ?? 0).toBe(file === 'decomposed' || file === 'variants' ? 1 : 0);
      });
    }
  }
});

describe('decompose then fuse gives back npu.quant_matmul_all_reduce', () => {
  for (const ex of opDef(OP).examples!) {
    it(ex.name, async () => {
      const op = exampleModule(OP, ex);
      const fused = exampleModule(OP, ex);
      runPipeline(fused, `decompose,${PASS},dce`, { strict: true });
      expect(printModule(fused)).toBe(printModule(op));
      await expectSameBits(op, fused);
    });
  }
});

const t = (shape: readonly number[], dtype: DType) => new TensorType(shape, dtype);

/** How the chain dequantizes: the scale's form and where it comes from. */
type ScaleKind = 'i64' | 'u64' | 'bf16' | 'f32' | 'f32-packable-constant' | 'f32-bf16-constant';

interface Case {
  readonly x1: readonly number[];
  readonly n: number;
  readonly out: 'f16' | 'bf16';
  readonly scale: ScaleKind;
  readonly pertoken?: boolean;
  readonly bias?: boolean;
  readonly x3?: boolean;
  readonly transpose?: boolean;
  /** x2 a per-rank weight constant instead of a parameter. */
  readonly weight?: boolean;
}

/** Per-rank f32 scale constants whose bits have the given low bits zero (NaN, ±Inf, 0 among them). */
function scaleConstant(b: Builder, ws: number, n: number, lowZero: number): Value {
  const r = rng(ws * 131 + n);
  const edge = [0x7fc00000, 0x7f800000, 0xff800000, 0, 0x80000000];
  const data = Float32Array.from({ length: ws * n }, (_, i) => {
    const bits = i % 5 === 4 ? edge[(i / 5) % edge.length | 0]! : (Math.floor(r() * 0x3f000000) + 0x3a000000) | (r() < 0.5 ? 0x80000000 : 0);
    return f32FromBits(bits & ~lowZero);
  });
  return b.constant(t([ws, n], 'f32'), { kind: 'dense', data }, { perRank: true, hint: 'ds' });
}

/** The primitive chain of one case, as a user would build it. */
function chain(c: Case, ws: number): Module {
  const b = Builder.graph('g', { worldSize: ws });
  const k = c.x1.at(-1)!;
  const rows = c.x1.slice(0, -1);
  const x1 = b.param(t(c.x1, 'i8'), 'x1');
  const x2shape = c.transpose ? [c.n, k] : [k, c.n];
  const x2 = c.weight
    ? b.constant(t([ws, ...x2shape], 'i8'), { kind: 'random', seed: 7, lo: -128, hi: 127 }, { perRank: true, hint: 'w' })
    : b.param(t(x2shape, 'i8'), 'x2');
  let acc = b.prim.matmul(x1, x2, { transposeB: c.transpose });
  if (c.bias) acc = b.prim.add(acc, b.param(t([c.n], 'i32'), 'bias'));
  const accf = b.prim.cast(acc, 'f32');
  let s: Value;
  if (c.scale === 'i64' || c.scale === 'u64') {
    const masked = b.prim.and(b.param(t([c.n], c.scale), 'ds'), b.splat(c.scale, 0xffffe000));
    s = b.prim.bitcast(b.prim.cast(masked, 'i32'), 'f32');
  } else if (c.scale === 'bf16') s = b.prim.cast(b.param(t([c.n], 'bf16'), 'ds'), 'f32');
  else if (c.scale === 'f32') s = b.param(t([1, c.n], 'f32'), 'ds');
  else s = scaleConstant(b, ws, c.n, c.scale === 'f32-packable-constant' ? 0x1fff : 0xffff);
  let v = b.prim.mul(accf, s);
  if (c.pertoken) v = b.prim.mul(v, b.prim.reshape(b.param(t([numelOf(rows)], 'f32'), 'pt'), [...rows, 1]));
  let y = b.prim.cast(v, c.out);
  if (c.x3) y = b.prim.add(y, b.param(t([...rows, c.n], c.out), 'x3'));
  b.return(b.comm.allReduce(y, 'out'));
  return b.module;
}

const CASES: readonly Case[] = [
  { x1: [3, 40], n: 24, out: 'f16', scale: 'i64' },
  { x1: [3, 40], n: 24, out: 'f16', scale: 'u64', bias: true, x3: true },
  { x1: [2, 3, 16], n: 8, out: 'f16', scale: 'f32-packable-constant', bias: true },
  { x1: [4, 16], n: 12, out: 'f16', scale: 'bf16', transpose: true },
  { x1: [5, 32], n: 16, out: 'f16', scale: 'f32', pertoken: true, x3: true },
  { x1: [2, 3, 16], n: 8, out: 'f16', scale: 'bf16', pertoken: true, weight: true },
  { x1: [4, 24], n: 8, out: 'f16', scale: 'i64', pertoken: true, bias: true },
  { x1: [3, 40], n: 24, out: 'bf16', scale: 'bf16', bias: true, x3: true, transpose: true },
  { x1: [2, 2, 32], n: 16, out: 'bf16', scale: 'f32-bf16-constant', pertoken: true, weight: true },
  { x1: [6, 16], n: 1, out: 'bf16', scale: 'bf16', pertoken: true, bias: true },
];

const caseName = (c: Case) =>
  `${c.out} ${c.scale} x1 [${c.x1.join(', ')}] n ${c.n}${c.pertoken ? ' pertoken' : ''}${c.bias ? ' bias' : ''}${c.x3 ? ' x3' : ''}${c.transpose ? ' transposed' : ''}${c.weight ? ' weight' : ''}`;

describe('quant modes × shapes × world sizes', () => {
  for (const c of CASES) {
    for (const ws of [1, 2, 4, 8]) {
      it(`${caseName(c)}, ${ws} rank${ws > 1 ? 's' : ''}`, async () => {
        const before = chain(c, ws);
        const fused = clone(before);
        runPipeline(fused, PASS, { strict: true });
        expect(opCounts(fused)[OP]).toBe(1);
        expect(opCounts(fused)['comm.all_reduce']).toBeUndefined();
        await expectSameBits(before, fused, [0, 9]);
        const full = clone(before);
        runPipeline(full, 'default', { strict: true, evaluator: cpuEvaluator });
        expect(opCounts(full)[OP]).toBe(1);
        expect(opCounts(full)['prim.matmul']).toBeUndefined();
        await expectSameBits(before, full, [4, 13]);
      });
    }
  }
});

describe('quant_matmul_all_reduce.md §7 worked example, computed by the fused graph', () => {
  const x1 = [Int8Array.from([1, 2, 3, -1, 0, 4]), Int8Array.from([0, 1, 0, 2, 2, 2])];
  const x2 = [Int8Array.from([1, 0, 0, 1, 2, -1]), Int8Array.from([3, 1, -1, 0, 0, 2])];
  const bias = [Int32Array.from([10, -5]), Int32Array.from([0, 1])];

  function fusedChain(operands: (TensorType | null)[], out: 'f16' | 'bf16'): Module {
    const m = exampleModule(OP, { name: 'spec', operands, attrs: { out_dtype: out }, worldSize: 2 });
    runPipeline(m, `decompose,${PASS},dce`, { strict: true });
    expect(opCounts(m)).toEqual({ [OP]: 1 });
    return m;
  }

  it('A: f16, pertensor scale npu_trans_quant_param(0.1), with and without x3', async () => {
    const ds = BigInt64Array.of(70369781006336n);
    const plain = fusedChain([t([2, 3], 'i8'), t([3, 2], 'i8'), t([1], 'i64'), null, t([2], 'i32')], 'f16');
    const a = (await run(plain, { x1, x2, dequant_scale: ds, bias })).outputs;
    for (const rank of a) expect([...(rank[0]!.data as Uint16Array)].map(f16ToF64)).toEqual([1.599609375, -0.49951171875, 2.099609375, -0.2001953125]);
    const withX3 = fusedChain([t([2, 3], 'i8'), t([3, 2], 'i8'), t([1], 'i64'), null, t([2], 'i32'), t([2, 2], 'f16')], 'f16');
    const x3 = Uint16Array.from([1, 0, 0, 0.5], f16FromF64);
    const b = (await run(withX3, { x1, x2, dequant_scale: ds, bias, x3 })).outputs;
    expect([...(b[0]![0]!.data as Uint16Array)].map(f16ToF64)).toEqual([3.599609375, -0.49951171875, 2.099609375, 0.79931640625]);
  });

  it('B: bf16, perchannel bf16 scale, pertoken, x3 on every rank', async () => {
    const m = fusedChain([t([2, 3], 'i8'), t([3, 2], 'i8'), t([2], 'bf16'), t([2], 'f32'), t([2], 'i32'), t([2, 2], 'bf16')], 'bf16');
    const bf = (xs: number[]) => Uint16Array.from(xs, bf16FromF64);
    const feeds = {
      x1,
      x2,
      bias,
      dequant_scale: bf([0.5, 0.30078125]),
      pertoken_scale: [Float32Array.from([1.0, 0.5]), Float32Array.from([2.0, 0.25])],
      x3: bf([0.10009766, 0.20019531, 0.30078125, -0.40039062]),
    };
    const [out] = (await run(m, feeds)).outputs[1]!;
    expect([...(out!.data as Uint16Array)].map(bf16ToF32)).toEqual([7.71875, -0.80078125, 5.375, -1.625]);
  });
});

describe('explain', () => {
  it('an f32 constant scale with non-zero low 13 bits cannot be packed exactly', () => {
    const [c] = fixtureChunks(`${PASS}/negative.fir`);
    const text = explain(parseModule(c!.source, c!.name), FUSE_QUANT_MATMUL_ALL_REDUCE_RULES[0]!);
    expect(text.split('\n').filter((l) => l.startsWith('graph'))).toEqual([
      'graph @inexact_packed_scale: comm.all_reduce %out: rejected: guard: an f16 output without pertoken_scale needs a u64/i64 dequant scale, and npu.trans_quant_param would drop the nonzero low 13 bits of the f32 scale (element 1 = 0x3DCCCCCD)',
    ]);
  });
});
