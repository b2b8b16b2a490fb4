// The shape of the generated module: a comment per statement, one function per step with shapes
// and constants inlined, element-wise chains fused into one loop, intermediates sharing buffers
// only when their lifetimes do not overlap, formatted text that type-checks; and the loader:
// compiled modules cached by structural hash, rank instances set up once and reused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Project } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { runCompiled } from '../../../src/backends/tsgen/compiled-backend.ts';
import { emitGraph } from '../../../src/backends/tsgen/emit.ts';
import { compileGraph, typeCheck } from '../../../src/backends/tsgen/load.ts';
import { planGraph } from '../../../src/backends/tsgen/plan.ts';
import { classifier } from '../../../src/backends/tsgen/steps.ts';
import { Builder } from '../../../src/ir/builder.ts';
import { valueNames } from '../../../src/ir/names.ts';
import { parseModule } from '../../../src/ir/parse.ts';
import { printModule, printNode } from '../../../src/ir/print.ts';
import { TensorType } from '../../../src/ir/types.ts';
import { f16FromF64 } from '../../../src/numerics/float.ts';
import { ROOT } from '../../helpers/cli.ts';

const tpLinear = () => parseModule(readFileSync(join(ROOT, 'examples/tp_linear.fir'), 'utf8'), 'tp_linear.fir');

describe('the generated module', () => {
  it('names every IR statement in a comment, in statement order', () => {
    const m = tpLinear();
    const g = m.graph();
    const names = valueNames(g);
    const text = emitGraph(g).text;
    let at = -1;
    for (const node of g.nodes) {
      const line = `// ${printNode(node, (v) => `%${names.get(v)}`)}`;
      const found = text.indexOf(line);
      expect(found, line).toBeGreaterThanOrEqual(0);
      // Steps are functions in statement order; reshapes and constants are named in the run body.
      if (node.op !== 'prim.reshape' && node.op !== 'prim.constant') {
        expect(found).toBeGreaterThan(at);
        at = found;
      }
    }
  });

  it('fuses the element-wise chains: one loop for cast, mul, round, clamp and cast', () => {
    const text = emitGraph(tpLinear().graph()).text;
    const fn = text.slice(text.indexOf('// %xf = prim.cast(%x) {to = f32} : (tensor<8x64xf16>) -> tensor<8x64xf32> (recomputed here)\n// %q'), text.indexOf('// %acc = prim.matmul'));
    expect(fn.match(/^\/\/ %\w+ = prim\.\w+/gm)).toEqual(['// %xf = prim.cast', '// %q = prim.mul', '// %r = prim.round', '// %c = prim.clamp', '// %xq = prim.cast']);
    // The f16 input is read and widened in the loop: %xf never goes through memory.
    expect(fn).toContain('const t1 = F16_TO_F32[t0];');
    // 8 rows of 64: the shapes are literals, the scale broadcast along the row.
    expect(fn).toContain('for (let i0 = 0; i0 < 8; i0++) {');
    expect(fn).toContain('for (let i1 = 0; i1 < 64; i1++) {');
    expect(fn).toContain('quantInt(');
    // The splat constants are inlined: f32(1/127) and 127.
    expect(text).toContain('Math.fround(t0 * 0.007874015718698502)');
    expect(text).toContain('Math.fround(127 / t0)');
    expect(compileGraph(tpLinear()).emitted.stats).toMatchObject({ steps: 7, fusedStatements: 10, kernelSteps: 0 });
  });

  it('recomputes casts and abs in the loops that read them: the reduction reads the f16 input', () => {
    const text = emitGraph(tpLinear().graph()).text;
    const fn = text.slice(text.indexOf('// %xf = prim.cast'), text.indexOf('// %xs = prim.mul'));
    expect(fn.match(/^\/\/ .*$/gm)).toEqual([
      '// %xf = prim.cast(%x) {to = f32} : (tensor<8x64xf16>) -> tensor<8x64xf32> (recomputed here)',
      '// %ax = prim.abs(%xf) : (tensor<8x64xf32>) -> tensor<8x64xf32> (recomputed here)',
      '// %amax = prim.reduce_max(%ax) {axes = [1]} : (tensor<8x64xf32>) -> tensor<8xf32>',
    ]);
    expect(fn).toContain('function s0(x0: Uint16Array, y: Float32Array, yu: Uint32Array): void {');
    expect(fn).toContain('const t2 = Math.abs(t1);');
  });

  it('inlines the NZ index map of layout.trans_data', () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([20, 40], 'f16'), 'x');
    b.return(b.layout.transData(x, new TensorType([20, 40], 'f16', { kind: 'nz', c0: 16 })));
    const text = emitGraph(b.module.graph()).text;
    // 3 columns of fractals (40 / 16, padded), 2 × 16 rows: column stride 2·16·16 = 512.
    expect(text).toContain('y.fill(0);');
    expect(text).toContain('for (let jb = 0; jb < 3; jb++) {');
    expect(text).toContain('const nz = b * 1536 + jb * 512 + i * 16;');
  });

  it('shares a buffer only between values whose lifetimes do not overlap', () => {
    for (const m of [tpLinear(), parseModule(readFileSync(join(ROOT, 'examples/transformer_block.fir'), 'utf8'))]) {
      const plan = planGraph(m.graph(), classifier(m));
      const arena = plan.values.filter((pv) => pv.kind === 'arena');
      expect(plan.slots.length).toBeLessThan(arena.length);
      for (const a of arena) {
        for (const b of arena) {
          if (a === b || a.slot !== b.slot) continue;
          // Disjoint: one is written after the other was last read.
          expect(a.def > b.lastUse || b.def > a.lastUse, `v${a.id} and v${b.id} in buffer ${a.slot}`).toBe(true);
        }
        expect(plan.slots[a.slot]).toBeGreaterThanOrEqual(a.type.byteLength);
      }
    }
  });

  it('is formatted and type-checks', () => {
    const text = emitGraph(tpLinear().graph()).text;
    const sf = new Project({ useInMemoryFileSystem: true }).createSourceFile('/g.ts', text);
    sf.formatText({ indentSize: 2, convertTabsToSpaces: true });
    expect(sf.getFullText()).toBe(text);
    expect(() => typeCheck(text)).not.toThrow();
    expect(() => typeCheck(`${text}\nconst unused: number = 'x';\n`)).toThrow(/does not type-check, got 2 diagnostics/);
  });
});

describe('compiling and running', () => {
  it('caches compiled modules by structural hash: names do not matter, structure does', () => {
    const a = tpLinear();
    const renamed = parseModule(printModule(a).replaceAll('%xq', '%quantized').replaceAll('@w0', '@weights'));
    expect(compileGraph(a)).toBe(compileGraph(a));
    expect(compileGraph(renamed)).toBe(compileGraph(a));
    const changed = parseModule(printModule(a).replace('max = 127.0', 'max = 126.0'));
    expect(compileGraph(changed)).not.toBe(compileGraph(a));
  });

  it('reuses rank instances across runs without letting a run change an earlier result', async () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([2, 8], 'f16'), 'x');
    const y = b.prim.mul(b.prim.cast(x, 'f32'), b.prim.cast(x, 'f32'));
    b.return(y, b.prim.reduceMax(y, [1]));
    const feed = (v: number) => new Uint16Array(16).fill(f16FromF64(v));
    const first = await runCompiled(b.module, { x: feed(3) });
    const second = await runCompiled(b.module, { x: feed(-2) });
    expect([...(first.outputs[0]![0]!.data as Float32Array)]).toEqual(new Array(16).fill(9));
    expect([...(first.outputs[0]![1]!.data as Float32Array)]).toEqual([9, 9]);
    expect([...(second.outputs[0]![1]!.data as Float32Array)]).toEqual([4, 4]);
  });

  it('runs concurrent runs of one module on separate instances', async () => {
    const b = Builder.graph('g', { worldSize: 2 });
    const x = b.param(new TensorType([4], 'f32'), 'x');
    b.return(b.comm.allReduce(b.prim.add(x, x)));
    const runs = [1, 2, 3, 4].map((k) => runCompiled(b.module, { x: new Float32Array(4).fill(k) }));
    const results = await Promise.all(runs);
    results.forEach((r, k) => expect([...(r.outputs[1]![0]!.data as Float32Array)]).toEqual(new Array(4).fill(4 * (k + 1))));
  });
});
