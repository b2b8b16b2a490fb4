// The pass manager: parses a pipeline string (ir.md §9.1), runs the passes in order on a module
// (in place), verifies after every pass, and records IR dumps, timings, statistics and warnings.
// A failing pass throws a PipelineError that names the pass, the passes before it and the
// pipeline, and carries the IR as it was before the pass, so `fractal opt` reproduces it.
import { FractalError, type Warning } from '../ir/diagnostics.ts';
import type { Module } from '../ir/module.ts';
import { printModule } from '../ir/print.ts';
import { verifyModule } from '../ir/verify.ts';
import type { Evaluator } from './evaluator.ts';
import type { Pass, PassContext } from './pass.ts';
import { NAMED_PIPELINES } from './pipelines.ts';
import { hasPass, passByName, passNames } from './registry.ts';

export interface PipelineOptions {
  /** Passes of your own, usable by name in this pipeline next to the registered ones. */
  readonly passes?: readonly Pass[];
  /** Verify the input and the module after every pass (default true). */
  readonly verifyEach?: boolean;
  /** Dump the IR before / after every pass, or after each pass that changed it. */
  readonly printBefore?: boolean;
  readonly printAfter?: boolean;
  readonly printAfterChange?: boolean;
  /** For constant-fold and fold-trans-data; without one they fold nothing. */
  readonly evaluator?: Evaluator;
  /** constant-fold's size limit in elements (operands + results, over evaluated ranks); default 2^20. */
  readonly foldLimit?: number;
  /** Tests: rewrites that do not converge or claim success without change throw, and so does a
   *  pass whose `changed` disagrees with the printed IR. */
  readonly strict?: boolean;
  /** Greedy rewrite sweeps per graph (default 16). */
  readonly maxIterations?: number;
}

export interface PassRecord {
  readonly pass: string;
  readonly changed: boolean;
  /** Rule firings and other counters of this run of the pass. */
  readonly stats: Readonly<Record<string, number>>;
}

export interface PassTiming {
  readonly pass: string;
  readonly ms: number;
}

export interface IrDump {
  readonly pass: string;
  /** Position of the pass in the expanded pipeline. */
  readonly index: number;
  readonly when: 'before' | 'after';
  readonly ir: string;
}

export interface PipelineResult {
  /** The input module, transformed in place. */
  readonly module: Module;
  readonly changed: boolean;
  /** One record per pass run, in order. */
  readonly stats: readonly PassRecord[];
  readonly timings: readonly PassTiming[];
  /** Warnings raised while passes evaluated ops (constant-fold), in order (ir.md §8.3). */
  readonly warnings: readonly Warning[];
  readonly dumps: readonly IrDump[];
}

/** A pass failed or left invalid IR. */
export class PipelineError extends FractalError {
  constructor(
    readonly pass: string,
    readonly passesBefore: readonly string[],
    readonly pipeline: string,
    /** The module printed before the failing pass: run `--pipeline "<pass>"` on it to reproduce. */
    readonly irBefore: string,
    cause: unknown,
  ) {
    const inner = cause instanceof FractalError ? cause : undefined;
    const what = inner ? inner.message : `internal error: ${(cause as Error)?.message ?? String(cause)}`;
    super(
      inner?.code ?? 'VERIFY',
      [
        `pass ${pass} failed: ${what}`,
        `  pipeline: "${pipeline}"`,
        `  passes run before it: ${passesBefore.length > 0 ? passesBefore.join(', ') : 'none'}`,
        `  reproduce: run --pipeline "${pass}" on the IR before the pass (error.irBefore)`,
      ].join('\n'),
      inner?.rule,
      inner?.loc ? { cause, loc: inner.loc } : { cause },
    );
  }
}

/**
 * The pass names of a pipeline string: comma-separated, whitespace around names ignored, named
 * pipelines (`default`) expanded. An empty or unknown name is a PARSE error with its column.
 */
export function parsePipeline(text: string, extra: readonly Pass[] = []): string[] {
  const lookup = resolver(extra);
  const out: string[] = [];
  let col = 1;
  for (const part of text.split(',')) {
    const name = part.trim();
    const at = col + (part.length - part.trimStart().length);
    if (name === '') {
      const got = col + part.length <= text.length ? "','" : 'end of input';
      throw new FractalError('PARSE', `pipeline:1:${at}: expected a pass name, got ${got}`);
    }
    const named = NAMED_PIPELINES[name];
    if (named) out.push(...named);
    else if (lookup.has(name)) out.push(name);
    else {
      const known = [...lookup.names(), ...Object.keys(NAMED_PIPELINES)].sort().join(', ');
      throw new FractalError('PARSE', `pipeline:1:${at}: expected a pass name (${known}), got '${name}'`);
    }
    col += part.length + 1;
  }
  // Resolving here reports a named pipeline whose passes are not all registered.
  for (const name of out) lookup.get(name);
  return out;
}

/** The registry, with a run's own passes taking precedence. */
function resolver(extra: readonly Pass[]) {
  const own = new Map(extra.map((p) => [p.name, p]));
  return {
    has: (name: string) => own.has(name) || hasPass(name),
    get: (name: string): Pass => own.get(name) ?? passByName(name),
    names: () => [...new Set([...passNames(), ...own.keys()])],
  };
}

export function runPipeline(module: Module, pipeline: string, options: PipelineOptions = {}): PipelineResult {
  const names = parsePipeline(pipeline, options.passes);
  const lookup = resolver(options.passes ?? []);
  const verifyEach = options.verifyEach ?? true;
  const strict = options.strict ?? false;
  const warnings: Warning[] = [];
  const stats: PassRecord[] = [];
  const timings: PassTiming[] = [];
  const dumps: IrDump[] = [];
  const ctx: PassContext = {
    evaluator: options.evaluator,
    strict,
    maxIterations: options.maxIterations ?? 16,
    foldLimit: options.foldLimit ?? 1 << 20,
    warn: (w) => warnings.push(w),
  };
  if (verifyEach) verifyModule(module);
  let changed = false;
  names.forEach((name, index) => {
    const pass = lookup.get(name);
    const before = printModule(module);
    const fail = (e: unknown) => new PipelineError(name, names.slice(0, index), pipeline, before, e);
    if (options.printBefore) dumps.push({ pass: name, index, when: 'before', ir: before });
    const t0 = performance.now();
    let result;
    try {
      result = pass.run(module, ctx);
    } catch (e) {
      throw fail(e);
    }
    timings.push({ pass: name, ms: performance.now() - t0 });
    if (verifyEach) {
      try {
        verifyModule(module);
      } catch (e) {
        throw fail(e);
      }
    }
    const after = options.printAfter || options.printAfterChange || strict ? printModule(module) : undefined;
    if (strict && (after !== before) !== result.changed) {
      throw fail(new FractalError('VERIFY', `the pass reported changed = ${result.changed}, but the printed IR ${after === before ? 'is the same' : 'differs'}`));
    }
    if (after !== undefined && (options.printAfter || (options.printAfterChange && after !== before))) {
      dumps.push({ pass: name, index, when: 'after', ir: after });
    }
    stats.push({ pass: name, changed: result.changed, stats: result.stats });
    changed ||= result.changed;
  });
  return { module, changed, stats, timings, warnings, dumps };
}
