// cse (ir.md §9.2): a statement with the same op, operands, attributes (defaults filled in) and
// result types as an earlier one is replaced by the earlier one. One forward walk suffices:
// replacing a statement's results before later statements are keyed lets their duplicates meet.
import type { Attr } from '../ir/attr.ts';
import type { Graph } from '../ir/graph.ts';
import type { Node } from '../ir/node.ts';
import { opDef, withDefaults } from '../ir/ops/registry.ts';
import type { Value } from '../ir/value.ts';
import type { Pass } from './pass.ts';
import { printAttr } from '../ir/print.ts';
import { Rewriter } from './rewrite/rewriter.ts';

/** An attribute as a key: kind plus printed form, which keeps -0.0 apart from 0.0 (ir.md §2.4). */
const attrKey = (a: Attr): string => `${a.k}:${printAttr(a)}`;

function cseGraph(g: Graph): number {
  const ids = new Map<Value, number>();
  const id = (v: Value | null): string => {
    if (!v) return 'none';
    let i = ids.get(v);
    if (i === undefined) ids.set(v, (i = ids.size));
    return String(i);
  };
  const seen = new Map<string, Node>();
  const rw = new Rewriter(g);
  let replaced = 0;
  for (const n of [...g.nodes]) {
    const attrs = withDefaults(opDef(n.op), n.attrs);
    const key = [
      n.op,
      n.operands.map(id).join(','),
      Object.keys(attrs)
        .sort()
        .map((k) => `${k}=${attrKey(attrs[k]!)}`)
        .join(','),
      n.results.map((r) => r.type.toString()).join(','),
    ].join('|');
    const earlier = seen.get(key);
    if (!earlier) {
      seen.set(key, n);
      continue;
    }
    rw.replaceNode(n, earlier.results);
    replaced++;
  }
  return replaced;
}

export const cse: Pass = {
  name: 'cse',
  summary: 'replaces a statement by an identical earlier one (op, operands, attributes, result types)',
  run(module) {
    let replaced = 0;
    for (const g of module.graphs) replaced += cseGraph(g);
    const stats: Record<string, number> = replaced > 0 ? { replaced } : {};
    return { changed: replaced > 0, stats };
  },
};
