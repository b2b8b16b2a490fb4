// The pass manager: pipeline strings, verification after each pass, dumps, statistics, timings,
// and the failure report that lets a failing pipeline be reproduced.
import { describe, expect, it } from 'vitest';
import { FractalError } from '../../src/ir/diagnostics.ts';
import type { Module } from '../../src/ir/module.ts';
import { parseModule } from '../../src/ir/parse.ts';
import { printModule } from '../../src/ir/print.ts';
import { TensorType } from '../../src/ir/types.ts';
import type { Pass } from '../../src/passes/pass.ts';
import { PipelineError, parsePipeline, runPipeline } from '../../src/passes/pass-manager.ts';
import { DEFAULT_PIPELINE } from '../../src/passes/pipelines.ts';
import { Rewriter } from '../../src/passes/rewrite/rewriter.ts';

const TEXT = `graph @g(%x: tensor<4xf32>) -> (tensor<4xf32>) {
  %a = prim.cast(%x) {to = f32} : (tensor<4xf32>) -> tensor<4xf32>
  %b = prim.abs(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %c = prim.abs(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %d = prim.neg(%c) : (tensor<4xf32>) -> tensor<4xf32>
  %s = prim.add(%b, %c) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %s
}
`;

/** A pass that retypes the first statement's result: the IR it leaves does not verify. */
const breakTypes: Pass = {
  name: 'break-types',
  summary: 'test: corrupts a result type',
  run(m: Module) {
    const g = m.graphs[0]!;
    new Rewriter(g).setType(g.nodes[0]!.result, new TensorType([4], 'f16'));
    return { changed: true, stats: {} };
  },
};

const crash: Pass = {
  name: 'crash',
  summary: 'test: has a bug',
  run() {
    return (undefined as unknown as { x: { y: number } }).x.y > 0 ? { changed: false, stats: {} } : { changed: false, stats: {} };
  },
};

const liar: Pass = {
  name: 'liar',
  summary: 'test: changes the IR but says it did not',
  run(m: Module) {
    const g = m.graphs[0]!;
    g.nodes[0]!.results[0]!.hint = 'renamed';
    return { changed: false, stats: {} };
  },
};

describe('pipeline strings', () => {
  it('split at commas with whitespace around names ignored', () => {
    expect(parsePipeline(' canonicalize ,\tcse,dce\n')).toEqual(['canonicalize', 'cse', 'dce']);
    expect(parsePipeline('dce,dce')).toEqual(['dce', 'dce']);
  });

  it('expand default to the pipeline of ir.md §9.1', () => {
    expect(DEFAULT_PIPELINE.join(',')).toBe('canonicalize,fuse-quant,assign-weight-layout,fold-trans-data,constant-fold,cse,dce');
    // Stand-ins for passes registered elsewhere keep this test about the expansion only.
    const stubs = ['fuse-quant', 'assign-weight-layout', 'fold-trans-data'].map((name): Pass => ({ name, summary: '', run: () => ({ changed: false, stats: {} }) }));
    expect(parsePipeline('cse, default', stubs)).toEqual(['cse', ...DEFAULT_PIPELINE]);
  });

  it('reject unknown and empty names with PARSE errors that point at them', () => {
    const err = (p: string) => {
      try {
        parsePipeline(p);
      } catch (e) {
        expect(e).toBeInstanceOf(FractalError);
        expect((e as FractalError).code).toBe('PARSE');
        return (e as FractalError).message;
      }
      throw new Error(`no error for '${p}'`);
    };
    expect(err('cse, fuse-foo')).toMatch(/^pipeline:1:6: expected a pass name \([a-z0-9, -]*\bcse, dce\b[a-z0-9, -]*\), got 'fuse-foo'$/);
    expect(err('cse,,dce')).toBe("pipeline:1:5: expected a pass name, got ','");
    expect(err('cse, ')).toBe('pipeline:1:6: expected a pass name, got end of input');
    expect(err('')).toBe('pipeline:1:1: expected a pass name, got end of input');
  });

  it('accept passes of your own next to the registered ones', () => {
    const m = parseModule(TEXT);
    const r = runPipeline(m, 'liar', { passes: [liar] });
    expect(r.stats).toEqual([{ pass: 'liar', changed: false, stats: {} }]);
  });
});

describe('runPipeline', () => {
  it('runs the passes in order on the module and records what each did', () => {
    const m = parseModule(TEXT);
    const r = runPipeline(m, 'canonicalize,cse,dce', { strict: true });
    expect(r.module).toBe(m);
    expect(r.changed).toBe(true);
    expect(r.stats).toEqual([
      { pass: 'canonicalize', changed: true, stats: { 'cast-to-own-dtype': 1 } },
      { pass: 'cse', changed: true, stats: { replaced: 1 } },
      { pass: 'dce', changed: true, stats: { erased: 1 } },
    ]);
    expect(r.timings.map((t) => t.pass)).toEqual(['canonicalize', 'cse', 'dce']);
    expect(r.timings.every((t) => t.ms >= 0)).toBe(true);
    expect(printModule(m)).toBe(
      [
        'graph @g(%x: tensor<4xf32>) -> (tensor<4xf32>) {',
        '  %b = prim.abs(%x) : (tensor<4xf32>) -> tensor<4xf32>',
        '  %s = prim.add(%b, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>',
        '  return %s',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('dumps the IR before and after each pass, or only after a change', () => {
    const all = runPipeline(parseModule(TEXT), 'cse,cse', { printBefore: true, printAfter: true });
    expect(all.dumps.map((d) => `${d.index}:${d.pass}:${d.when}`)).toEqual(['0:cse:before', '0:cse:after', '1:cse:before', '1:cse:after']);
    expect(all.dumps[0]!.ir).toBe(printModule(parseModule(TEXT)));
    expect(all.dumps[1]!.ir).not.toContain('%c = prim.abs');
    const changes = runPipeline(parseModule(TEXT), 'cse,cse,dce', { printAfterChange: true });
    expect(changes.dumps.map((d) => `${d.index}:${d.pass}:${d.when}`)).toEqual(['0:cse:after', '2:dce:after']);
  });

  it('reports a pass that leaves invalid IR with everything needed to reproduce it', () => {
    const m = parseModule(TEXT);
    let error: unknown;
    try {
      runPipeline(m, 'canonicalize, break-types,dce', { passes: [breakTypes] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PipelineError);
    const e = error as PipelineError;
    expect(e.code).toBe('VERIFY');
    expect(e.rule).toBe('prim.6');
    expect(e.pass).toBe('break-types');
    expect(e.passesBefore).toEqual(['canonicalize']);
    expect(e.pipeline).toBe('canonicalize, break-types,dce');
    expect(e.irBefore).toBe(printModule(runPipeline(parseModule(TEXT), 'canonicalize').module));
    expect(e.message).toMatch(
      new RegExp(
        [
          '^pass break-types failed: prim\\.abs %b: \\[prim\\.6\\] .*',
          '  pipeline: "canonicalize, break-types,dce"',
          '  passes run before it: canonicalize',
          '  reproduce: run --pipeline "break-types" on the IR before the pass \\(error\\.irBefore\\)$',
        ].join('\\n'),
      ),
    );
  });

  it('wraps a crashing pass as a FractalError naming it', () => {
    expect(() => runPipeline(parseModule(TEXT), 'crash', { passes: [crash] })).toThrow(/^pass crash failed: internal error: .*\n  pipeline: "crash"\n  passes run before it: none/);
  });

  it('verifies the input before the first pass, and can skip verification', () => {
    const m = parseModule(TEXT);
    breakTypes.run(m, undefined as never);
    expect(() => runPipeline(m, 'dce')).toThrow(/^prim\.cast %a: \[prim\.6\]/);
    expect(runPipeline(m, 'dce', { verifyEach: false }).changed).toBe(true);
  });

  it('in strict mode, catches a pass whose changed flag disagrees with the IR', () => {
    expect(() => runPipeline(parseModule(TEXT), 'liar', { passes: [liar], strict: true })).toThrow(/pass liar failed: the pass reported changed = false, but the printed IR differs/);
  });
});
