import { readFileSync } from 'node:fs';
import { parseModule } from './src/ir/parse.ts';
import { emitGraph } from './src/backends/tsgen/emit.ts';
const m = parseModule(readFileSync(process.argv[2]!, 'utf8'));
const t0 = performance.now();
const e = emitGraph(m.graph());
console.log(e.text);
console.error(e.stats, e.constants, (performance.now() - t0).toFixed(0), 'ms');
