// decompose (ir.md §9.2; not in the default pipeline): replaces every npu.* op by its §7 form,
// the `decompose` rule of its OpDef, emitted just before it. npu.trans_quant_param stays: it has
// no fusion, and constant-fold evaluates it on constant scales (ir.md §7). One rule per op
// (`decompose-dynamic-quant`, …), so the pass statistics count each op decomposed.
import { OPS, type OpDef, type OpName } from '../ir/ops/registry.ts';
import { rulePass, type Pass } from './pass.ts';
import { ANY_OPERANDS, defineRule, op, type Rule } from './rewrite/pattern.ts';

const KEPT: ReadonlySet<string> = new Set(['npu.trans_quant_param']);

export const DECOMPOSE_RULES: readonly Rule[] = Object.values(OPS as Readonly<Record<string, OpDef>>)
  .filter((d) => d.name.startsWith('npu.') && !KEPT.has(d.name) && d.decompose)
  .map((d) =>
    defineRule({
      name: `decompose-${d.name.slice('npu.'.length).replaceAll('_', '-')}`,
      pattern: op(d.name as OpName, ANY_OPERANDS, { as: 'op' }),
      rewrite(rw, m) {
        const node = m.node('op');
        const values = d.decompose!(rw.b, node);
        node.results.forEach((r, i) => rw.replace(r, values[i]!));
      },
    }),
  );

export const decompose: Pass = rulePass('decompose', 'replaces every npu.* op except trans_quant_param by its primitives (ir.md §7)', DECOMPOSE_RULES);
