// `npm run bench`: throughput of the CPU backend on the reference-floor shapes of issue 3,
// medians over several runs, each with a reference measured in the same run.
//   DynamicQuant f16 [4096, 8192]: GB/s of input + output traffic; reference: copying the
//     same number of bytes between typed arrays (a memory-bandwidth ceiling).
//   int8 quant matmul (256, 4096, 4096): GOPS (2·M·K·N); reference: a plain i-j-k loop over
//     Int8Arrays (measured on 16 rows, GOPS do not depend on M).
//   The same dynamic quantization written in prim.* ops, unfused (what fused loops speed up).
//   The example transformer block (examples/transformer_block.fir, 4 ranks), end to end, as
//     written and after the default pipeline.
// Every case runs with the interpreter and in compiled mode (the generated module, compiled
// once before timing) in the same process; `compiled/interp` is the ratio of throughputs.
import { readFileSync } from 'node:fs';
import { Builder } from '../src/ir/builder.ts';
import { TensorType } from '../src/ir/types.ts';
import { run } from '../src/backends/cpu/executor.ts';
import { runCompiled } from '../src/backends/tsgen/compiled-backend.ts';
import { compileGraph } from '../src/backends/tsgen/load.ts';
import { readNpy, feedsFromNpy } from '../src/io/npy.ts';
import { valueNames } from '../src/ir/names.ts';
import { parseModule } from '../src/ir/parse.ts';
import { optimize } from '../src/optimize.ts';
import { allocStorage } from '../src/ir/storage.ts';
import { f16FromF64 } from '../src/numerics/float.ts';
import type { Feeds } from '../src/backends/backend.ts';
import type { Module } from '../src/ir/module.ts';

const REPS = Number(process.env.BENCH_REPS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Collects garbage between runs when node runs with --expose-gc (npm run bench does). */
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function time(fn: () => unknown, reps = REPS): Promise<number> {
  await fn(); // warm-up
  collect(); // the previous case's garbage is not charged to this one
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return median(ts);
}

/**
 * Median seconds of the interpreter and of the compiled mode in this process: each mode warmed up
 * and timed in a block of its own (the interpreter's large allocations would otherwise be
 * collected during the compiled mode's runs), and the compile time of the graph.
 */
async function timeBoth(module: Module, feeds: Feeds, reps = REPS): Promise<{ interp: number; compiled: number; compile: number }> {
  const interp = await time(() => run(module, feeds), reps);
  const t0 = performance.now();
  compileGraph(module); // emit, type-check, load: once per structure
  const compile = (performance.now() - t0) / 1000;
  const compiled = await time(() => runCompiled(module, feeds), reps);
  return { interp, compiled, compile };
}

/** Deterministic filler (xorshift), so every run sees the same data. */
function filler(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function dynamicQuantCase(rows: number, h: number): { module: Module; feeds: Feeds; bytes: number } {
  const b = Builder.graph('dq');
  const x = b.param(new TensorType([rows, h], 'f16'), 'x');
  const { y, scale } = b.npu.dynamicQuant(x);
  b.return(y, scale);
  const rnd = filler(1);
  const data = allocStorage('f16', rows * h) as Uint16Array;
  for (let i = 0; i < data.length; i++) data[i] = f16FromF64((rnd() - 0.5) * 8);
  return { module: b.module, feeds: { x: data }, bytes: rows * h * 2 + rows * h + rows * 4 };
}

/** The same per-token quantization written in primitives (the first chain of examples/tp_linear.fir). */
function dynamicQuantPrimsCase(rows: number, h: number): { module: Module; feeds: Feeds; bytes: number } {
  const b = Builder.graph('dq_prims');
  const x = b.param(new TensorType([rows, h], 'f16'), 'x');
  const xf = b.prim.cast(x, 'f32');
  const amax = b.prim.reduceMax(b.prim.abs(xf), [1]);
  const scale = b.prim.mul(amax, b.splat('f32', Math.fround(1 / 127)));
  const inv = b.prim.reshape(b.prim.div(b.splat('f32', 127), amax), [rows, 1]);
  const y = b.prim.cast(b.prim.clamp(b.prim.round(b.prim.mul(xf, inv)), -128, 127), 'i8');
  b.return(y, scale);
  return { ...dynamicQuantCase(rows, h), module: b.module };
}

function quantMatmulCase(m: number, k: number, n: number): { module: Module; feeds: Feeds; ops: number } {
  const b = Builder.graph('qmm');
  const x1 = b.param(new TensorType([m, k], 'i8'), 'x1');
  const x2 = b.param(new TensorType([k, n], 'i8'), 'x2');
  const s = b.param(new TensorType([n], 'bf16'), 's');
  b.return(b.npu.quantMatmulAllReduce(x1, x2, s, { outDtype: 'bf16' }));
  const rnd = filler(2);
  const a = new Int8Array(m * k).map(() => Math.floor(rnd() * 256) - 128);
  const w = new Int8Array(k * n).map(() => Math.floor(rnd() * 256) - 128);
  const sc = new Uint16Array(n).fill(0x3c00); // bf16 0.0078125
  return { module: b.module, feeds: { x1: a, x2: w, s: sc }, ops: 2 * m * k * n };
}

function naiveMatmulGops(m: number, k: number, n: number): Promise<number> {
  const rnd = filler(3);
  const a = new Int8Array(m * k).map(() => Math.floor(rnd() * 256) - 128);
  const w = new Int8Array(k * n).map(() => Math.floor(rnd() * 256) - 128);
  const out = new Int32Array(m * n);
  return time(() => {
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let t = 0; t < k; t++) acc += a[i * k + t]! * w[t * n + j]!;
        out[i * n + j] = acc;
      }
  }, 3).then((s) => (2 * m * k * n) / s / 1e9);
}

/** The example block with its own inputs (examples/inputs, one leading rank axis). */
function transformerBlock(pipeline: boolean): { module: Module; feeds: Feeds } {
  const dir = new URL('../examples/', import.meta.url);
  const module = parseModule(readFileSync(new URL('transformer_block.fir', dir), 'utf8'), 'transformer_block.fir');
  if (pipeline) optimize(module);
  const g = module.graph();
  const names = valueNames(g);
  const feeds = Object.fromEntries(g.params.map((p) => [names.get(p)!, feedsFromNpy(readNpy(new URL(`inputs/${names.get(p)}.npy`, dir).pathname), p.type, g.worldSize, names.get(p)!)]));
  return { module, feeds };
}

const ms = (s: number) => `${(s * 1000).toFixed(s < 0.01 ? 3 : 1)} ms`;

async function main(): Promise<void> {
  const rows: string[][] = [['case', 'shape', 'interp', 'throughput', 'reference', 'ratio', 'compiled', 'throughput', 'compiled/interp']];
  const compiles: string[] = [];

  const dq = dynamicQuantCase(4096, 8192);
  const dqTimes = await timeBoth(dq.module, dq.feeds);
  const src = new Uint8Array(dq.bytes);
  const dst = new Uint8Array(dq.bytes);
  const copyTime = await time(() => dst.set(src));
  const gbs = (t: number) => dq.bytes / t / 1e9;
  const copyGbs = gbs(copyTime);
  rows.push([
    'npu.dynamic_quant f16', '[4096, 8192]',
    ms(dqTimes.interp), `${gbs(dqTimes.interp).toFixed(2)} GB/s`, `copy ${copyGbs.toFixed(2)} GB/s`, (gbs(dqTimes.interp) / copyGbs).toFixed(3),
    ms(dqTimes.compiled), `${gbs(dqTimes.compiled).toFixed(2)} GB/s`, (dqTimes.interp / dqTimes.compiled).toFixed(2),
  ]); // prettier-ignore
  compiles.push(`dynamic_quant ${ms(dqTimes.compile)}`);

  const prims = dynamicQuantPrimsCase(4096, 8192);
  const primsTimes = await timeBoth(prims.module, prims.feeds);
  rows.push([
    'the same in prim.* ops (unfused)', '[4096, 8192]',
    ms(primsTimes.interp), `${gbs(primsTimes.interp).toFixed(2)} GB/s`, `copy ${copyGbs.toFixed(2)} GB/s`, (gbs(primsTimes.interp) / copyGbs).toFixed(3),
    ms(primsTimes.compiled), `${gbs(primsTimes.compiled).toFixed(2)} GB/s`, (primsTimes.interp / primsTimes.compiled).toFixed(2),
  ]); // prettier-ignore
  compiles.push(`dynamic quant in prims ${ms(primsTimes.compile)}`);

  const qmm = quantMatmulCase(256, 4096, 4096);
  const qmmTimes = await timeBoth(qmm.module, qmm.feeds, Math.min(REPS, 3));
  const gops = (t: number) => qmm.ops / t / 1e9;
  const naive = await naiveMatmulGops(16, 4096, 4096);
  rows.push([
    'npu.quant_matmul_all_reduce bf16', '(256, 4096, 4096)',
    ms(qmmTimes.interp), `${gops(qmmTimes.interp).toFixed(2)} GOPS`, `naive i-j-k ${naive.toFixed(2)} GOPS`, (gops(qmmTimes.interp) / naive).toFixed(2),
    ms(qmmTimes.compiled), `${gops(qmmTimes.compiled).toFixed(2)} GOPS`, (qmmTimes.interp / qmmTimes.compiled).toFixed(2),
  ]); // prettier-ignore
  compiles.push(`quant_matmul_all_reduce ${ms(qmmTimes.compile)}`);

  for (const pipeline of [false, true]) {
    const block = transformerBlock(pipeline);
    const t = await timeBoth(block.module, block.feeds, Math.max(REPS, 20));
    const name = `transformer block, ${pipeline ? 'default pipeline' : 'as written'}`;
    rows.push([name, '4 ranks, [16, 64]', ms(t.interp), `${(1 / t.interp).toFixed(0)} runs/s`, '', '', ms(t.compiled), `${(1 / t.compiled).toFixed(0)} runs/s`, (t.interp / t.compiled).toFixed(2)]);
    compiles.push(`${name} ${ms(t.compile)}`);
  }

  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  console.log(`compiled once per graph (emit, type-check, load; the first also loads the compiler): ${compiles.join(', ')}`);
}

await main();
