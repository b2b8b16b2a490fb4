// The pass interface (ir.md §9): a named transformation of a module, run by the pass manager.
import type { Warning } from '../ir/diagnostics.ts';
import type { Module } from '../ir/module.ts';
import type { Evaluator } from './evaluator.ts';
import { applyRules } from './rewrite/driver.ts';
import type { Rule } from './rewrite/pattern.ts';

/** What a pass reports: whether it changed the module, and named counters (rule firings, …). */
export interface PassResult {
  readonly changed: boolean;
  readonly stats: Readonly<Record<string, number>>;
}

/** What the pass manager hands every pass. */
export interface PassContext {
  /** Computes ops on constant operands (constant-fold, fold-trans-data); passes never import a backend. */
  readonly evaluator: Evaluator | undefined;
  /** Tests: a rewrite that does not converge or claims success without a change throws. */
  readonly strict: boolean;
  /** Greedy rewrite sweeps per graph before a pass gives up (reported as not converged). */
  readonly maxIterations: number;
  /** constant-fold evaluates an op only if its operands and results hold at most this many elements. */
  readonly foldLimit: number;
  /** Records a warning (ir.md §8.3), e.g. one raised while evaluating an op during folding. */
  warn(w: Warning): void;
}

export interface Pass {
  /** The name in pipeline strings; equals the pass's file name. */
  readonly name: string;
  /** One line for `--help` and error messages. */
  readonly summary: string;
  /** The rewrite rules a pattern pass applies, for `explain` by rule name. */
  readonly rules?: readonly Rule[];
  /** Mutates `module` in place (through a Rewriter); must be idempotent. */
  run(module: Module, ctx: PassContext): PassResult;
}

/** A pass that runs a set of rewrite rules to a fixpoint; its stats count each rule's firings. */
export function rulePass(name: string, summary: string, rules: readonly Rule[]): Pass {
  return {
    name,
    summary,
    rules,
    run(module, ctx) {
      const r = applyRules(module, rules, { strict: ctx.strict, maxIterations: ctx.maxIterations });
      const stats: Record<string, number> = { ...r.applied };
      if (!r.converged) stats['not-converged'] = 1;
      return { changed: r.changed, stats };
    },
  };
}
