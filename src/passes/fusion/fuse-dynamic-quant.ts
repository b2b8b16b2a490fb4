// fuse-dynamic-quant (ir.md §7, §9.2; dynamic_quant.md §2): per-token symmetric quantization
// written in primitives becomes one npu.dynamic_quant.
//
//   before                                                    after
//
//   x ─cast f32─┬──────────────(· cast f32 smooth)── v         x ──┬── npu.dynamic_quant ─┬─ y
//               │                                             smooth┘                     └─ scale
//   v ─abs─reduce_max[last]─ amax ─(reshape)─┬─ · f32(1/QMAX) ─────────────── scale
//                                            └─ QMAX / · ─(reshape [..., 1])─ inv
//   v · inv ─(round)─(clamp)─ cast i8 | i4 ─(bitcast i32)─────────────────── y
//
// QMAX is 127 for an i8 cast and 7 for an i4 one (bitcast to i32: dst_type i32). Matched
// variations, each giving the operator's bits:
// * smooth scales or none; operands of every mul in either order;
// * amax with or without keepdims, reshaped before or after the division, or (without smooth
//   scales) the maximum taken in x's own dtype and then widened (abs and max are exact);
// * round and clamp each optional and in either order (the cast rounds half to even and
//   saturates), a clamp only when its bounds contain [-QMAX-1, QMAX];
// * no scale at all (the op's scale result is then unused), or a scale of another shape with one
//   value per row (it becomes a reshape of the op's scale).
// Never fused: `v / scale` (and `v / (amax / QMAX)`), which rounds differently near ties; a scale
// computed as `amax / QMAX`, which differs in the last bit; an empty row (H = 0), whose
// reduce_max is -Inf where the operator's maximum is 0.
import { numelOf, shapesEqual } from '../../ir/types.ts';
import type { Node } from '../../ir/node.ts';
import { dynamicQuantTypes } from '../../ir/ops/npu/dynamic-quant.ts';
import { f32, f32Bits } from '../../numerics/float.ts';
import { rulePass, type Pass } from '../pass.ts';
import type { Match } from '../rewrite/match.ts';
import { capture, constant, defineRule, either, oneOf, op, type OpPattern, type Pattern, type Rule } from '../rewrite/pattern.ts';
import type { Rewriter } from '../rewrite/rewriter.ts';
import { opAccepts } from '../rewrite/op-accepts.ts';
import { alignShape, clampKeepsBits, reshaped, reshapeTo, roundClamp } from './quant-chain.ts';

const toF32 = (p: Pattern, as: string): Pattern => op('prim.cast', [p], { attrs: { to: 'f32' }, as });

/** v: x widened to f32, times the widened smooth scales when there are some. */
const V = either(op('prim.mul', [toF32(capture('x'), 'xf'), toF32(capture('smooth'), 'smooth_f32')], { as: 'v' }), toF32(capture('x'), 'v'));

/** amax: the row maximum of |v|, or of |x| in x's dtype, widened. */
const AMAX = either(
  op('prim.reduce_max', [op('prim.abs', [capture('v')])], { as: 'amax' }),
  toF32(op('prim.reduce_max', [op('prim.abs', [capture('x')])], { as: 'amax_x' }), 'amax'),
);

const INV = reshaped(op('prim.div', [constant('qmax', { dtype: 'f32' }), reshaped(AMAX)], { as: 'inv' }));

const Q = op('prim.mul', [V, INV], { as: 'q' });

/** Said at the root, before any matching: a division feeding the cast is the "x / scale" form. */
const notOverScale = (n: Node): true | string => {
  let p = n.operands[0]?.producer;
  while (p && (p.op === 'prim.round' || p.op === 'prim.clamp')) p = p.operands[0]?.producer;
  return p?.op !== 'prim.div' || 'a division before the cast is the "x / scale" form, which rounds differently from v · (QMAX / amax) near ties: never fused';
};

const cast = (to: unknown): OpPattern => op('prim.cast', [roundClamp(Q)], { attrs: { to }, as: 'y', where: notOverScale });

/** scale = amax · f32(1/QMAX), found among the users of amax; absent when nothing computes it. */
const SCALE = { pattern: op('prim.mul', [reshaped(capture('amax')), constant('inv_max', { dtype: 'f32' })], { as: 'scale' }), optional: true };

const hex = (v: number): string => `0x${f32Bits(v).toString(16).toUpperCase().padStart(8, '0')}`;

function guard(m: Match): true | string {
  const x = m.value('x').type;
  const to = m.node('y').dtype('to');
  const qmax = to === 'i8' ? 127 : 7;
  const got = m.splat('qmax');
  if (got !== qmax) return `the inverse must be ${qmax} / amax for a cast to ${to}, got ${String(got ?? 'a non-splat constant')} / amax`;
  if (m.has('inv_max')) {
    const inv = m.splat('inv_max');
    const want = f32(1 / qmax);
    if (inv !== want) {
      return `scale must be amax · f32(1/${qmax}) = ${want} (${hex(want)}), got amax · ${typeof inv === 'number' ? `${inv} (${hex(inv)})` : 'a non-splat constant'}`;
    }
  }
  const clamp = clampKeepsBits(m, -qmax - 1, qmax);
  if (clamp !== true) return clamp;
  if (m.has('amax_x') && m.has('smooth')) return 'amax is taken over |x|, but the values quantized are x · smooth_scales';
  const reduce = m.maybeNode('amax_x') ?? m.node('amax');
  const axes = reduce.ints('axes');
  const last = reduce.operands[0]!.type.rank - 1;
  if (!(axes.length === 1 && (axes[0] === last || axes[0] === -1))) return `amax must be the maximum over the last axis (axes = [${last}]), got axes = [${axes.join(', ')}]`;

  const shape = x.shape;
  const rows = shape.slice(0, -1);
  const r = numelOf(rows);
  if (!shapesEqual(m.value('v').type.shape, shape)) return `v must have x's shape [${shape.join(', ')}], got [${m.value('v').type.shape.join(', ')}]`;
  const q = m.node('q');
  if (!shapesEqual(q.result.type.shape, shape)) return `v · inv must have x's shape [${shape.join(', ')}], got [${q.result.type.shape.join(', ')}]`;
  const inv = q.operands.find((o) => o !== m.value('v'))!;
  const aligned = alignShape(inv.type.shape, shape);
  if (!aligned || aligned[aligned.length - 1] !== 1 || !shapesEqual(aligned.slice(0, -1), rows)) {
    return `the inverse must hold one value per row, shape [${[...rows, 1].join(', ')}], got [${inv.type.shape.join(', ')}]`;
  }
  if (m.value('inv').type.numel !== r) return `QMAX / amax must hold one value per row (${r}), got ${m.value('inv').type.numel}`;
  if (m.has('scale') && m.value('scale').type.numel !== r) return `scale must hold one value per row (${r}), got ${m.value('scale').type.numel}`;
  if (shape[shape.length - 1] === 0 && r > 0) return 'rows are empty (H = 0): reduce_max gives -Inf where npu.dynamic_quant takes the maximum as 0';

  const dst = m.has('y32') ? 'i32' : to;
  const smooth = m.maybeValue('smooth');
  const accepted = opAccepts('npu.dynamic_quant', [x, smooth?.type ?? null], { dst_type: dst }, dynamicQuantTypes(x, dst), m.graph.worldSize);
  return accepted === true || `the fused op would be rejected: ${accepted}`;
}

function rewrite(rw: Rewriter, m: Match): void {
  const packed = m.has('y32');
  const { y, scale } = rw.b.npu.dynamicQuant(m.value('x'), { smoothScales: m.maybeValue('smooth'), dstType: packed ? 'i32' : m.node('y').dtype('to') });
  rw.replace(m.value(packed ? 'y32' : 'y'), y);
  const s = m.maybeValue('scale');
  if (s) rw.replace(s, reshapeTo(rw.b, scale, s.type.shape));
}

export const FUSE_DYNAMIC_QUANT_RULES: readonly Rule[] = [
  defineRule({
    name: 'fuse-dynamic-quant-i32',
    pattern: op('prim.bitcast', [cast('i4')], { attrs: { to: 'i32' }, as: 'y32' }),
    extraRoots: [SCALE],
    guard,
    rewrite,
  }),
  defineRule({ name: 'fuse-dynamic-quant', pattern: cast(oneOf('i8', 'i4')), extraRoots: [SCALE], guard, rewrite }),
];

export const fuseDynamicQuant: Pass = rulePass('fuse-dynamic-quant', 'per-token quantization chains (abs, reduce_max, 127 / amax, round, cast) into npu.dynamic_quant', FUSE_DYNAMIC_QUANT_RULES);
