import { readFileSync } from 'node:fs';
import { parseModule } from './src/ir/parse.ts';
import { run } from './src/backends/cpu/executor.ts';
import { runCompiled } from './src/backends/tsgen/compiled-backend.ts';
import { f16FromF64 } from './src/numerics/float.ts';
const m = parseModule(readFileSync(process.argv[2]!, 'utf8'));
const g = m.graph();
const feeds: Record<string, Uint16Array[]> = {};
for (const [pi, p] of g.params.entries()) {
  feeds[p.hint ?? String(pi)] = Array.from({ length: g.worldSize }, (_, r) => Uint16Array.from({ length: p.type.numel }, (_, i) => f16FromF64(Math.sin(i * 0.37 + r) * 3)));
}
for (const mode of ['inline', 'workers'] as const) {
  const t0 = performance.now();
  const a = await run(m, feeds, { mode });
  const t1 = performance.now();
  const b = await runCompiled(m, feeds, { mode });
  const t2 = performance.now();
  const same = a.outputs.every((ro, r) => ro.every((t, i) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(b.outputs[r]![i]!.data.buffer, b.outputs[r]![i]!.data.byteOffset, b.outputs[r]![i]!.data.byteLength))));
  console.log(mode, 'same', same, (t1 - t0).toFixed(0), (t2 - t1).toFixed(0), b.stats[0], a.stats[0]);
}
