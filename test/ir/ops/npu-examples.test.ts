// Every npu.* example signature builds and verifies, and the inferred result types equal the
// type rules of ir.md §5.1, recomputed here independently of the op definitions.
import { describe, expect, it } from 'vitest';
import { attrToJs } from '../../../src/ir/attr.ts';
import { Builder } from '../../../src/ir/builder.ts';
import { NPU_OPS } from '../../../src/ir/ops/npu.ts';
import type { OpExample } from '../../../src/ir/ops/registry.ts';
import { TensorType } from '../../../src/ir/types.ts';

type Rule = (ops: readonly (TensorType | null)[], attrs: Readonly<Record<string, unknown>>) => TensorType[];

const last = (t: TensorType) => t.shape[t.rank - 1]!;
const rows = (t: TensorType) => t.shape.slice(0, -1);

const RULES: Record<keyof typeof NPU_OPS, Rule> = {
  'npu.dynamic_quant': ([x], a) => {
    const dst = (a['dst_type'] ?? 'i8') as 'i8' | 'i4' | 'i32';
    const y = dst === 'i32' ? [...rows(x!), last(x!) / 8] : x!.shape;
    return [new TensorType(y, dst), new TensorType(rows(x!), 'f32')];
  },
  'npu.quantize': ([x], a) => {
    if (a['dtype'] === 'i4') return [new TensorType([...rows(x!), last(x!) / 8], 'i32')];
    return [new TensorType(x!.shape, a['dtype'] as 'i8')];
  },
  'npu.quant_matmul_all_reduce': ([x1, x2], a) => {
    const n = a['transpose_x2'] ? x2!.shape[0]! : x2!.shape[1]!;
    return [new TensorType([...rows(x1!), n], a['out_dtype'] as 'f16')];
  },
  'npu.trans_quant_param': ([scale, offset]) => {
    const len = Math.max(last(scale!), offset ? last(offset) : 1);
    return [new TensorType(scale!.rank === 2 ? [1, last(scale!)] : [len], 'i64')];
  },
  'npu.convert_weight_to_int4_pack': ([w]) => [new TensorType([w!.shape[0]!, w!.shape[1]! / 8], 'i32')],
  'npu.moe_init_routing_quant': ([x, rowIdx], a) => {
    const [n, k] = rowIdx!.shape as [number, number];
    const kept = Math.min(n, a['active_num'] as number) * k;
    return [new TensorType([kept, x!.shape[1]!], 'i8'), new TensorType([n * k], 'i32'), new TensorType([n * k], 'i32')];
  },
};

/** Creates the example's node, with its result types when it gives them, else inferred. */
function build(op: keyof typeof NPU_OPS, ex: OpExample) {
  const b = Builder.graph('g', { worldSize: ex.worldSize ?? 1 });
  const operands = ex.operands.map((t, i) => (t ? b.param(t, `a${i}`) : null));
  return b.create(op, operands, ex.attrs ?? {}, { results: ex.results, hints: NPU_OPS[op].results });
}

describe('npu.* examples', () => {
  for (const [op, def] of Object.entries(NPU_OPS) as [keyof typeof NPU_OPS, (typeof NPU_OPS)[keyof typeof NPU_OPS]][]) {
    it(`${op} is registered under its name with a NULLPTR rule and at least 5 examples`, () => {
      expect(def.name).toBe(op);
      expect(def.nullRule).toMatch(/^[a-z_0-9]+\.\d$/);
      expect(def.examples?.length ?? 0).toBeGreaterThanOrEqual(5);
    });
    for (const ex of def.examples ?? []) {
      if (ex.results) {
        it(`${op}: ${ex.name} verifies with the given result types`, () => {
          expect(build(op, ex).results.map((r) => r.type)).toEqual(ex.results);
        });
      } else {
        it(`${op}: ${ex.name} infers the type rule's results`, () => {
          expect(build(op, ex).results.map((r) => r.type)).toEqual(RULES[op](ex.operands, ex.attrs ?? {}));
        });
      }
    }
  }
});

describe('npu.* attribute defaults', () => {
  const defaults = (op: keyof typeof NPU_OPS) =>
    Object.fromEntries(Object.entries(NPU_OPS[op].attrs).map(([k, s]) => [k, s.default ? attrToJs(s.default) : 'required']));

  it('follow ir.md §5.1', () => {
    expect(defaults('npu.dynamic_quant')).toEqual({ dst_type: 'i8' });
    expect(defaults('npu.quantize')).toEqual({ dtype: 'required', axis: 1, div_mode: true });
    expect(defaults('npu.quant_matmul_all_reduce')).toEqual({ transpose_x2: false, reduce_op: 'sum', group: 'world', out_dtype: 'required' });
    expect(defaults('npu.trans_quant_param')).toEqual({ round_mode: 0 });
    expect(defaults('npu.convert_weight_to_int4_pack')).toEqual({});
    expect(defaults('npu.moe_init_routing_quant')).toEqual({ active_num: 'required', scale: 'required', offset: 'required' });
  });

  it('operands follow the schema order with the optional ones marked', () => {
    const schema = (op: keyof typeof NPU_OPS) => NPU_OPS[op].operands.map((o) => (o.optional ? `${o.name}?` : o.name));
    expect(schema('npu.dynamic_quant')).toEqual(['x', 'smooth_scales?']);
    expect(schema('npu.quantize')).toEqual(['x', 'scales', 'zero_points?']);
    expect(schema('npu.quant_matmul_all_reduce')).toEqual(['x1', 'x2', 'dequant_scale', 'pertoken_scale?', 'bias?', 'x3?']);
    expect(schema('npu.trans_quant_param')).toEqual(['scale', 'offset?']);
    expect(schema('npu.convert_weight_to_int4_pack')).toEqual(['weight']);
    expect(schema('npu.moe_init_routing_quant')).toEqual(['x', 'row_idx', 'expert_idx']);
  });

  it('a missing required attribute is [ir.3]', () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([2, 8], 'f32'), 'x');
    const s = b.param(new TensorType([1], 'f32'), 's');
    expect(() => b.create('npu.quantize', [x, s], {}, { hints: ['y'] })).toThrow('npu.quantize %y: [ir.3] attribute dtype is required, got none');
  });
});
