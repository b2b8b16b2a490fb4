// fuse-quant-matmul-all-reduce (ir.md §7, §9.2; quant_matmul_all_reduce.md §2, §4): an int8
// matmul, its dequantization and the all-reduce of the result become one
// npu.quant_matmul_all_reduce.
//
//   before                                                    after
//
//   x2 ─(trans_data NZ→ND)─(transpose)─┐                      x1 ──┐
//   x1 ─────────────────────────────── matmul ─ acc           x2 ──┤ (NZ kept, transpose absorbed)
//   acc ─(+ bias)─ cast f32 ─ · s ─(· reshape pertoken)─ v     s' ──┼── npu.quant_matmul_all_reduce ── out
//   v ─ cast f16|bf16 ─(+ x3)─ comm.all_reduce ── out         pertoken, bias, x3 ─┘
//
//   s: an f32 value, cast f32 of a bf16 one, or the u64/i64 decode
//      bitcast f32 (cast i32 (and(packed, 0xFFFFE000)))
//
// quant_matmul_all_reduce.md §2 fixes the dequant scale's dtype by the mode, so s' is:
// * bf16 output: the bf16 scale itself, or a new bf16 constant when s is an f32 constant whose
//   every element is exact in bf16 (otherwise no fusion);
// * f16 output with pertoken_scale: s as an f32 value (a bf16 scale widened);
// * f16 output without it: the packed u64/i64 scale, or npu.trans_quant_param(s) when that is
//   exact: s an f32 constant whose every element has its low 13 bits zero (the encoding drops
//   them), or s widened from bf16 (low 16 bits zero). Otherwise no fusion.
// Operand orders of add and mul are free; reshapes of the scale, bias and pertoken operands only
// relabel (their broadcast must be per column, per column and per row). The fused op must accept
// the operands (world size 1, 2, 4 or 8, x1 rank 2 or 3, group "world", …): its verifier runs
// first. The all-reduce's group and reduce_op carry over.
import { materializeResource } from '../../ir/constants.ts';
import { quantMatmulAllReduceType } from '../../ir/ops/npu/quant-matmul-all-reduce.ts';
import { numelOf, shapesEqual, TensorType } from '../../ir/types.ts';
import type { Value } from '../../ir/value.ts';
import { rulePass, type Pass } from '../pass.ts';
import { constantResource, splatValue, type Match } from '../rewrite/match.ts';
import { capture, constant, defineRule, either, oneOf, op, optional, type Rule } from '../rewrite/pattern.ts';
import type { Rewriter } from '../rewrite/rewriter.ts';
import { opAccepts } from '../rewrite/op-accepts.ts';
import { alignShape, broadcastAxis, constantF32Bits, reshaped, reshapeTo } from './quant-chain.ts';

/** x2 as the matmul reads it: an NZ weight converted to ND and a transpose are absorbed. */
const X2ND = either(op('layout.trans_data', [capture('x2', { dtype: 'i8', layout: 'nz' })], { as: 'x2_nd', leaf: true }), capture('x2'));
const X2 = either(op('prim.transpose', [X2ND], { attrs: { perm: [1, 0] }, as: 'x2_t', leaf: true }), X2ND);

const ACC = op('prim.matmul', [capture('x1', { dtype: 'i8' }), X2], { as: 'mm' });
const BIAS = optional(op('prim.add', [ACC, reshaped(capture('bias', { dtype: 'i32' }))], { as: 'bias_add' }), { through: 0 });
const ACCF = op('prim.cast', [BIAS], { attrs: { to: 'f32' }, as: 'accf' });

const LOW_MASK = 0xffffe000n;
const maskKeepsFp19 = (v: Value): true | string => {
  const s = splatValue(v);
  return (typeof s === 'bigint' && BigInt.asUintN(32, s) === LOW_MASK) || 'expected a mask whose low 32 bits are 0xFFFFE000 (4294959104)';
};
const DECODE = op(
  'prim.bitcast',
  [op('prim.cast', [op('prim.and', [reshaped(capture('packed', { dtype: ['u64', 'i64'] })), constant('mask', { where: maskKeepsFp19 })], { commutative: true, as: 'masked' })], { attrs: { to: 'i32' } })],
  { attrs: { to: 'f32' }, as: 'decoded' },
);
const FROM_BF16 = op('prim.cast', [reshaped(capture('scale_bf16', { dtype: 'bf16' }))], { attrs: { to: 'f32' } });
const SCALE = reshaped(either(DECODE, FROM_BF16, capture('scale_f32', { dtype: 'f32' })));

const DQ = op('prim.mul', [ACCF, SCALE], { as: 'dq' });
const PT = optional(op('prim.mul', [DQ, reshaped(capture('pertoken', { dtype: 'f32' }))], { as: 'pt_mul' }), { through: 0 });
const Y = op('prim.cast', [PT], { attrs: { to: oneOf('f16', 'bf16') }, as: 'y' });
const X3 = optional(op('prim.add', [Y, capture('x3')], { as: 'x3_add' }), { through: 0 });

/** The other operand of a binary statement: the one that is not `v`. */
const other = (m: Match, node: string, v: Value): Value => {
  const ops = m.node(node).operands as Value[];
  return ops.find((o) => o !== v) ?? ops[1]!;
};

/** How the fused op gets its dequant scale. */
type ScaleSource =
  | { readonly kind: 'value'; readonly v: Value }
  | { readonly kind: 'widen'; readonly v: Value } //                  cast(bf16 v, f32)
  | { readonly kind: 'pack'; readonly v: Value } //                   trans_quant_param(f32 v)
  | { readonly kind: 'pack-bf16'; readonly v: Value } //              trans_quant_param(cast(bf16 v, f32))
  | { readonly kind: 'bf16-constant'; readonly v: Value }; //         a new bf16 constant of f32 constant v

interface Plan {
  readonly transposeX2: boolean;
  readonly outDtype: 'f16' | 'bf16';
  readonly scale: ScaleSource;
  /** The shape the dequant scale goes in with: [1], [n] or [1, n]. */
  readonly scaleShape: readonly number[];
  readonly n: number;
  readonly m: number;
}

const hex32 = (u: number): string => `0x${(u >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;

/** The first element whose bits in `mask` are not zero, as "element i = 0x…". */
function firstWithBits(bits: Uint32Array, mask: number): string | undefined {
  const i = bits.findIndex((u) => (u & mask) !== 0);
  return i < 0 ? undefined : `element ${i} = ${hex32(bits[i]!)}`;
}

function scaleSource(m: Match, outDtype: 'f16' | 'bf16'): ScaleSource | string {
  const f32v = m.maybeValue('scale_f32');
  if (outDtype === 'bf16') {
    if (m.has('scale_bf16')) return { kind: 'value', v: m.value('scale_bf16') };
    if (m.has('packed')) return 'a bf16 output needs a bf16 dequant scale, got a packed u64/i64 one';
    const bits = constantF32Bits(f32v!);
    if (!bits) return 'a bf16 output needs a bf16 dequant scale, got a run-time f32 value';
    const bad = firstWithBits(bits, 0xffff);
    if (bad) return `a bf16 output needs a bf16 dequant scale, and the f32 scale is not exact in bf16 (${bad})`;
    return { kind: 'bf16-constant', v: f32v! };
  }
  if (m.has('pertoken')) {
    if (m.has('scale_bf16')) return { kind: 'widen', v: m.value('scale_bf16') };
    return { kind: 'value', v: m.maybeValue('decoded') ?? f32v! };
  }
  if (m.has('packed')) return { kind: 'value', v: m.value('packed') };
  if (m.has('scale_bf16')) return { kind: 'pack-bf16', v: m.value('scale_bf16') };
  const bits = constantF32Bits(f32v!);
  const need = 'an f16 output without pertoken_scale needs a u64/i64 dequant scale';
  if (!bits) return `${need}, got a run-time f32 value (npu.trans_quant_param would drop its low 13 bits)`;
  const bad = firstWithBits(bits, 0x1fff);
  if (bad) return `${need}, and npu.trans_quant_param would drop the nonzero low 13 bits of the f32 scale (${bad})`;
  return { kind: 'pack', v: f32v! };
}

/** The dequant scale's type as the fused op sees it. */
function scaleType(s: ScaleSource, shape: readonly number[]): TensorType {
  const dtype = s.kind === 'pack' || s.kind === 'pack-bf16' ? 'i64' : s.kind === 'widen' ? 'f32' : s.kind === 'bf16-constant' ? 'bf16' : s.v.type.dtype;
  return new TensorType(shape, dtype);
}

function plan(m: Match): Plan | string {
  const acc = m.value('mm').type.shape;
  const rank = acc.length;
  const n = acc[rank - 1]!;
  const rows = acc.slice(0, -1);
  const mRows = numelOf(rows);
  for (const name of ['bias_add', 'dq', 'pt_mul']) {
    const got = m.maybeValue(name)?.type.shape;
    if (got && !shapesEqual(got, acc)) return `${name} must keep the matmul's shape [${acc.join(', ')}], got [${got.join(', ')}]`;
  }
  if (m.has('bias_add')) {
    const b = other(m, 'bias_add', m.value('mm')).type.shape;
    const axis = broadcastAxis(b, acc);
    if (!(axis === rank - 1 || (axis === 'all' && n === 1))) return `the bias must hold one value per column (${n}), got shape [${b.join(', ')}]`;
  }
  const s = other(m, 'dq', m.value('accf')).type.shape;
  const sAxis = broadcastAxis(s, acc);
  if (!(sAxis === rank - 1 || sAxis === 'all')) return `the dequant scale must hold one value or one per column (${n}), got shape [${s.join(', ')}]`;
  if (m.has('pt_mul')) {
    const p = other(m, 'pt_mul', m.value('dq')).type.shape;
    const aligned = alignShape(p, acc);
    if (!aligned || !shapesEqual(aligned, [...rows, 1])) return `pertoken_scale must hold one value per row, shape [${[...rows, 1].join(', ')}], got [${p.join(', ')}]`;
  }
  const outDtype = m.node('y').dtype('to') as 'f16' | 'bf16';
  const scale = scaleSource(m, outDtype);
  if (typeof scale === 'string') return scale;
  const src = scale.v.type.shape;
  const scaleShape = shapesEqual(src, [1]) || shapesEqual(src, [n]) || shapesEqual(src, [1, n]) ? src : [numelOf(src)];
  const transposeX2 = m.node('mm').bool('transpose_b') !== m.has('x2_t');
  const x1 = m.value('x1').type;
  const x2 = m.value('x2').type;
  const out = quantMatmulAllReduceType(x1, x2, outDtype, transposeX2);
  if (!out.equals(m.value('out').type)) return `the all-reduce must have the fused op's type ${out}, got ${m.value('out').type}`;
  const bias = m.maybeValue('bias');
  const accepted = opAccepts(
    'npu.quant_matmul_all_reduce',
    [
      x1,
      x2,
      scaleType(scale, scaleShape),
      m.has('pertoken') ? new TensorType([mRows], 'f32') : null,
      bias ? bias.type.with({ shape: [n] }) : null,
      m.maybeValue('x3')?.type ?? null,
    ],
    { transpose_x2: transposeX2, out_dtype: outDtype, group: m.node('out').str('group'), reduce_op: m.node('out').str('reduce_op') },
    [out],
    m.graph.worldSize,
  );
  if (accepted !== true) return `the fused op would be rejected: ${accepted}`;
  return { transposeX2, outDtype, scale, scaleShape, n, m: mRows };
}

function guard(m: Match): true | string {
  const p = plan(m);
  return typeof p === 'string' ? p : true;
}

/** A new bf16 constant with the values of an f32 constant that are exact in bf16. */
function bf16Constant(rw: Rewriter, f32v: Value): Value {
  const r = constantResource(f32v)!;
  const data = materializeResource(r) as Float32Array;
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = Uint16Array.from(bits, (u) => u >>> 16);
  return rw.b.constant(r.type.with({ dtype: 'bf16' }), { kind: 'dense', data: out }, { name: `${r.name}_bf16`, perRank: r.perRank, hint: `${f32v.hint ?? r.name}_bf16` });
}

function dequantScale(rw: Rewriter, p: Plan): Value {
  const b = rw.b;
  const s = p.scale;
  const shaped = (v: Value) => reshapeTo(b, v, p.scaleShape);
  switch (s.kind) {
    case 'value':
      return shaped(s.v);
    case 'widen':
      return shaped(b.prim.cast(s.v, 'f32', s.v.hint));
    case 'pack':
      return b.npu.transQuantParam(shaped(s.v), { hint: `${s.v.hint ?? 'scale'}_packed` });
    case 'pack-bf16':
      return b.npu.transQuantParam(shaped(b.prim.cast(s.v, 'f32', s.v.hint)), { hint: `${s.v.hint ?? 'scale'}_packed` });
    case 'bf16-constant':
      return shaped(bf16Constant(rw, s.v));
  }
}

function rewrite(rw: Rewriter, m: Match): void {
  const p = plan(m) as Plan;
  const b = rw.b;
  const pertoken = m.maybeValue('pertoken');
  const bias = m.maybeValue('bias');
  const outNode = m.node('out');
  const out = b.npu.quantMatmulAllReduce(m.value('x1'), m.value('x2'), dequantScale(rw, p), {
    pertokenScale: pertoken && reshapeTo(b, pertoken, [p.m]),
    bias: bias && reshapeTo(b, bias, [p.n]),
    x3: m.maybeValue('x3'),
    transposeX2: p.transposeX2 || undefined,
    outDtype: p.outDtype,
    group: outNode.str('group'),
    reduceOp: outNode.str('reduce_op'),
  });
  rw.replace(m.value('out'), out);
}

export const FUSE_QUANT_MATMUL_ALL_REDUCE_RULES: readonly Rule[] = [
  defineRule({ name: 'fuse-quant-matmul-all-reduce', pattern: op('comm.all_reduce', [X3], { as: 'out' }), guard, rewrite }),
];

export const fuseQuantMatmulAllReduce: Pass = rulePass(
  'fuse-quant-matmul-all-reduce',
  'int8 matmul, dequantization (bias, scale, pertoken, x3) and all_reduce into npu.quant_matmul_all_reduce',
  FUSE_QUANT_MATMUL_ALL_REDUCE_RULES,
);
