// fuse-moe-init-routing-quant (ir.md §7, §9.2; moe_init_routing_quant.md §2): MoE routing with
// static fp16 quantization, written in primitives, becomes npu.moe_init_routing_quant.
//
//   before (the §7 form)                                          after
//
//   expert_idx [N, K] ─reshape [N·K]─ fe ─argsort─ ord            x   row_idx   expert_idx
//   fe, ord ─gather──────────────────────── expanded_expert_idx?   │      │          │
//   row_idx [N, K] ─reshape [N·K]─ fr ─gather(ord)─ sr            npu.moe_init_routing_quant
//   sr ─scatter(base, sr, iota [N·K])────── expanded_row_idx        {active_num = A / K,
//   sr ─(slice [0, A))─ gather(p mod N table)─ tok                   scale = S16, offset = O16}
//   x ─(cast f16)─ ·S16 ─ +O16 ─(round)─(clamp)─ cast i8 ─ q       │      │          │
//   q, tok ─gather────────────────────────── expanded_x           expanded_x, _row_idx, _expert_idx
//
// Also matched: the rows gathered first and quantized afterwards (gather(x, tok), before or
// after the cast to f16, then the chain), which is elementwise and so gives the same bits; the
// p mod N table as reshape(broadcast_to(iota [N], [K, N])), for K = 1 also as an iota of N
// (reshaped or not), or as a constant with those values; the positions as an iota or a constant
// 0 … N·K−1; the mul left out (scale 1) or the add left out (offset 0: t + 0 only turns −0
// into +0, which quantizes to 0 as well); operands of mul and add in either order; round and
// clamp present or absent.
//
// Why the bits agree: the chain is the kernel's f16 arithmetic step for step (one f16 rounding
// per mul and add, quantInt by the f16 -> i8 cast); the attributes are the constants' own f16
// values, for which f16(f32(v)) = v; argsort is stable ascending, as the op's sort; the scatter
// base is never read, because sr is a permutation (otherwise the scatter fails at run time,
// and so does the op, [moe_init_routing_quant.7]); A = min(N, active_num)·K rows are kept.
//
// Guards (each named by explain): the kept rows start at 0 and are a multiple of K; the table
// and positions hold the values above; the scale and offset constants have one value each and
// broadcast nothing; a clamp keeps [−128, 127] (a narrower one changes the result); the op
// accepts the types. The expanded_row_idx scatter must be there: it is what fails on a row_idx
// that is not a permutation, as the op does. A quantization step that fails its guard is not
// absorbed: it stays in primitives and the op quantizes its f16 result (scale 1, offset 0 for
// the steps before it). Not provable here: the op also rejects expert ids outside [0, 2^24) at
// run time, which the primitives would sort.
import { constantTensor } from '../../ir/constants.ts';
import type { TensorType } from '../../ir/types.ts';
import type { Value } from '../../ir/value.ts';
import { moeInitRoutingQuantTypes } from '../../ir/ops/npu/moe-init-routing-quant.ts';
import { f16FromF64, f16ToF64 } from '../../numerics/float.ts';
import { rulePass, type Pass } from '../pass.ts';
import { constantResource, type Match } from '../rewrite/match.ts';
import { opAccepts } from '../rewrite/op-accepts.ts';
import { capture, constant, defineRule, either, oneOf, op, optional, type OpPattern, type Pattern, type Rule } from '../rewrite/pattern.ts';
import type { Rewriter } from '../rewrite/rewriter.ts';

/** Axis 0 of a 1-D tensor, and of the 2-D rows (where -1 would be the columns). */
const AXIS0 = oneOf(0, -1);
const ROWS = oneOf(0, -2);
const F16 = { dtype: 'f16' } as const;
const FLOATS = ['f16', 'f32', 'bf16'] as const;

// ---- routing ------------------------------------------------------------------------------

const fe = op('prim.reshape', [capture('expert_idx', { dtype: 'i32', rank: 2 })], { as: 'fe', type: { rank: 1 } });
const ord = op('prim.argsort', [fe], { attrs: { axis: AXIS0, stable: true, descending: false }, as: 'ord' });
const fr = op('prim.reshape', [capture('row_idx', { dtype: 'i32', rank: 2 })], { as: 'fr', type: { rank: 1 } });
const sorted = op('prim.gather', [fr, ord], { attrs: { axis: AXIS0 }, as: 'sr' });
const kept = optional(op('prim.slice', [sorted], { as: 'kept' }));

/**
 * The table of p mod N for p < N·K: reshape(broadcast_to(iota)), or for K = 1 an iota of N
 * (reshaped or not), or a constant. Inspected only (leaves), so a table shared with other code
 * stays.
 */
const tokens = op('prim.iota', [], { as: 'tokens', leaf: true, type: { dtype: 'i32' } });
const tokenTable = either(
  op('prim.reshape', [optional(op('prim.broadcast_to', [tokens], { as: 'tiled', leaf: true }))], { as: 'table', leaf: true, type: { rank: 1 } }),
  op('prim.iota', [], { as: 'tokens', leaf: true, type: { dtype: 'i32', rank: 1 } }),
  constant('table_c', { dtype: 'i32', rank: 1 }),
);
const tok = op('prim.gather', [tokenTable, kept], { attrs: { axis: AXIS0 }, as: 'tok' });

const positions = either(op('prim.iota', [], { as: 'positions', leaf: true }), constant('positions_c', { dtype: 'i32' }));

const extraRoots = [
  { pattern: op('prim.scatter', [capture('base'), capture('sr'), positions], { attrs: { axis: AXIS0 }, as: 'row_out' }) },
  { pattern: op('prim.gather', [capture('fe'), capture('ord')], { attrs: { axis: AXIS0 }, as: 'expert_out' }), optional: true },
];

// ---- quantization -------------------------------------------------------------------------

/** cast i8 of (clamp)(round)(add O16)(mul S16) of h, all in f16. */
function quantChain(h: Pattern, as: string): OpPattern {
  const mul = optional(op('prim.mul', [h, constant('scale', F16)], { as: 'mul', type: F16 }));
  const add = optional(op('prim.add', [mul, constant('offset', F16)], { as: 'add', type: F16 }));
  const round = optional(op('prim.round', [add], { as: 'round', type: F16 }));
  const clamp = optional(op('prim.clamp', [round], { as: 'clamp', type: F16 }));
  return op('prim.cast', [clamp], { attrs: { to: 'i8' }, as });
}

/** x as f16: cast, or x itself when it is f16. */
const asF16 = either(op('prim.cast', [capture('x', { dtype: [...FLOATS], rank: 2 })], { attrs: { to: 'f16' }, as: 'xh' }), capture('x', { dtype: 'f16', rank: 2 }));

/** The §7 form: quantize x, then gather the rows. */
const quantizeThenGather = op('prim.gather', [quantChain(asF16, 'q'), tok], { attrs: { axis: ROWS }, as: 'out' });

/** Gather the rows (before or after the cast to f16), then quantize. */
const gatherThenQuantize = quantChain(
  either(
    op('prim.cast', [op('prim.gather', [capture('x', { dtype: [...FLOATS], rank: 2 }), tok], { attrs: { axis: ROWS }, as: 'rows' })], { attrs: { to: 'f16' }, as: 'xh' }),
    op('prim.gather', [asF16, tok], { attrs: { axis: ROWS }, as: 'rows' }),
  ),
  'out',
);

// ---- guard and rewrite --------------------------------------------------------------------

interface Recovered {
  readonly activeNum: number;
  readonly scale: number;
  readonly offset: number;
}

/** Does constant `v` (not per rank) hold f(p) at every position p of its length `len`? */
function holds(v: Value, len: number, f: (p: number) => number): boolean {
  const r = constantResource(v);
  if (!r || r.perRank || v.type.rank !== 1 || v.type.shape[0] !== len) return false;
  const data = constantTensor(r, 0).data as Int32Array;
  for (let p = 0; p < len; p++) if (data[p] !== f(p)) return false;
  return true;
}

const shapeText = (t: TensorType): string => `[${t.shape.join(', ')}]`;

function tableProblem(m: Match, n: number, k: number): string | undefined {
  if (m.has('table_c')) return holds(m.value('table_c'), n * k, (p) => p % n) ? undefined : `the token table must hold p mod ${n} for p < ${n * k}`;
  // The iota's elements are 0 … N−1 in row-major order; tiled as K rows, they read p mod N.
  const iota = m.value('tokens').type;
  if (iota.numel !== n || iota.shape[iota.rank - 1] !== n) return `the token iota must have ${n} elements along its last axis (N), got ${shapeText(iota)}`;
  if (m.has('tiled')) {
    const tiled = m.value('tiled').type;
    if (tiled.rank !== 2 || tiled.shape[0] !== k || tiled.shape[1] !== n) return `the token iota must be broadcast to [${k}, ${n}] ([K, N]), got ${shapeText(tiled)}`;
  } else if (k !== 1) return `the token iota of ${n} elements must be broadcast to [${k}, ${n}] ([K, N])`;
  return undefined;
}

function splatOf(m: Match, name: string, absent: number): number | string {
  if (!m.has(name)) return absent;
  const v = m.splat(name);
  return typeof v === 'number' ? v : `the ${name} constant must have one value, got ${v === undefined ? 'differing elements' : String(v)}`;
}

function recover(m: Match): Recovered | string {
  const x = m.value('x').type;
  const row = m.value('row_idx').type;
  const n = row.shape[0]!;
  const k = row.shape[1]!;
  let a = n * k;
  if (m.has('kept')) {
    const s = m.node('kept');
    if (s.ints('start')[0] !== 0) return `the kept sorted rows must start at 0, got start ${s.ints('start')[0]}`;
    a = s.ints('end')[0]!;
  }
  if (k === 0 ? a !== 0 : a % k !== 0) return `the kept rows must be a multiple of K = ${k} (whole tokens), got ${a}`;
  const table = tableProblem(m, n, k);
  if (table) return table;
  if (m.has('positions_c') && !holds(m.value('positions_c'), n * k, (p) => p)) return `the scatter positions must be 0, 1, …, ${n * k - 1}`;
  if (m.has('positions') && m.node('positions').dtype('dtype') !== 'i32') return 'the scatter positions must be an i32 iota';
  const scale = splatOf(m, 'scale', 1);
  if (typeof scale === 'string') return scale;
  const offset = splatOf(m, 'offset', 0);
  if (typeof offset === 'string') return offset;
  // Elementwise ops only ever grow a shape by broadcasting: the quantized rows must keep theirs.
  const quantized = m.value(m.has('q') ? 'q' : 'out').type;
  const source = m.has('q') ? x : m.value('rows').type;
  if (quantized.shape.length !== source.rank || quantized.shape.some((d, i) => d !== source.shape[i])) {
    return `the scale and offset must not broadcast the rows ${shapeText(source)}, got ${shapeText(quantized)}`;
  }
  if (m.has('clamp')) {
    const c = m.node('clamp');
    const lo = f16ToF64(f16FromF64(c.float('min')));
    const hi = f16ToF64(f16FromF64(c.float('max')));
    if (!(lo <= -128 && hi >= 127)) return `the clamp [${lo}, ${hi}] must contain [-128, 127], the range the cast to i8 saturates to`;
  }
  const activeNum = k === 0 ? n : a / k;
  const results = moeInitRoutingQuantTypes(x, row, activeNum);
  const replaced: [string, TensorType][] = [['out', results[0]!], ['row_out', results[1]!], ['expert_out', results[2]!]];
  for (const [name, want] of replaced) {
    const got = m.has(name) ? m.value(name).type : want;
    if (!got.equals(want)) return `${name === 'out' ? 'expanded_x' : name === 'row_out' ? 'expanded_row_idx' : 'expanded_expert_idx'} must have the op's type ${want}, got ${got}`;
  }
  const accepted = opAccepts('npu.moe_init_routing_quant', [x, row, m.value('expert_idx').type], { active_num: activeNum, scale, offset }, results);
  return accepted === true ? { activeNum, scale, offset } : accepted;
}

function guard(m: Match): true | string {
  const r = recover(m);
  return typeof r === 'string' ? r : true;
}

function rewrite(rw: Rewriter, m: Match): void {
  const r = recover(m) as Recovered;
  const fused = rw.b.npu.moeInitRoutingQuant(m.value('x'), m.value('row_idx'), m.value('expert_idx'), r);
  rw.replace(m.value('out'), fused.expandedX);
  rw.replace(m.value('row_out'), fused.expandedRowIdx);
  if (m.has('expert_out')) rw.replace(m.value('expert_out'), fused.expandedExpertIdx);
}

const quantizeFirst = defineRule({ name: 'fuse-moe-init-routing-quant', pattern: quantizeThenGather, extraRoots, guard, rewrite });

const gatherFirst = defineRule({ name: 'fuse-moe-init-routing-quant-gather-first', pattern: gatherThenQuantize, extraRoots, guard, rewrite });

export const FUSE_MOE_INIT_ROUTING_QUANT_RULES: readonly Rule[] = [quantizeFirst, gatherFirst];

export const fuseMoeInitRoutingQuant: Pass = rulePass(
  'fuse-moe-init-routing-quant',
  'fuses stable expert sort, row gather and fp16 static quantization into npu.moe_init_routing_quant',
  FUSE_MOE_INIT_ROUTING_QUANT_RULES,
);
