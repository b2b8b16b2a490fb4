import { readFileSync } from 'node:fs';
import { parseModule } from './src/ir/parse.ts';
const t0 = performance.now();
const { emitGraph } = await import('./src/backends/tsgen/emit.ts');
const { typeCheck, transpile } = await import('./src/backends/tsgen/load.ts');
const t1 = performance.now();
for (const f of ['examples/tp_linear.fir', 'examples/tp_linear_fused.fir', 'examples/tp_linear.fir']) {
  const m = parseModule(readFileSync(f, 'utf8'));
  const a = performance.now();
  const e = emitGraph(m.graph());
  const b = performance.now();
  typeCheck(e.text);
  const c = performance.now();
  transpile(e.text);
  const d = performance.now();
  console.log(f, 'emit', (b - a).toFixed(0), 'check', (c - b).toFixed(0), 'transpile', (d - c).toFixed(0));
}
console.log('import', (t1 - t0).toFixed(0));
