import { describe, expect, it } from 'vitest';
import type { DType } from '../../../src/ir/dtype.ts';
import { nz } from '../../../src/ir/layout.ts';
import { expectRule, graph, T } from './npu-rule.ts';

const S = 'npu.moe_init_routing_quant %expanded_x';
const OP = 'npu.moe_init_routing_quant';
const ATTRS = { activeNum: 3, scale: 10, offset: 0.5 };
const RAW = { active_num: 3, scale: 10, offset: 0.5 };
const HINTS = ['expanded_x', 'expanded_row_idx', 'expanded_expert_idx'];

/** N = 3 tokens, H = 4, K = 2 (moe_init_routing_quant.md §5). */
function setup() {
  const { b, p } = graph();
  return { b, p, x: p([3, 4], 'f32'), rows: p([3, 2], 'i32'), experts: p([3, 2], 'i32') };
}

describe('npu.moe_init_routing_quant types', () => {
  it('keeps min(N, active_num)·K rows; the index outputs cover N·K', () => {
    const { b, x, rows, experts } = setup();
    const r = b.npu.moeInitRoutingQuant(x, rows, experts, ATTRS);
    expect([r.expandedX.type, r.expandedRowIdx.type, r.expandedExpertIdx.type]).toEqual([T([6, 4], 'i8'), T([6], 'i32'), T([6], 'i32')]);
    expect([r.expandedX.hint, r.expandedRowIdx.hint, r.expandedExpertIdx.hint]).toEqual(HINTS);
    expect(b.npu.moeInitRoutingQuant(x, rows, experts, { ...ATTRS, activeNum: 2 }).expandedX.type).toEqual(T([4, 4], 'i8'));
    expect(b.npu.moeInitRoutingQuant(x, rows, experts, { ...ATTRS, activeNum: 100n }).expandedX.type).toEqual(T([6, 4], 'i8'));
    expect(b.npu.moeInitRoutingQuant(x, rows, experts, { ...ATTRS, activeNum: 0 }).expandedX.type).toEqual(T([0, 4], 'i8'));
  });
});

describe('npu.moe_init_routing_quant rules', () => {
  it('[moe_init_routing_quant.1] every input is required', () => {
    const { b, x, experts } = setup();
    expectRule(() => b.create(OP, [x, null, experts], RAW, { hints: HINTS }), `${S}: [moe_init_routing_quant.1] operand row_idx is required, got none`);
  });

  it('[moe_init_routing_quant.2] dtypes and formats', () => {
    const { b, p, x, rows, experts } = setup();
    const R = `${S}: [moe_init_routing_quant.2]`;
    expectRule(() => b.npu.moeInitRoutingQuant(p([3, 4], 'i8'), rows, experts, ATTRS), `${R} x must be f16, bf16 or f32, got i8`);
    expectRule(() => b.npu.moeInitRoutingQuant(x, p([3, 2], 'i64'), experts, ATTRS), `${R} row_idx must be i32, got i64`);
    expectRule(() => b.npu.moeInitRoutingQuant(x, rows, p([3, 2], 'f32'), ATTRS), `${R} expert_idx must be i32, got f32`);
    const results = (ex: DType, er: DType, ee: DType) => [T([6, 4], ex), T([6], er), T([6], ee)];
    expectRule(() => b.create(OP, [x, rows, experts], RAW, { results: results('u8', 'i32', 'i32'), hints: HINTS }), `${R} result expanded_x must be i8, got u8`);
    expectRule(() => b.create(OP, [x, rows, experts], RAW, { results: results('i8', 'i64', 'i32'), hints: HINTS }), `${R} result expanded_row_idx must be i32, got i64`);
    expectRule(() => b.create(OP, [x, rows, experts], RAW, { results: results('i8', 'i32', 'u64'), hints: HINTS }), `${R} result expanded_expert_idx must be i32, got u64`);
    expectRule(() => b.npu.moeInitRoutingQuant(p([3, 4], 'f16', nz(16)), rows, experts, ATTRS), `${R} x must be #nd, got #nz<c0=16>`);
  });

  it('[moe_init_routing_quant.3] 2-D inputs and expanded_x, 1-D expanded_row_idx', () => {
    const { b, p, rows, experts } = setup();
    const R = `${S}: [moe_init_routing_quant.3]`;
    expectRule(() => b.npu.moeInitRoutingQuant(p([2, 2, 8], 'f16'), p([4, 2], 'i32'), p([4, 2], 'i32'), ATTRS), `${R} x must be 2-D, got rank 3`);
    expectRule(() => b.npu.moeInitRoutingQuant(p([3, 4], 'f16'), p([6], 'i32'), p([6], 'i32'), ATTRS), `${R} row_idx must be 2-D, got rank 1`);
    const x = p([3, 4], 'f16');
    const results = [T([6, 4], 'i8'), T([6, 1], 'i32'), T([6], 'i32')];
    expectRule(() => b.create(OP, [x, rows, experts], RAW, { results, hints: HINTS }), `${R} result expanded_row_idx must be 1-D, got rank 2`);
  });

  it('[moe_init_routing_quant.4] row_idx matches expert_idx and x has N rows', () => {
    const { b, p, x, experts } = setup();
    expectRule(() => b.npu.moeInitRoutingQuant(x, p([3, 3], 'i32'), experts, ATTRS), `${S}: [moe_init_routing_quant.4] row_idx must have shape [3, 2] (expert_idx.shape), got [3, 3]`);
    expectRule(() => b.npu.moeInitRoutingQuant(p([4, 4], 'f32'), p([3, 2], 'i32'), experts, ATTRS), `${S}: [moe_init_routing_quant.4] x must have 3 rows (row_idx.shape[0]), got 4`);
  });

  it('[moe_init_routing_quant.5] active_num >= 0', () => {
    const { b, x, rows, experts } = setup();
    expectRule(() => b.npu.moeInitRoutingQuant(x, rows, experts, { ...ATTRS, activeNum: -1 }), `${S}: [moe_init_routing_quant.5] active_num must be >= 0, got -1`);
  });

  it('[moe_init_routing_quant.6] output shapes', () => {
    const { b, x, rows, experts } = setup();
    const R = `${S}: [moe_init_routing_quant.6]`;
    const create = (ex: number[], er: number[], ee: number[]) => () => b.create(OP, [x, rows, experts], RAW, { results: [T(ex, 'i8'), T(er, 'i32'), T(ee, 'i32')], hints: HINTS });
    expectRule(create([4, 4], [6], [6]), `${R} result expanded_x must have shape [6, 4] ([min(N, active_num) * K, H]), got [4, 4]`);
    expectRule(create([6, 4], [5], [6]), `${R} result expanded_row_idx must have shape [6] ([N * K]), got [5]`);
    expectRule(create([6, 4], [6], [3, 2]), `${R} result expanded_expert_idx must have shape [6] ([N * K]), got [3, 2]`);
  });
});
