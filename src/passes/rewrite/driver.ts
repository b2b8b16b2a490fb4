// The greedy driver: sweeps every graph applying rules until a sweep changes nothing. Within a
// sweep rules go in priority order (benefit, then larger patterns, then definition order) and
// each tries every statement of its root op(s), found through an index by op built per sweep.
import { FractalError } from '../../ir/diagnostics.ts';
import type { Graph } from '../../ir/graph.ts';
import { Module } from '../../ir/module.ts';
import type { Node } from '../../ir/node.ts';
import { subjectOf } from '../../ir/verify.ts';
import { checkStructure, matchAt, type Match, type Namer } from './match.ts';
import type { Rule } from './pattern.ts';
import { Rewriter } from './rewriter.ts';

export interface DriverOptions {
  /** Throw on non-convergence and on a rule that reports success without a change (tests). */
  readonly strict?: boolean;
  /** Sweeps per graph before giving up; default 16. */
  readonly maxIterations?: number;
}

export interface DriverResult {
  readonly changed: boolean;
  /** False when some graph still changed in its last allowed sweep. */
  readonly converged: boolean;
  /** Times each rule fired (rules that never fired are absent). */
  readonly applied: Record<string, number>;
}

/** Rules in the order the driver tries them. */
export function orderRules(rules: readonly Rule[]): Rule[] {
  return rules
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (b.r.benefit ?? 0) - (a.r.benefit ?? 0) || b.r.size - a.r.size || a.i - b.i)
    .map((x) => x.r);
}

/** Structural checks, then the guard: what the driver requires of a complete match. */
export function acceptMatch(rule: Rule, m: Match, name?: Namer): true | string {
  const s = checkStructure(m, name);
  if (s !== true) return s;
  const g = rule.guard?.(m) ?? true;
  return g === true ? true : `guard: ${g}`;
}

export function applyRules(target: Module | Graph, rules: readonly Rule[], opts: DriverOptions = {}): DriverResult {
  const graphs = target instanceof Module ? target.graphs : [target];
  const ordered = orderRules(rules);
  const applied: Record<string, number> = {};
  let changed = false;
  let converged = true;
  for (const g of graphs) {
    const r = applyToGraph(g, ordered, opts, applied);
    changed ||= r.changed;
    converged &&= r.converged;
  }
  return { changed, converged, applied };
}

function applyToGraph(g: Graph, rules: readonly Rule[], opts: DriverOptions, applied: Record<string, number>): { changed: boolean; converged: boolean } {
  const max = opts.maxIterations ?? 16;
  let changed = false;
  for (let sweep = 0; sweep < max; sweep++) {
    let changedNow = false;
    const byOp = new Map<string, Node[]>();
    for (const n of g.nodes) {
      const list = byOp.get(n.op);
      if (list) list.push(n);
      else byOp.set(n.op, [n]);
    }
    for (const rule of rules) {
      for (const op of rule.rootOps) {
        for (const node of byOp.get(op) ?? []) {
          if (node.graph !== g) continue; // erased by an earlier rewrite of this sweep
          if (applyAt(g, rule, node, opts)) {
            applied[rule.name] = (applied[rule.name] ?? 0) + 1;
            changedNow = true;
          }
        }
      }
    }
    if (!changedNow) return { changed, converged: true };
    changed = true;
  }
  if (opts.strict) {
    throw new FractalError('VERIFY', `graph @${g.name}: rewrite rules did not converge within ${max} sweeps (fired: ${Object.entries(applied).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  }
  return { changed, converged: false };
}

/** Matches, checks and rewrites at one statement; true when the graph changed. */
function applyAt(g: Graph, rule: Rule, node: Node, opts: DriverOptions): boolean {
  const { match } = matchAt(rule, node, { accept: (m) => acceptMatch(rule, m) });
  if (!match) return false;
  const where = () => subjectOf(node);
  const rw = new Rewriter(g, match.last);
  const wasUsed = new Set([...match.nodes].filter((n) => n.results.some((r) => g.isUsed(r))));
  const verdict = rule.rewrite(rw, match);
  if (verdict === false) {
    if (rw.mutations > 0) {
      throw new FractalError('VERIFY', `rule ${rule.name} declined at ${where()} after mutating the graph: guard first, then mutate`);
    }
    return false;
  }
  if (rw.mutations === 0) {
    if (opts.strict) throw new FractalError('VERIFY', `rule ${rule.name} reported success at ${where()} but changed nothing`);
    return false;
  }
  // Matched statements the rewrite left unused go: those it replaced, and those that were used
  // before it. A statement that was dead already is dce's business.
  const doomed = new Set<Node>();
  const candidates = [...match.nodes].filter((n) => n.graph === g && (wasUsed.has(n) || n.results.some((r) => rw.wasReplaced(r))));
  for (let grew = true; grew; ) {
    grew = false;
    for (const n of candidates) {
      if (doomed.has(n) || !n.results.every((r) => !g.outputs.includes(r) && r.uses.every((u) => doomed.has(u.node)))) continue;
      doomed.add(n);
      grew = true;
    }
  }
  rw.eraseAll(doomed);
  rw.restoreOrder();
  return true;
}
