// Why a rule does or does not apply, at every candidate root: the furthest point the pattern
// reached and what it found there, or which structural check or guard rejected a full match.
import type { Graph } from '../../ir/graph.ts';
import { Module } from '../../ir/module.ts';
import { valueNames } from '../../ir/names.ts';
import type { Node } from '../../ir/node.ts';
import { acceptMatch } from './driver.ts';
import { matchAt, type Namer } from './match.ts';
import { describePattern, type Rule } from './pattern.ts';

export interface Explanation {
  readonly graph: Graph;
  readonly node: Node;
  /** `prim.cast %y` */
  readonly subject: string;
  /** `applies`; `no-match`: the pattern failed; `rejected`: a full match failed a check or the guard. */
  readonly verdict: 'applies' | 'no-match' | 'rejected';
  /** Empty when the rule applies. */
  readonly reason: string;
}

/** One explanation per statement whose op is a root op of the rule, in graph order. */
export function explainRule(target: Module | Graph, rule: Rule): Explanation[] {
  const graphs = target instanceof Module ? target.graphs : [target];
  const out: Explanation[] = [];
  for (const g of graphs) {
    const names = valueNames(g);
    const name: Namer = (v) => `%${names.get(v) ?? v.hint ?? '?'}`;
    for (const node of g.nodes) {
      if (!rule.rootOps.includes(node.op)) continue;
      let rejection: string | undefined;
      const { match, failure } = matchAt(rule, node, {
        trace: name,
        accept: (m) => {
          const verdict = acceptMatch(rule, m, name);
          if (verdict !== true) rejection ??= verdict;
          return verdict;
        },
      });
      const subject = `${node.op} ${node.results[0] ? name(node.results[0]) : ''}`.trim();
      if (match) out.push({ graph: g, node, subject, verdict: 'applies', reason: '' });
      else if (rejection !== undefined) out.push({ graph: g, node, subject, verdict: 'rejected', reason: rejection });
      else out.push({ graph: g, node, subject, verdict: 'no-match', reason: failure ?? 'no match' });
    }
  }
  return out;
}

/**
 * Readable text, e.g.
 *
 *   rule fold-mul-one: prim.mul(x, constant one = 1) as y
 *   graph @g: prim.mul %y: no match: prim.mul %y > operand 1: constant one %c: expected every element to be 1, got 2
 */
export function explain(target: Module | Graph, rule: Rule): string {
  const lines = [`rule ${rule.name}: ${describePattern(rule.pattern)}`];
  const graphs = target instanceof Module ? target.graphs : [target];
  const all = explainRule(target, rule);
  for (const g of graphs) {
    const mine = all.filter((e) => e.graph === g);
    if (mine.length === 0) lines.push(`graph @${g.name}: no ${rule.rootOps.join(' or ')} statement`);
    for (const e of mine) {
      const text = e.verdict === 'applies' ? 'applies' : e.verdict === 'rejected' ? `rejected: ${e.reason}` : `no match: ${e.reason}`;
      lines.push(`graph @${g.name}: ${e.subject}: ${text}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
