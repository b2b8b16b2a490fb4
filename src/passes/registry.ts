// Passes by name: the one list a new pass is registered in (pipeline strings use these names,
// which equal the passes' file names). The fusion and layout passes of ir.md §9.2 (fuse-quant,
// fuse-*, assign-weight-layout, fold-trans-data, decompose) are added here as their files land.
import { FractalError } from '../ir/diagnostics.ts';
import { canonicalize } from './canonicalize.ts';
import { constantFold } from './constant-fold.ts';
import { cse } from './cse.ts';
import { dce } from './dce.ts';
import { decompose } from './decompose.ts';
import { fuseDynamicQuant } from './fusion/fuse-dynamic-quant.ts';
import { fuseQuant } from './fusion/fuse-quant.ts';
import { fuseQuantize } from './fusion/fuse-quantize.ts';
import { fuseQuantMatmulAllReduce } from './fusion/fuse-quant-matmul-all-reduce.ts';
import { fuseInt4Pack } from './fusion/fuse-int4-pack.ts';
import { fuseMoeInitRoutingQuant } from './fusion/fuse-moe-init-routing-quant.ts';
import { assignWeightLayout } from './layout/assign-weight-layout.ts';
import { foldTransData } from './layout/fold-trans-data.ts';
import type { Pass } from './pass.ts';
import type { Rule } from './rewrite/pattern.ts';

export const PASSES: readonly Pass[] = [
  canonicalize,
  constantFold,
  cse,
  dce,
  fuseDynamicQuant,
  fuseQuantize,
  fuseQuantMatmulAllReduce,
  fuseQuant,
  decompose,
  assignWeightLayout,
  foldTransData,
  fuseInt4Pack,
  fuseMoeInitRoutingQuant,
];

const BY_NAME = new Map(PASSES.map((p) => [p.name, p]));

export function passNames(): string[] {
  return [...BY_NAME.keys()];
}

export function hasPass(name: string): boolean {
  return BY_NAME.has(name);
}

export function passByName(name: string): Pass {
  const p = BY_NAME.get(name);
  if (!p) throw new FractalError('PARSE', `pipeline: unknown pass '${name}' (known: ${passNames().join(', ')})`);
  return p;
}

/** A rewrite rule of some registered pass, by its name (for `explain`). */
export function ruleByName(name: string): Rule {
  for (const p of PASSES) {
    const r = p.rules?.find((x) => x.name === name);
    if (r) return r;
  }
  const known = PASSES.flatMap((p) => p.rules ?? []).map((r) => r.name);
  throw new FractalError('PARSE', `rule: unknown rule '${name}' (known: ${known.join(', ')})`);
}
