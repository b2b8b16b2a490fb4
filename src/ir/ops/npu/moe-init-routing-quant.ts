// npu.moe_init_routing_quant (moe_init_routing_quant.md, ir.md §5.1): sorts the (token, slot)
// pairs by expert id, copies the first min(N, active_num)·K token rows in that order and
// quantizes them to i8 with one fp16 scale and offset.
import { decomposeMoeInitRoutingQuant } from '../../decompositions/moe-init-routing-quant.ts';
import type { DType } from '../../dtype.ts';
import { TensorType } from '../../types.ts';
import type { OpDef } from '../registry.ts';
import { checkDtype, checkNd, checkPresent, checkShape, lastDim } from './checks.ts';

/**
 * The three results: expanded_x [min(N, active_num)·K, H] i8, expanded_row_idx and
 * expanded_expert_idx [N·K] i32, with N, K from row_idx and H from x. A negative active_num
 * gives 0 rows here; the verifier reports it ([moe_init_routing_quant.5]).
 */
export function moeInitRoutingQuantTypes(x: TensorType, rowIdx: TensorType, activeNum: number): TensorType[] {
  const n = rowIdx.shape[0] ?? 0;
  const k = rowIdx.shape[1] ?? 0;
  const kept = Math.max(0, Math.min(n, activeNum)) * k;
  return [new TensorType([kept, lastDim(x)], 'i8'), new TensorType([n * k], 'i32'), new TensorType([n * k], 'i32')];
}

const t = (shape: number[], dtype: DType): TensorType => new TensorType(shape, dtype);

export const MOE_INIT_ROUTING_QUANT: OpDef = {
  name: 'npu.moe_init_routing_quant',
  operands: [{ name: 'x' }, { name: 'row_idx' }, { name: 'expert_idx' }],
  results: ['expanded_x', 'expanded_row_idx', 'expanded_expert_idx'],
  attrs: { active_num: { kind: 'int' }, scale: { kind: 'float' }, offset: { kind: 'float' } },
  nullRule: 'moe_init_routing_quant.1',
  infer(ctx) {
    const empty = t([0, 0], 'i32');
    return moeInitRoutingQuantTypes(ctx.operand('x') ?? empty, ctx.operand('row_idx') ?? empty, ctx.int('active_num'));
  },
  verify(ctx) {
    checkPresent(ctx, 'moe_init_routing_quant.1', ['x', 'row_idx', 'expert_idx']);
    const x = ctx.input('x');
    const rowIdx = ctx.input('row_idx');
    const expertIdx = ctx.input('expert_idx');
    const ex = ctx.result('expanded_x');
    const er = ctx.result('expanded_row_idx');
    const ee = ctx.result('expanded_expert_idx');

    checkDtype(ctx, 'moe_init_routing_quant.2', 'x', x, ['f16', 'bf16', 'f32']);
    checkDtype(ctx, 'moe_init_routing_quant.2', 'row_idx', rowIdx, ['i32']);
    checkDtype(ctx, 'moe_init_routing_quant.2', 'expert_idx', expertIdx, ['i32']);
    checkDtype(ctx, 'moe_init_routing_quant.2', 'result expanded_x', ex, ['i8']);
    checkDtype(ctx, 'moe_init_routing_quant.2', 'result expanded_row_idx', er, ['i32']);
    checkDtype(ctx, 'moe_init_routing_quant.2', 'result expanded_expert_idx', ee, ['i32']);
    checkNd(ctx, 'moe_init_routing_quant.2', [
      ['x', x],
      ['row_idx', rowIdx],
      ['expert_idx', expertIdx],
      ['result expanded_x', ex],
      ['result expanded_row_idx', er],
      ['result expanded_expert_idx', ee],
    ]);

    for (const [what, v] of [['x', x], ['row_idx', rowIdx], ['expert_idx', expertIdx], ['result expanded_x', ex]] as const) {
      ctx.check(v.rank === 2, 'moe_init_routing_quant.3', `${what} must be 2-D`, `rank ${v.rank}`);
    }
    ctx.check(er.rank === 1, 'moe_init_routing_quant.3', 'result expanded_row_idx must be 1-D', `rank ${er.rank}`);

    checkShape(ctx, 'moe_init_routing_quant.4', 'row_idx', rowIdx, expertIdx.shape, 'expert_idx.shape');
    const [n, k] = rowIdx.shape as [number, number];
    ctx.check(x.shape[0] === n, 'moe_init_routing_quant.4', `x must have ${n} rows (row_idx.shape[0])`, x.shape[0]);

    const activeNum = ctx.int('active_num');
    ctx.check(activeNum >= 0, 'moe_init_routing_quant.5', 'active_num must be >= 0', ctx.attr('active_num').v);

    const kept = Math.min(n, activeNum) * k;
    checkShape(ctx, 'moe_init_routing_quant.6', 'result expanded_x', ex, [kept, x.shape[1]!], '[min(N, active_num) * K, H]');
    checkShape(ctx, 'moe_init_routing_quant.6', 'result expanded_row_idx', er, [n * k], '[N * K]');
    checkShape(ctx, 'moe_init_routing_quant.6', 'result expanded_expert_idx', ee, [n * k], '[N * K]');
    // [moe_init_routing_quant.7] (row_idx a permutation, expert ids below 2^24) reads values:
    // it is checked when the op runs.
  },
  decompose: decomposeMoeInitRoutingQuant,
  examples: [
    { name: 'f16 K = 2, active_num = N', operands: [t([3, 4], 'f16'), t([3, 2], 'i32'), t([3, 2], 'i32')], attrs: { active_num: 3, scale: 10, offset: 0.5 } },
    { name: 'f32 K = 2, active_num < N', operands: [t([3, 4], 'f32'), t([3, 2], 'i32'), t([3, 2], 'i32')], attrs: { active_num: 2, scale: 10, offset: 0.5 } },
    { name: 'bf16 K = 1, active_num > N', operands: [t([4, 16], 'bf16'), t([4, 1], 'i32'), t([4, 1], 'i32')], attrs: { active_num: 8, scale: 0.1, offset: -2 } },
    { name: 'bf16 K = 4, active_num > N', operands: [t([5, 8], 'bf16'), t([5, 4], 'i32'), t([5, 4], 'i32')], attrs: { active_num: 10, scale: 3.5, offset: 0 } },
    { name: 'f16 K = 2, active_num = 0', operands: [t([4, 8], 'f16'), t([4, 2], 'i32'), t([4, 2], 'i32')], attrs: { active_num: 0, scale: 1, offset: 0 } },
    { name: 'f32 K = 8, active_num < N', operands: [t([6, 12], 'f32'), t([6, 8], 'i32'), t([6, 8], 'i32')], attrs: { active_num: 2, scale: 25.5, offset: -1.25 } },
    { name: 'f16 single row K = 3', operands: [t([1, 32], 'f16'), t([1, 3], 'i32'), t([1, 3], 'i32')], attrs: { active_num: 1, scale: -4, offset: 1 } },
  ],
};
