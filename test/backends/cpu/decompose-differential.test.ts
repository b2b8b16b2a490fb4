// Every npu.* op means its decomposition (ir.md §7): on seeded inputs with edge values the fused
// kernel and decompose-then-interpret give the same bits, for every example signature.
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/backends/cpu/executor.ts';
import { Builder } from '../../../src/ir/builder.ts';
import { ndToNz } from '../../../src/ir/layout-convert.ts';
import { OPS, opDef, type OpExample, type OpName } from '../../../src/ir/ops/registry.ts';
import type { Storage } from '../../../src/ir/storage.ts';
import type { TensorType } from '../../../src/ir/types.ts';
import { bytesOf, seededStorage, type Role } from '../../helpers/seeded-inputs.ts';

/** What each operand holds, so that inputs are legal for the op (ids, permutations, scales). */
const ROLES: Partial<Record<string, Role>> = {
  'npu.quantize/scales': 'scale',
  'npu.quantize/zero_points': 'zero-point',
  'npu.quant_matmul_all_reduce/dequant_scale': 'scale',
  'npu.quant_matmul_all_reduce/pertoken_scale': 'scale',
  'npu.quant_matmul_all_reduce/bias': 'bias',
  'npu.convert_weight_to_int4_pack/weight': 'weight4',
  'npu.moe_init_routing_quant/row_idx': 'permutation',
  'npu.moe_init_routing_quant/expert_idx': 'expert',
};

function roleOf(op: string, operand: string, type: TensorType): Role {
  const role = ROLES[`${op}/${operand}`] ?? 'data';
  return role === 'scale' && (type.dtype === 'u64' || type.dtype === 'i64') ? 'packed-scale' : role;
}

/** One graph with the op alone, optionally rewritten into its decomposition. */
function build(op: OpName, ex: OpExample, decompose: boolean) {
  const b = Builder.graph('g', { worldSize: ex.worldSize ?? 1 });
  const def = opDef(op);
  const params = ex.operands.map((t, i) => (t ? b.param(t, def.operands[i]!.name) : null));
  const node = b.create(op, params, ex.attrs ?? {}, { results: ex.results, hints: [...def.results] });
  b.return(...node.results);
  if (decompose) {
    const replacements = def.decompose!(new Builder(b.graph, node), node);
    node.results.forEach((r, i) => b.graph.replaceAllUses(r, replacements[i]!));
    b.graph.erase(node);
  }
  return b.module;
}

function feeds(op: OpName, ex: OpExample, seed: number): Record<string, Storage[]> {
  const def = opDef(op);
  const out: Record<string, Storage[]> = {};
  const ranks = ex.worldSize ?? 1;
  ex.operands.forEach((t, i) => {
    if (!t) return;
    const name = def.operands[i]!.name;
    out[name] = Array.from({ length: ranks }, (_, r) => {
      const logical = seededStorage(t, roleOf(op, name, t), seed * 131 + i * 17 + r);
      return t.layout.kind === 'nz' ? ndToNz(logical, t.shape, t.dtype, t.layout.c0) : logical;
    });
  });
  return out;
}

const decomposable = (Object.keys(OPS) as OpName[]).filter((op) => opDef(op).decompose);

describe('kernel == decompose-then-interpret', () => {
  it('covers every npu op but trans_quant_param', () => {
    expect(decomposable.sort()).toEqual([
      'npu.convert_weight_to_int4_pack',
      'npu.dynamic_quant',
      'npu.moe_init_routing_quant',
      'npu.quant_matmul_all_reduce',
      'npu.quantize',
    ]);
  });

  for (const op of decomposable) {
    for (const ex of opDef(op).examples ?? []) {
      it(`${op}: ${ex.name}`, async () => {
        const fused = build(op, ex, false);
        const prims = build(op, ex, true);
        expect(prims.graphs[0]!.nodes.some((n) => n.op.startsWith('npu.'))).toBe(false);
        for (const seed of [1, 2, 3]) {
          const f = feeds(op, ex, seed);
          const a = await run(fused, f);
          const b = await run(prims, f);
          a.outputs.forEach((rankOutputs, r) =>
            rankOutputs.forEach((t, i) => {
              expect(b.outputs[r]![i]!.type.equals(t.type)).toBe(true);
              expect(bytesOf(b.outputs[r]![i]!.data), `rank ${r} result ${i} seed ${seed}`).toEqual(bytesOf(t.data));
            }),
          );
        }
      });
    }
  }
});
