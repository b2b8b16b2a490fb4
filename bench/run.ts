// `npm run bench`: throughput of the CPU backend on the reference-floor shapes of issue 3,
// medians over several runs, each with a reference measured in the same run.
//   DynamicQuant f16 [4096, 8192]: GB/s of input + output traffic; reference: copying the
//     same number of bytes between typed arrays (a memory-bandwidth ceiling).
//   int8 quant matmul (256, 4096, 4096): GOPS (2·M·K·N); reference: a plain i-j-k loop over
//     Int8Arrays (measured on 16 rows, GOPS do not depend on M).
import { Builder } from '../src/ir/builder.ts';
import { TensorType } from '../src/ir/types.ts';
import { run } from '../src/backends/cpu/executor.ts';
import { allocStorage } from '../src/ir/storage.ts';
import { f16FromF64 } from '../src/numerics/float.ts';
import type { Feeds } from '../src/backends/backend.ts';
import type { Module } from '../src/ir/module.ts';

const REPS = Number(process.env.BENCH_REPS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function time(fn: () => unknown, reps = REPS): Promise<number> {
  await fn(); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return median(ts);
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

async function main(): Promise<void> {
  const rows: string[][] = [['case', 'shape', 'median time', 'throughput', 'reference', 'ratio']];

  const dq = dynamicQuantCase(4096, 8192);
  const dqTime = await time(() => run(dq.module, dq.feeds));
  const src = new Uint8Array(dq.bytes);
  const dst = new Uint8Array(dq.bytes);
  const copyTime = await time(() => dst.set(src));
  const dqGbs = dq.bytes / dqTime / 1e9;
  const copyGbs = dq.bytes / copyTime / 1e9;
  rows.push(['npu.dynamic_quant f16', '[4096, 8192]', `${(dqTime * 1000).toFixed(1)} ms`, `${dqGbs.toFixed(2)} GB/s`, `copy ${copyGbs.toFixed(2)} GB/s`, (dqGbs / copyGbs).toFixed(3)]);

  const qmm = quantMatmulCase(256, 4096, 4096);
  const qmmTime = await time(() => run(qmm.module, qmm.feeds), Math.min(REPS, 3));
  const gops = qmm.ops / qmmTime / 1e9;
  const naive = await naiveMatmulGops(16, 4096, 4096);
  rows.push(['npu.quant_matmul_all_reduce bf16', '(256, 4096, 4096)', `${(qmmTime * 1000).toFixed(1)} ms`, `${gops.toFixed(2)} GOPS`, `naive i-j-k ${naive.toFixed(2)} GOPS`, (gops / naive).toFixed(2)]);

  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
}

await main();
