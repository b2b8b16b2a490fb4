// fuse-quant (ir.md §9.2): the quant fusions applied together in one greedy run, in this order:
// fuse-moe-init-routing-quant, fuse-quant-matmul-all-reduce, fuse-dynamic-quant, fuse-quantize,
// fuse-int4-pack. The order is forced (not left to pattern sizes) because smaller patterns sit
// inside larger ones: the tail of a dynamic-quant chain, `cast(round(v · inv))`, is also a valid
// npu.quantize with run-time scales, and fusing it first would leave the dynamic quant unfusable.
import { rulePass, type Pass } from '../pass.ts';
import type { Rule } from '../rewrite/pattern.ts';
import { FUSE_DYNAMIC_QUANT_RULES } from './fuse-dynamic-quant.ts';
import { FUSE_INT4_PACK_RULES } from './fuse-int4-pack.ts';
import { FUSE_MOE_INIT_ROUTING_QUANT_RULES } from './fuse-moe-init-routing-quant.ts';
import { FUSE_QUANT_MATMUL_ALL_REDUCE_RULES } from './fuse-quant-matmul-all-reduce.ts';
import { FUSE_QUANTIZE_RULES } from './fuse-quantize.ts';

/** Member fusions' rule sets, first to last. */
const MEMBERS: readonly (readonly Rule[])[] = [
  FUSE_MOE_INIT_ROUTING_QUANT_RULES,
  FUSE_QUANT_MATMUL_ALL_REDUCE_RULES,
  FUSE_DYNAMIC_QUANT_RULES,
  FUSE_QUANTIZE_RULES,
  FUSE_INT4_PACK_RULES,
];

/** Rule sets merged so that each set goes before the next; within a set, its own priorities hold. */
export function inOrder(sets: readonly (readonly Rule[])[]): Rule[] {
  const span = 1 + Math.max(0, ...sets.flat().map((r) => Math.abs(r.benefit ?? 0))) * 2;
  return sets.flatMap((set, i) => set.map((r) => ({ ...r, benefit: (sets.length - i) * span + (r.benefit ?? 0) })));
}

export const FUSE_QUANT_RULES: readonly Rule[] = inOrder(MEMBERS);

export const fuseQuant: Pass = rulePass('fuse-quant', 'all quant fusions in one greedy run, larger patterns first (ir.md §9.2)', FUSE_QUANT_RULES);
