// assign-weight-layout (ir.md §9.2): moves weights into FRACTAL_NZ where an op prefers it.
//
// * An operand that its op prefers in NZ (`OpDef.prefersNz`: the x2 of
//   npu.quant_matmul_all_reduce) and that is an ND weight — a prim.constant result or a
//   `weight = true` parameter — gets `layout.trans_data` to the default-c0 NZ type, inserted just
//   before the op (hint `<name>_nz`). fold-trans-data then folds the conversion of a constant
//   into the constant itself; a parameter's conversion stays and runs on every execution.
// * `layout.trans_data(npu.convert_weight_to_int4_pack(w))` to NZ becomes the op's NZ-output
//   form (layout.md §3.4: packing then ND->NZ is exactly the NZ packing).
//
// Graphs without such ops are left as they are. Only operands the op still accepts in NZ are
// converted (its verifier is asked first), so the pass never produces an invalid statement.
import type { Graph } from '../../ir/graph.ts';
import { defaultC0, nz } from '../../ir/layout.ts';
import type { Node } from '../../ir/node.ts';
import { OPS, opDef, type OpDef, type OpName } from '../../ir/ops/registry.ts';
import type { TensorType } from '../../ir/types.ts';
import type { Value } from '../../ir/value.ts';
import { rulePass, type Pass } from '../pass.ts';
import { opAccepts } from '../rewrite/op-accepts.ts';
import { ANY_OPERANDS, capture, defineRule, op, type Rule } from '../rewrite/pattern.ts';

const PREFERS_NZ: readonly OpName[] = Object.values(OPS as Readonly<Record<string, OpDef>>)
  .filter((d) => (d.prefersNz ?? []).length > 0)
  .map((d) => d.name as OpName);

/** Is `v` an ND weight: a prim.constant result or a `weight = true` parameter of `g`? */
function isNdWeight(g: Graph, v: Value): boolean {
  if (v.type.isNz) return false;
  if (v.producer) return v.producer.op === 'prim.constant';
  return v.def.kind === 'param' && v.def.graph === g && g.paramInfo[v.def.index]?.weight === true;
}

/** The default-c0 NZ type of `t`, or undefined when t has none (rank < 2, no NZ form). */
function nzTypeOf(t: TensorType): TensorType | undefined {
  const c0 = defaultC0(t.dtype);
  return c0 === undefined || t.rank < 2 ? undefined : t.with({ layout: nz(c0) });
}

/** The operand indices of `node` to convert, each with its NZ type. */
function conversions(node: Node): { index: number; type: TensorType }[] {
  const g = node.graph!;
  const out: { index: number; type: TensorType }[] = [];
  const types = node.operands.map((v) => v?.type ?? null);
  for (const i of opDef(node.op).prefersNz ?? []) {
    const v = node.operands[i];
    if (!v || !isNdWeight(g, v)) continue;
    const type = nzTypeOf(v.type);
    if (!type) continue;
    const trial = types.map((t, j) => (j === i ? type : t));
    if (opAccepts(node.op, trial, node.attrs, node.results.map((r) => r.type), g.worldSize) === true) out.push({ index: i, type });
  }
  return out;
}

const nzOperand = defineRule({
  name: 'nz-weight-operand',
  pattern: op(PREFERS_NZ, ANY_OPERANDS, { as: 'op' }),
  guard: (m) => conversions(m.node('op')).length > 0 || 'no operand the op prefers in NZ is an ND constant or weight parameter it accepts in NZ',
  rewrite(rw, m) {
    const node = m.node('op');
    for (const { index, type } of conversions(node)) {
      const w = node.operands[index]!;
      const name = w.hint ?? opDef(node.op).operands[index]!.name;
      rw.setOperand(node, index, rw.b.layout.transData(w, type, `${name}_nz`));
    }
  },
});

const int4PackNzOutput = defineRule({
  name: 'int4-pack-nz-output',
  pattern: op(
    'layout.trans_data',
    [op('npu.convert_weight_to_int4_pack', [capture('weight')], { as: 'pack', type: { layout: 'nd' } })],
    { as: 'y', type: { layout: 'nz' } },
  ),
  guard: (m) => opAccepts('npu.convert_weight_to_int4_pack', [m.value('weight').type], {}, [m.value('y').type]),
  rewrite(rw, m) {
    const y = m.value('y');
    const packed = rw.create('npu.convert_weight_to_int4_pack', [m.value('weight')], {}, { results: [y.type], hints: [y.hint] }).result;
    rw.replace(y, packed);
  },
});

export const ASSIGN_WEIGHT_LAYOUT_RULES: readonly Rule[] = [int4PackNzOutput, nzOperand];

export const assignWeightLayout: Pass = rulePass(
  'assign-weight-layout',
  'inserts layout.trans_data to NZ before weights that their op prefers in FRACTAL_NZ',
  ASSIGN_WEIGHT_LAYOUT_RULES,
);
