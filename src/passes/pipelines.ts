// Named pipelines. `default` (ir.md §9.1), in this order because:
//  1. canonicalize — removes identity casts/reshapes and normalizes axes, so each fusion needs to
//     match one spelling of its chain, not every equivalent one;
//  2. fuse-quant — fuses the primitive chains while everything is still ND and primitive (the
//     patterns describe ND prims), larger patterns first so a small fusion never steals part of
//     a larger one;
//  3. assign-weight-layout — now that the fused ops exist, inserts ND→NZ conversions where they
//     prefer NZ operands (x2 of npu.quant_matmul_all_reduce);
//  4. fold-trans-data — cancels and merges those conversions and folds the ones on constants
//     into NZ constants, so weights are converted once at compile time;
//  5. constant-fold — evaluates what is left with all-constant operands (e.g.
//     npu.trans_quant_param on a constant scale);
//  6. cse, then 7. dce — merge duplicates the earlier passes left (equal constants, sibling
//     conversions), then remove dead statements and resources (the constants fusions only
//     inspected, the unfused chain's leftovers). dce goes last so it sees every orphan.
export const DEFAULT_PIPELINE: readonly string[] = [
  'canonicalize',
  'fuse-quant',
  'assign-weight-layout',
  'fold-trans-data',
  'constant-fold',
  'cse',
  'dce',
];

/** Names that stand for a whole pipeline inside a pipeline string. */
export const NAMED_PIPELINES: Readonly<Record<string, readonly string[]>> = {
  default: DEFAULT_PIPELINE,
};
