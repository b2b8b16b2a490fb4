// fuse-int4-pack (ir.md §7, §9.2; convert_weight_to_int4pack.md §2): int4 weight packing written
// in primitives becomes npu.convert_weight_to_int4_pack.
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
// Why the bits agree: an i32 -> i4 cast keeps the low 4 bits (ir.md §6.4), which is the op's
// masking; i4 elements are packed two per byte, element 2t in the low nibble, so the bitcast to
// i32 gives the op's words Σ (w & 0xF) << 4s (layout.md §3.3); the NZ result is ND->NZ of the
// packed bytes (layout.md §3.4). A mask `and(w, m)` with m & 0xF = 0xF leaves the low 4 bits.
//
// Guards: the op accepts the types (a 2-D, non-empty i32 weight; an NZ result with the op's
// c0: 64 for i4, 8 for i32); a mask is absorbed only if it keeps every low bit and does not
// broadcast w (otherwise it stays and the masked value is packed).
import type { Node } from '../../ir/node.ts';
import { rulePass, type Pass } from '../pass.ts';
import type { Match } from '../rewrite/match.ts';
import { opAccepts } from '../rewrite/op-accepts.ts';
import type { Rewriter } from '../rewrite/rewriter.ts';
import { capture, constant, defineRule, either, op, optional, type OpPattern, type Rule } from '../rewrite/pattern.ts';

const weight = capture('weight', { dtype: 'i32', rank: 2 });

const masked = optional(op('prim.and', [weight, constant('mask', { dtype: 'i32' })], { as: 'mask_op', commutative: true }));

/** Checked on the cast itself, so explain names the weight's problem rather than the mask's. */
const fromI32 = (n: Node): true | string => n.operands[0]?.type.dtype === 'i32' || `expected an i32 weight, got ${n.operands[0]?.type.dtype}`;

const toI4 = (as: string): OpPattern => op('prim.cast', [masked], { attrs: { to: 'i4' }, as, type: { rank: 2 }, where: fromI32 });

const toWords = (as: string): OpPattern => op('prim.bitcast', [toI4('cast')], { attrs: { to: 'i32' }, as });

function guard(m: Match): true | string {
  const w = m.value('weight');
  if (m.has('mask_op')) {
    const mask = m.splat('mask');
    if (typeof mask !== 'number' || (mask & 0xf) !== 0xf) return `the mask ${String(mask ?? 'with differing elements')} clears some of the low 4 bits the op keeps`;
    const and = m.value('mask_op').type;
    if (!and.equals(w.type)) return `the mask broadcasts the weight to ${and}`;
  }
  return opAccepts('npu.convert_weight_to_int4_pack', [w.type], {}, [m.value('out').type]);
}

function rewrite(rw: Rewriter, m: Match): void {
  const out = m.value('out');
  const packed = rw.create('npu.convert_weight_to_int4_pack', [m.value('weight')], {}, { results: [out.type] }).result;
  rw.replace(out, packed);
}

const packNz = defineRule({
  name: 'fuse-int4-pack-nz',
  pattern: op('layout.trans_data', [either(toWords('words'), toI4('cast'))], { as: 'out', type: { layout: 'nz' } }),
  guard,
  rewrite,
});

const packWords = defineRule({ name: 'fuse-int4-pack-i32', pattern: toWords('out'), guard, rewrite });

const packI4 = defineRule({ name: 'fuse-int4-pack-i4', pattern: toI4('out'), guard, rewrite });

export const FUSE_INT4_PACK_RULES: readonly Rule[] = [packNz, packWords, packI4];

export const fuseInt4Pack: Pass = rulePass('fuse-int4-pack', 'fuses an i32 -> i4 cast (+ bitcast to i32, + trans_data to NZ) into npu.convert_weight_to_int4_pack', FUSE_INT4_PACK_RULES);
