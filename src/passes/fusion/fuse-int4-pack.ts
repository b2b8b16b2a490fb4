// fuse-int4-pack (ir.md §7, §9.2; convert_weight_to_int4pack.md §2): int4 weight packing written
// in primitives becomes npu.convert_weight_to_int4_pack. Two families of forms fuse.
//
// 1. Casts (the op's decomposition):
//
//   before                                              after
//
//   w: i32 [d0, d1]                                      w: i32 [d0, d1]
//    │ (prim.and with a mask whose low 4 bits are set)    │
//   prim.cast {to = i4}          i4 [d0, d1]             npu.convert_weight_to_int4_pack
//    │ (prim.bitcast {to = i32}) i32 [d0, d1/8]           │  result type = the chain's last type
//    │ (layout.trans_data)       #nz<c0=64> / #nz<c0=8>   out
//   out
//
// 2. Mask/shift/or chains written by hand, with L = 2 lanes (bytes) or L = 8 lanes (int32 words):
//
//   before                                                   after
//
//   w: i32 [d0, d1]                                           w: i32 [d0, d1]
//    │                                                         │
//   prim.reshape {shape = [d0, d1/L, L]}                      npu.convert_weight_to_int4_pack
//    │ for each lane s < L, once:                              │  result type = the chain's last type
//    │   prim.slice [0, 0, s]..[d0, d1/L, s+1] → prim.reshape [d0, d1/L]
//    │   term s = shl(and(lane, 15), 4s) or and(shl(lane, 4s), 15 << 4s)   (s = 0: the shift may be
//    │            absent; the top lane s = L-1: the mask may be absent)
//   prim.or of the L terms, nested and ordered any way     i32 [d0, d1/L]
//    │ L = 2: prim.cast {to = u8 | i8}, prim.bitcast {to = i4 | i32}
//    │ (layout.trans_data)
//   out
//
// Why the bits agree: an i32 -> i4 cast keeps the low 4 bits (ir.md §6.4), which is the op's
// masking; i4 elements are packed two per byte, element 2t in the low nibble, so the bitcast to
// i32 gives the op's words Σ (w & 0xF) << 4s (layout.md §3.3); the NZ result is ND->NZ of the
// packed bytes (layout.md §3.4). A mask `and(w, m)` with m & 0xF = 0xF leaves the low 4 bits.
// In a chain, term s holds the low 4 bits of w[i, L·q + s] in bits 4s..4s+3 and zeros below, and
// above unless it is the top lane, whose higher bits leave the container (the i32 word, or the
// byte through the cast to 8 bits): the or is the op's byte or word (convert_weight_to_int4pack.md
// §2), and bytes bitcast to i4 or i32 are the op's two views of them.
//
// Guards: the op accepts the types (a 2-D, non-empty i32 weight; an NZ result with the op's
// c0: 64 for i4, 8 for i32); a mask is absorbed only if it keeps every low bit and does not
// broadcast w (otherwise it stays and the masked value is packed). A chain fuses only if its
// weight is 2-D i32, reshaped to exactly [d0, d1/L, L]; every lane is one whole step-1 slice of
// the last axis, reshaped to [d0, d1/L], and used in exactly one term; masks and shifts are splat
// constants of exactly the values above; nothing broadcasts (the or is [d0, d1/L]); and no
// statement of the chain is used outside it.
import type { Graph } from '../../ir/graph.ts';
import type { Node } from '../../ir/node.ts';
import { shapesEqual, shapeToString } from '../../ir/types.ts';
import type { Value } from '../../ir/value.ts';
import { rulePass, type Pass } from '../pass.ts';
import { splatValue, type Match } from '../rewrite/match.ts';
import { opAccepts } from '../rewrite/op-accepts.ts';
import type { Rewriter } from '../rewrite/rewriter.ts';
import { ANY_OPERANDS, capture, constant, defineRule, either, oneOf, op, optional, type OpPattern, type Rule } from '../rewrite/pattern.ts';

// ---- 1. casts ---------------------------------------------------------------------------------

const weight = capture('weight', { dtype: 'i32', rank: 2 });

const masked = optional(op('prim.and', [weight, constant('mask', { dtype: 'i32' })], { as: 'mask_op', commutative: true }));

/** Checked on the cast itself, so explain names the weight's problem rather than the mask's. */
const fromI32 = (n: Node): true | string => n.operands[0]?.type.dtype === 'i32' || `expected an i32 weight, got ${n.operands[0]?.type.dtype}`;

const toI4 = (as: string): OpPattern => op('prim.cast', [masked], { attrs: { to: 'i4' }, as, type: { rank: 2 }, where: fromI32 });

const toWords = (as: string): OpPattern => op('prim.bitcast', [toI4('cast')], { attrs: { to: 'i32' }, as });

/** The op accepts the weight and the type of the value it replaces. */
const accepts = (w: Value, m: Match): true | string => opAccepts('npu.convert_weight_to_int4_pack', [w.type], {}, [m.value('out').type]);

function guard(m: Match): true | string {
  const w = m.value('weight');
  if (m.has('mask_op')) {
    const mask = m.splat('mask');
    if (typeof mask !== 'number' || (mask & 0xf) !== 0xf) return `the mask ${String(mask ?? 'with differing elements')} clears some of the low 4 bits the op keeps`;
    const and = m.value('mask_op').type;
    if (!and.equals(w.type)) return `the mask broadcasts the weight to ${and}`;
  }
  return accepts(w, m);
}

function pack(rw: Rewriter, m: Match, w: Value): void {
  const out = m.value('out');
  const packed = rw.create('npu.convert_weight_to_int4_pack', [w], {}, { results: [out.type] }).result;
  rw.replace(out, packed);
}

const rewrite = (rw: Rewriter, m: Match): void => pack(rw, m, m.value('weight'));

const packNz = defineRule({
  name: 'fuse-int4-pack-nz',
  pattern: op('layout.trans_data', [either(toWords('words'), toI4('cast'))], { as: 'out', type: { layout: 'nz' } }),
  guard,
  rewrite,
});

const packWords = defineRule({ name: 'fuse-int4-pack-i32', pattern: toWords('out'), guard, rewrite });

const packI4 = defineRule({ name: 'fuse-int4-pack-i4', pattern: toI4('out'), guard, rewrite });

// ---- 2. mask/shift/or chains ------------------------------------------------------------------
// Patterns match the fixed end of a chain, up to its last `or`; the guard walks the rest (an
// or-tree of any shape is not one pattern) and the rewrite erases what the walk found.

const name = (v: Value): string => `%${v.hint ?? '?'}`;

const isConstant = (v: Value | null | undefined): v is Value => v?.producer?.op === 'prim.constant';

/** `v = op(x, c)` with c a constant (either side for the commutative `and`). */
function peel(v: Value, which: 'prim.and' | 'prim.shl'): { x: Value; c: Value; node: Node } | undefined {
  const n = v.producer;
  if (n?.op !== which) return undefined;
  const [a, b] = n.operands;
  if (a && isConstant(b)) return { x: a, c: b, node: n };
  if (which === 'prim.and' && b && isConstant(a)) return { x: b, c: a, node: n };
  return undefined;
}

/** One term of the or, taken apart: [and(·, high)] ∘ [shl(·, shift)] ∘ [and(·, low)] ∘ lane. */
interface Term {
  readonly value: Value;
  readonly high: Value | undefined;
  readonly shift: Value | undefined;
  readonly low: Value | undefined;
  /** reshape(slice(w3)) */
  readonly lane: Node;
  readonly slice: Node;
  readonly w3: Value;
  /** The term's statements, from the and/shl down to the slice. */
  readonly nodes: readonly Node[];
}

function readTerm(v: Value): Term | string {
  const nodes: Node[] = [];
  let x = v;
  const step = (which: 'prim.and' | 'prim.shl'): Value | undefined => {
    const p = peel(x, which);
    if (!p) return undefined;
    nodes.push(p.node);
    x = p.x;
    return p.c;
  };
  const high = step('prim.and');
  const shift = step('prim.shl');
  const low = step('prim.and');
  const lane = x.producer;
  const slice = lane?.op === 'prim.reshape' ? lane.operands[0]?.producer : undefined;
  const w3 = slice?.op === 'prim.slice' ? slice.operands[0] : undefined;
  if (!lane || !slice || w3?.producer?.op !== 'prim.reshape') {
    const got = lane ? `${lane.op} ${name(x)}` : `parameter ${name(x)}`;
    return `term ${name(v)}: expected a masked, shifted lane (a prim.reshape of a prim.slice of the reshaped weight), got ${got}`;
  }
  nodes.push(lane, slice);
  return { value: v, high, shift, low, lane, slice, w3, nodes };
}

const hex = (x: number | bigint | boolean | undefined): string => (typeof x === 'number' ? `0x${(x >>> 0).toString(16)}` : String(x ?? 'differing elements'));

/** Why term `t` is not lane s of `lanes`, placed at bits 4s..4s+3, or undefined when it is. */
function termProblem(t: Term, s: number, lanes: number): string | undefined {
  const at = `term ${name(t.value)} (lane ${s})`;
  const shift = t.shift ? splatValue(t.shift) : 0;
  if (shift !== 4 * s) return `${at}: shifted by ${String(shift ?? 'differing amounts')}, expected ${4 * s}`;
  const low = t.low && splatValue(t.low);
  if (t.low && low !== 0xf) return `${at}: masked with ${hex(low)} before the shift, expected 0xf`;
  const high = t.high && splatValue(t.high);
  const want = 0xf << (4 * s);
  if (t.high && high !== want) return `${at}: masked with ${hex(high)}${t.shift ? ' after the shift' : ''}, expected ${hex(want)}`;
  if (!t.low && !t.high && s !== lanes - 1) return `${at}: not masked to its 4 bits (only the top lane may leave out the mask)`;
  return undefined;
}

/** What a guard finds walking back from the `tree` of a chain of `lanes` lanes. */
interface Chain {
  readonly weight: Value;
  /** The statements walked, below the matched ones: inner ors, terms, lanes, slices, the reshape. */
  readonly nodes: ReadonlySet<Node>;
}

/** The or's terms, or a reason; stops once there are more than `lanes`. */
function orTerms(tree: Node, lanes: number, ors: Set<Node>): Value[] | string {
  const terms: Value[] = [];
  const stack = [...tree.operands];
  let visits = 0;
  while (stack.length > 0) {
    const v = stack.pop()!;
    const p = v.producer;
    if (p?.op !== 'prim.or') terms.push(v);
    else {
      ors.add(p);
      stack.push(...p.operands);
      // k ors below the tree's own make k + 2 terms (a shared or counts each time it is reached).
      if (++visits + 2 > lanes) return `the or combines more than ${lanes} terms`;
    }
  }
  return terms;
}

function readChain(m: Match, tree: Node, lanes: 2 | 8): Chain | string {
  const ors = new Set<Node>();
  const leaves = orTerms(tree, lanes, ors);
  if (typeof leaves === 'string') return leaves;
  const terms: Term[] = [];
  for (const v of leaves) {
    const t = readTerm(v);
    if (typeof t === 'string') return t;
    terms.push(t);
  }
  const w3 = terms[0]!.w3;
  const other = terms.find((t) => t.w3 !== w3);
  if (other) return `term ${name(other.value)} slices ${name(other.w3)}, the others ${name(w3)}`;
  const w = w3.producer!.operands[0]!;
  if (w.type.dtype !== 'i32' || w.type.rank !== 2) return `expected a 2-D i32 weight, got ${name(w)}: ${w.type}`;
  const [d0, d1] = w.type.shape as [number, number];
  const cols = d1 / lanes;
  if (!shapesEqual(w3.type.shape, [d0, cols, lanes])) return `${name(w3)} reshapes the weight to ${shapeToString(w3.type.shape)}, expected [${d0}, ${d1}/${lanes}, ${lanes}]`;

  const seen = new Array<Term | undefined>(lanes);
  for (const t of terms) {
    const start = t.slice.ints('start');
    const end = t.slice.ints('end');
    const s = start[2]!;
    if (!shapesEqual(start, [0, 0, s]) || !shapesEqual(end, [d0, cols, s + 1])) {
      return `slice ${name(t.slice.result)} takes ${shapeToString(start)}..${shapeToString(end)}, not one whole lane [0, 0, s]..[${d0}, ${cols}, s+1]`;
    }
    if (!shapesEqual(t.lane.result.type.shape, [d0, cols])) return `lane ${name(t.lane.result)} has shape ${shapeToString(t.lane.result.type.shape)}, expected [${d0}, ${cols}]`;
    if (seen[s]) return `lane ${s} is packed twice, by ${name(seen[s].value)} and ${name(t.value)}`;
    seen[s] = t;
  }
  for (let s = 0; s < lanes; s++) {
    const t = seen[s];
    const problem = t ? termProblem(t, s, lanes) : `lane ${s} of ${lanes} is missing from the or`;
    if (problem) return problem;
  }
  if (!shapesEqual(tree.result.type.shape, [d0, cols])) return `the or broadcasts the lanes to ${shapeToString(tree.result.type.shape)}`;

  const nodes = new Set<Node>([...ors, ...terms.flatMap((t) => t.nodes), w3.producer!]);
  const outside = usedOutside(m.graph, nodes, m.nodes);
  return outside ?? { weight: w, nodes };
}

/** Why some statement of `nodes` is needed outside the match (which is `nodes` plus `matched`). */
function usedOutside(g: Graph, nodes: ReadonlySet<Node>, matched: ReadonlySet<Node>): string | undefined {
  for (const n of nodes) {
    for (const r of n.results) {
      if (g.outputs.includes(r)) return `interior value ${name(r)} (${n.op}) is returned by the graph`;
      const use = r.uses.find((u) => !nodes.has(u.node) && !matched.has(u.node));
      if (use) return `interior value ${name(r)} (${n.op}) is also used by ${use.node.op} ${name(use.node.result)} outside the match`;
    }
  }
  return undefined;
}

/** `tree` names the chain's last or in `pattern`. */
function chainRule(ruleName: string, pattern: OpPattern, lanes: 2 | 8, tree = 'tree'): Rule {
  return defineRule({
    name: ruleName,
    pattern,
    guard(m) {
      const chain = readChain(m, m.node(tree), lanes);
      return typeof chain === 'string' ? chain : accepts(chain.weight, m);
    },
    rewrite(rw, m) {
      // The guard accepted this match, so the walk finds the same chain.
      const chain = readChain(m, m.node(tree), lanes);
      if (typeof chain === 'string') return false;
      pack(rw, m, chain.weight);
      rw.eraseAll(new Set([...m.nodes, ...chain.nodes]));
    },
  });
}

const orTree = (as: string): OpPattern => op('prim.or', ANY_OPERANDS, { as });

const bytes = (as: string): OpPattern => op('prim.bitcast', [op('prim.cast', [orTree('tree')], { attrs: { to: oneOf('u8', 'i8') } })], { attrs: { to: oneOf('i4', 'i32') }, as });

const toNz = (packed: OpPattern): OpPattern => op('layout.trans_data', [packed], { as: 'out', type: { layout: 'nz' } });

const packBytesNz = chainRule('fuse-int4-pack-bytes-nz', toNz(bytes('bytes')), 2);
const packBytes = chainRule('fuse-int4-pack-bytes', bytes('out'), 2);
const packWordTreeNz = chainRule('fuse-int4-pack-words-nz', toNz(orTree('tree')), 8);
const packWordTree = chainRule('fuse-int4-pack-words', orTree('out'), 8, 'out');

export const FUSE_INT4_PACK_RULES: readonly Rule[] = [packNz, packWords, packI4, packBytesNz, packBytes, packWordTreeNz, packWordTree];

export const fuseInt4Pack: Pass = rulePass(
  'fuse-int4-pack',
  'fuses int4 packing (an i32 -> i4 cast, or a mask/shift/or chain; + bitcast, + trans_data to NZ) into npu.convert_weight_to_int4_pack',
  FUSE_INT4_PACK_RULES,
);
