// fuse-quantize (ir.md §7, §9.2; quantize.md §1.2, §2.3): static affine quantization written in
// primitives becomes one npu.quantize.
//
//   before                                                   after
//
//   x ─(cast f32)─┐                                          x ────────┐
//   scales ─(cast f32)─(reshape)─ ÷ or · ─ t                 scales ───┼── npu.quantize ── y
//   zero_points ─(cast f32)─(reshape)─ + ─ t                 zero_points ┘ (reshaped to 1-D if needed)
//   t ─(round)─(clamp)─ cast i8 | u8 | i32 ────────── y      {dtype, axis, div_mode}
//   t ─(round)─(clamp)─ cast i4 ─ bitcast i32 ─────── y
//
// `x / s` is div_mode = true (outputs i8, u8, i32), `x · s` div_mode = false (outputs i8, and
// int4 packed 8 per i32 word through a cast to i4 and a bitcast). Scales and zero points may be
// casts or not, reshaped or not; the axis they vary along is read from how they broadcast
// against x (per-tensor when they hold one value). Mul and add operands match in either order;
// round and clamp are optional and in either order (the cast rounds half to even and
// saturates), a clamp only when it keeps the cast's range. The fused op must accept the result:
// its dtype, scale, zero-point and axis rules (quantize.md §1.3, §2.4) are checked by running its
// verifier first, so, e.g., `x · s` to u8, or zero points in f32 with div_mode = true, stay
// unfused.
import { intRange } from '../../ir/dtype.ts';
import { quantizeType } from '../../ir/ops/npu/quantize.ts';
import { numelOf, shapesEqual, TensorType } from '../../ir/types.ts';
import type { Value } from '../../ir/value.ts';
import { rulePass, type Pass } from '../pass.ts';
import type { Match } from '../rewrite/match.ts';
import { capture, defineRule, either, oneOf, op, optional, type OpPattern, type Pattern, type Rule } from '../rewrite/pattern.ts';
import type { Rewriter } from '../rewrite/rewriter.ts';
import { opAccepts } from '../rewrite/op-accepts.ts';
import { broadcastAxis, clampKeepsBits, reshaped, reshapeTo, roundClamp } from './quant-chain.ts';

/** A value as the chain uses it: possibly cast to f32 (exact from f16/bf16), possibly reshaped. */
const widened = (name: string): Pattern => reshaped(optional(op('prim.cast', [reshaped(capture(name))], { attrs: { to: 'f32' } })));

const XF = either(op('prim.cast', [capture('x')], { attrs: { to: 'f32' }, as: 'xf' }), capture('x', { dtype: 'f32' }));

const T = either(op('prim.div', [XF, widened('scales')], { as: 't' }), op('prim.mul', [XF, widened('scales')], { as: 't' }));

const ZP = optional(op('prim.add', [T, widened('zero_points')], { as: 'zp_add' }), { through: 0 });

const cast = (to: unknown): OpPattern => op('prim.cast', [roundClamp(ZP)], { attrs: { to }, as: 'y' });

/** The other operand of a binary statement: the one that is not `v`. */
const other = (m: Match, node: string, v: Value): Value => {
  const ops = m.node(node).operands as Value[];
  return ops.find((o) => o !== v) ?? ops[1]!;
};

interface Plan {
  readonly divMode: boolean;
  readonly dtype: 'i8' | 'u8' | 'i32' | 'i4';
  readonly axis: number | undefined;
  /** Scales and zero points go in as 1-D [numel] (a reshape) instead of as they are. */
  readonly flat: boolean;
}

const flatType = (v: Value): TensorType => v.type.with({ shape: [v.type.numel] });

/** Everything the rewrite needs, or why the fused op would not give the same bits. */
function plan(m: Match): Plan | string {
  const divMode = m.node('t').op === 'prim.div';
  const to = m.node('y').dtype('to');
  if (to === 'i4' && !m.has('y32')) return 'npu.quantize has no i4 result: its int4 values come 8 per i32 word (a cast to i4, then a bitcast to i32)';
  const [lo, hi] = intRange(to);
  const clamp = clampKeepsBits(m, lo, hi);
  if (clamp !== true) return clamp;

  const x = m.value('x');
  const shape = x.type.shape;
  const xf = m.maybeValue('xf') ?? x;
  for (const name of ['t', 'zp_add']) {
    const got = m.maybeValue(name)?.type.shape;
    if (got && !shapesEqual(got, shape)) return `${name === 't' ? 'x ÷ or · scales' : '+ zero_points'} must keep x's shape [${shape.join(', ')}], got [${got.join(', ')}]`;
  }
  const s = other(m, 't', xf);
  const axis = broadcastAxis(s.type.shape, shape);
  if (axis === undefined) return `the scales must hold one value, or one per index of a single axis of x [${shape.join(', ')}], got shape [${s.type.shape.join(', ')}]`;
  if (m.has('zp_add')) {
    const z = other(m, 'zp_add', m.value('t'));
    const za = broadcastAxis(z.type.shape, shape);
    if (za !== axis) return `the zero points must vary along the scales' axis (${axis}), got shape [${z.type.shape.join(', ')}]`;
  }
  const r = shape.length;
  let opAxis: number | undefined;
  if (divMode) opAxis = axis === 'all' ? undefined : axis;
  else if (axis === 'all' || axis === r - 1) opAxis = -1;
  else if (axis === r - 2) opAxis = -2;
  else return `with div_mode = false npu.quantize scales along one of the last two axes, got axis ${axis} of rank ${r}`;

  const dtype = to as Plan['dtype'];
  const scales = m.value('scales');
  const zp = m.maybeValue('zero_points');
  const accepts = (flat: boolean) =>
    opAccepts(
      'npu.quantize',
      [x.type, flat ? flatType(scales) : scales.type, zp ? (flat ? flatType(zp) : zp.type) : null],
      { dtype, div_mode: divMode, ...(opAxis === undefined ? {} : { axis: opAxis }) },
      [quantizeType(x.type, dtype, divMode)],
    );
  if (accepts(false) === true) return { divMode, dtype, axis: opAxis, flat: false };
  const flat = accepts(true);
  if (flat === true) return { divMode, dtype, axis: opAxis, flat: true };
  return `the fused op would be rejected: ${flat}`;
}

function guard(m: Match): true | string {
  const p = plan(m);
  return typeof p === 'string' ? p : true;
}

function rewrite(rw: Rewriter, m: Match): void {
  const p = plan(m) as Plan;
  const operand = (v: Value) => (p.flat ? reshapeTo(rw.b, v, [numelOf(v.type.shape)]) : v);
  const zp = m.maybeValue('zero_points');
  const y = rw.b.npu.quantize(m.value('x'), operand(m.value('scales')), {
    zeroPoints: zp && operand(zp),
    dtype: p.dtype,
    axis: p.axis,
    divMode: p.divMode ? undefined : false,
  });
  rw.replace(m.value(m.has('y32') ? 'y32' : 'y'), y);
}

export const FUSE_QUANTIZE_RULES: readonly Rule[] = [
  defineRule({ name: 'fuse-quantize-i4', pattern: op('prim.bitcast', [cast('i4')], { attrs: { to: 'i32' }, as: 'y32' }), guard, rewrite }),
  defineRule({ name: 'fuse-quantize', pattern: cast(oneOf('i8', 'u8', 'i32', 'i4')), guard, rewrite }),
];

export const fuseQuantize: Pass = rulePass('fuse-quantize', 'static quantization chains (÷ or · scales, + zero points, round, cast) into npu.quantize', FUSE_QUANTIZE_RULES);
