// canonicalize (ir.md §9.2): exactly the listed bit-preserving rewrites, as rules.
//
// * identities replaced by their operand: cast/bitcast to x's own dtype, reshape/broadcast_to to
//   x's shape, transpose with perm [0, 1, …], slice of all of x, pad with zero low and high,
//   concat of one operand, reduce_max with axes = [];
// * reshape(reshape(x)) → reshape(x); transpose(transpose(x)) → one transpose, perm[i] =
//   inner[outer[i]] (the inner statement is a leaf: it stays for its other users, or for dce);
// * negative `axis`/`axes` of prim.* ops made non-negative, reduce_max `axes` sorted ascending.
import { intAttr, intsAttr, type Attr } from '../ir/attr.ts';
import type { Node } from '../ir/node.ts';
import { OPS, type OpDef, type OpName } from '../ir/ops/registry.ts';
import { rulePass, type Pass } from './pass.ts';
import { ANY_OPERANDS, attrWhere, capture, defineRule, op, type Rule } from './rewrite/pattern.ts';

const ints = (a: Attr): number[] => (a.k === 'array' ? a.v.map((x) => Number(x.v as bigint)) : []);
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
const x0 = (n: Node) => n.operands[0]!.type;

/** `op(x)` whose result equals x: replace the result by x. */
function identity(name: string, ops: OpName | readonly OpName[], when: (n: Node) => boolean, what: string): Rule {
  return defineRule({
    name,
    pattern: op(ops, [capture('x')], { as: 'y', where: (n) => when(n) || what }),
    rewrite: (rw, m) => rw.replace(m.value('y'), m.value('x')),
  });
}

const identities: Rule[] = [
  identity('cast-to-own-dtype', ['prim.cast', 'prim.bitcast'], (n) => n.result.type.dtype === x0(n).dtype, "expected a cast to the operand's dtype"),
  identity('reshape-to-own-shape', ['prim.reshape', 'prim.broadcast_to'], (n) => sameShape(n.result.type.shape, x0(n).shape), "expected the operand's shape"),
  identity('identity-transpose', 'prim.transpose', (n) => n.ints('perm').every((p, i) => p === i), 'expected perm [0, 1, …]'),
  identity('whole-slice', 'prim.slice', (n) => n.ints('start').every((s) => s === 0) && sameShape(n.ints('end'), x0(n).shape), 'expected a slice of the whole operand'),
  identity('zero-pad', 'prim.pad', (n) => [...n.ints('low'), ...n.ints('high')].every((p) => p === 0), 'expected zero low and high'),
  identity('single-concat', 'prim.concat', () => true, ''),
  identity('empty-reduce-max', 'prim.reduce_max', (n) => n.ints('axes').length === 0, 'expected axes = []'),
];

const reshapeOfReshape = defineRule({
  name: 'reshape-of-reshape',
  pattern: op('prim.reshape', [op('prim.reshape', [capture('x')], { leaf: true })], { as: 'y' }),
  rewrite(rw, m) {
    const y = m.value('y');
    rw.replace(y, rw.b.prim.reshape(m.value('x'), y.type.shape));
  },
});

const transposeOfTranspose = defineRule({
  name: 'transpose-of-transpose',
  pattern: op('prim.transpose', [op('prim.transpose', [capture('x')], { as: 'inner', leaf: true })], { as: 'y' }),
  rewrite(rw, m) {
    const inner = m.node('inner').ints('perm');
    const outer = m.node('y').ints('perm');
    rw.replace(m.value('y'), rw.b.prim.transpose(m.value('x'), outer.map((o) => inner[o]!)));
  },
});

/** prim ops with an `axis` attribute; the axis counts in the rank of operand 0 (x or x₀). */
const AXIS_OPS = Object.values(OPS as Readonly<Record<string, OpDef>>)
  .filter((d) => d.name.startsWith('prim.') && d.attrs['axis'])
  .map((d) => d.name as OpName);

const nonNegativeAxis = defineRule({
  name: 'non-negative-axis',
  pattern: op(AXIS_OPS, ANY_OPERANDS, { attrs: { axis: attrWhere((a) => (a.v as bigint) < 0n, 'a negative axis') } }),
  rewrite(rw, m) {
    const n = m.roots[0]!;
    rw.setAttrs(n, { axis: intAttr(n.int('axis') + x0(n).rank) });
  },
});

const canonicalAxes = (axes: readonly number[], rank: number): number[] => axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);

const normalizeReduceAxes = defineRule({
  name: 'reduce-max-axes',
  pattern: op('prim.reduce_max', ANY_OPERANDS, {
    attrs: {
      axes: attrWhere((a, n) => {
        const axes = ints(a);
        return !sameShape(axes, canonicalAxes(axes, x0(n).rank));
      }, 'negative or unsorted axes'),
    },
  }),
  rewrite(rw, m) {
    const n = m.roots[0]!;
    rw.setAttrs(n, { axes: intsAttr(canonicalAxes(n.ints('axes'), x0(n).rank)) });
  },
});

export const CANONICALIZE_RULES: readonly Rule[] = [...identities, reshapeOfReshape, transposeOfTranspose, nonNegativeAxis, normalizeReduceAxes];

export const canonicalize: Pass = rulePass('canonicalize', 'bit-preserving simplifications of ir.md §9.2 (identities, reshape/transpose chains, axes)', CANONICALIZE_RULES);
