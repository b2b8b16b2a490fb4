// fold-trans-data (ir.md §9.2): removes layout conversions, to a fixpoint, by four rules tried in
// this order (each sweep of the driver applies one rule everywhere before the next):
//
//   identity        trans_data(v) whose result type is v's type              → v
//   inverse pair    trans_data(trans_data(v)) with v's type                   → v
//   merge siblings  two trans_data of one value with the same result type     → the first
//   into constant   trans_data(prim.constant @r)                              → a constant in the new layout
//
// Merging siblings before folding into constants matters: two conversions of one weight become
// one, so the weight is retyped in place instead of copied into a second resource.
//
// A constant is retyped in place (resource and statement; it keeps its position and hint) when
// the trans_data is its only user and no other statement references its resource; otherwise a
// new constant of a new resource `@<r>_nz` / `@<r>_nd` (made unique) replaces the trans_data.
// Initializers list logical elements (ir.md §3.1), so they are the same in every layout: the
// data is not recomputed, and the NZ storage derived from it is what trans_data computes.
import { resourceAttr } from '../../ir/attr.ts';
import type { Module } from '../../ir/module.ts';
import type { Value } from '../../ir/value.ts';
import { rulePass, type Pass } from '../pass.ts';
import type { Match } from '../rewrite/match.ts';
import { capture, constant, defineRule, op, type Rule } from '../rewrite/pattern.ts';

/** The conversion `y` gives back the type of `x`. */
function backToTypeOf(m: Match): true | string {
  const x = m.value('x').type;
  const y = m.value('y').type;
  return y.equals(x) || `the result type ${y} is not ${x}`;
}

const identity = defineRule({
  name: 'trans-data-identity',
  benefit: 4,
  pattern: op('layout.trans_data', [capture('x')], { as: 'y' }),
  guard: backToTypeOf,
  rewrite: (rw, m) => rw.replace(m.value('y'), m.value('x')),
});

const inversePair = defineRule({
  name: 'trans-data-inverse-pair',
  benefit: 3,
  // The inner conversion is a leaf: it may have other users; if this was its last, it goes too.
  pattern: op('layout.trans_data', [op('layout.trans_data', [capture('x')], { as: 'inner', leaf: true })], { as: 'y' }),
  guard: backToTypeOf,
  rewrite(rw, m) {
    rw.replace(m.value('y'), m.value('x'));
    rw.erase(m.node('y'));
    const inner = m.node('inner');
    if (!rw.graph.isUsed(inner.result)) rw.erase(inner);
  },
});

/** The first trans_data of `y`'s operand, in statement order, with y's result type, if before y. */
function earlierSibling(y: Value): Value | undefined {
  const node = y.producer!;
  const g = node.graph!;
  const x = node.operands[0]!;
  const order = new Map(g.nodes.map((n, i) => [n, i]));
  let first: Value | undefined;
  for (const u of x.uses) {
    const n = u.node;
    if (n === node || n.op !== 'layout.trans_data' || !n.result.type.equals(y.type)) continue;
    if ((order.get(n) ?? Infinity) < (order.get(first?.producer ?? node) ?? Infinity)) first = n.result;
  }
  return first;
}

const mergeSiblings = defineRule({
  name: 'trans-data-merge-siblings',
  benefit: 2,
  pattern: op('layout.trans_data', [capture('x')], { as: 'y', where: (n) => earlierSibling(n.result) !== undefined || 'no earlier trans_data of the same value to the same type' }),
  rewrite: (rw, m) => rw.replace(m.value('y'), earlierSibling(m.value('y'))!),
});

/** Statements, in any graph of the module, that read resource `name`. */
function references(module: Module, name: string): number {
  let count = 0;
  for (const g of module.graphs) for (const n of g.nodes) if (n.op === 'prim.constant' && n.attrs['value']?.v === name) count++;
  return count;
}

const intoConstant = defineRule({
  name: 'trans-data-into-constant',
  benefit: 1,
  pattern: op('layout.trans_data', [constant('c')], { as: 'y' }),
  rewrite(rw, m) {
    const y = m.value('y');
    const c = m.value('c');
    const r = m.resource('c');
    const layout = y.type.layout;
    const exclusive = c.uses.length === 1 && !rw.graph.outputs.includes(c) && references(rw.module, r.name) === 1;
    if (exclusive) {
      rw.updateResource(r.name, { type: r.type.with({ layout }) });
      rw.setType(c, y.type);
      rw.replace(y, c);
      return;
    }
    const name = rw.module.freshResourceName(`${r.name}_${layout.kind}`);
    rw.addResource({ name, type: r.type.with({ layout }), init: r.init, perRank: r.perRank });
    rw.replace(y, rw.create('prim.constant', [], { value: resourceAttr(name) }, { results: [y.type] }).result);
  },
});

export const FOLD_TRANS_DATA_RULES: readonly Rule[] = [identity, inversePair, mergeSiblings, intoConstant];

export const foldTransData: Pass = rulePass(
  'fold-trans-data',
  'cancels, merges and drops layout.trans_data, and folds conversions of constants into the constants',
  FOLD_TRANS_DATA_RULES,
);
