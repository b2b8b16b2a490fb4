// npu.moe_init_routing_quant in primitives (ir.md §7, moe_init_routing_quant.md §2):
//
//   expert_idx ─reshape─ fe ─argsort─ ord ─┬─ gather(fe) ────────────────────── expanded_expert_idx
//   row_idx ──reshape─ fr ─────────────────┴─ gather(fr) ─ sr ─ scatter(0, sr, iota) ─ expanded_row_idx
//                                                         └─ slice[0, A) ─ mod N ─ tok
//   x ─cast f16─ ·S16 ─ +O16 ─ round ─ clamp[-128, 127] ─ cast i8 ─ gather(tok) ── expanded_x
import type { Builder } from '../builder.ts';
import { f16FromF64, f16ToF64 } from '../../numerics/float.ts';
import type { Node } from '../node.ts';
import type { Value } from '../value.ts';
import { emit } from './emit.ts';

export function decomposeMoeInitRoutingQuant(b: Builder, node: Node): Value[] {
  const [x, rowIdx, expertIdx] = node.operands as [Value, Value, Value];
  const [n, k] = rowIdx.type.shape as [number, number];
  const active = Math.min(n, node.int('active_num')) * k;
  const fe = emit(b, 'prim.reshape', [expertIdx], { shape: [n * k] }, 'fe');
  const fr = emit(b, 'prim.reshape', [rowIdx], { shape: [n * k] }, 'fr');
  const ord = emit(b, 'prim.argsort', [fe], { axis: 0 }, 'order');
  const expandedExpertIdx = emit(b, 'prim.gather', [fe, ord], { axis: 0 }, 'expanded_expert_idx');
  const sr = emit(b, 'prim.gather', [fr, ord], { axis: 0 }, 'sorted_row_idx');
  const positions = emit(b, 'prim.iota', [], { shape: [n * k], dtype: 'i32' }, 'positions');
  const expandedRowIdx = emit(b, 'prim.scatter', [b.splat('i32', 0, { shape: [n * k], hint: 'zeros' }), sr, positions], { axis: 0 }, 'expanded_row_idx');
  // Token of sorted entry d is sr[d] mod N: a table [0..N) repeated K times, indexed by sr.
  const tokens = emit(b, 'prim.iota', [], { shape: [n], dtype: 'i32' }, 'tokens');
  const tokenOf = emit(b, 'prim.reshape', [emit(b, 'prim.broadcast_to', [tokens], { shape: [k, n] }, 'token_of')], { shape: [n * k] }, 'token_of');
  const tok = emit(b, 'prim.gather', [tokenOf, emit(b, 'prim.slice', [sr], { start: [0], end: [active] }, 'kept')], { axis: 0 }, 'tok');
  // The kernel rounds the attributes double -> f32 -> f16 (moe_init_routing_quant.md §2.3).
  const s16 = f16ToF64(f16FromF64(Math.fround(node.float('scale'))));
  const o16 = f16ToF64(f16FromF64(Math.fround(node.float('offset'))));
  const h = x.type.dtype === 'f16' ? x : emit(b, 'prim.cast', [x], { to: 'f16' }, 'xh');
  const t = emit(b, 'prim.add', [emit(b, 'prim.mul', [h, b.splat('f16', s16, { hint: 'scale' })], {}, 't'), b.splat('f16', o16, { hint: 'offset' })], {}, 'u');
  const q = emit(b, 'prim.cast', [emit(b, 'prim.clamp', [emit(b, 'prim.round', [t], {}, 'u')], { min: -128, max: 127 }, 'u')], { to: 'i8' }, 'q');
  const expandedX = emit(b, 'prim.gather', [q, tok], { axis: 0 }, 'expanded_x');
  return [expandedX, expandedRowIdx, expandedExpertIdx];
}
