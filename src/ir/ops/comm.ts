// comm.* ops (ir.md §5): collectives across the ranks of a graph.
import { stringAttr } from '../attr.ts';
import type { DType } from '../dtype.ts';
import { TensorType } from '../types.ts';
import { nz } from '../layout.ts';
import type { OpDef } from './registry.ts';

const ALL_REDUCE_DTYPES: readonly DType[] = ['f32', 'f16', 'bf16', 'i8', 'u8', 'i32', 'i64', 'u64'];

export const COMM_OPS = {
  'comm.all_reduce': {
    name: 'comm.all_reduce',
    operands: [{ name: 'x' }],
    results: ['y'],
    attrs: {
      reduce_op: { kind: 'string', default: stringAttr('sum') },
      group: { kind: 'string', default: stringAttr('world') },
    },
    infer: (ctx) => [ctx.input('x')],
    verify(ctx) {
      const op = ctx.str('reduce_op');
      if (op !== 'sum') ctx.fail('all_reduce.1', 'reduce_op must be "sum"', JSON.stringify(op));
      const group = ctx.str('group');
      if (group !== 'world') ctx.fail('all_reduce.2', 'group must be "world"', JSON.stringify(group));
      const x = ctx.input('x');
      if (!ALL_REDUCE_DTYPES.includes(x.dtype)) ctx.fail('all_reduce.3', `x must be one of ${ALL_REDUCE_DTYPES.join(', ')}`, x.dtype);
      // Any layout: NZ operands are summed over their storage (padding stays zero).
      ctx.checkResult(0, x, 'all_reduce.3');
    },
    examples: [
      { name: 'f16', operands: [new TensorType([8, 32], 'f16')], worldSize: 2 },
      { name: 'i32 NZ', operands: [new TensorType([16, 16], 'i32', nz(8))], worldSize: 4 },
      { name: 'u64 scalar', operands: [new TensorType([], 'u64')], worldSize: 1 },
    ],
  },
} satisfies Record<string, OpDef>;
