// comm.all_reduce (ir.md §5.1, §5.4): types and [all_reduce.1–3].
import { describe, expect, it } from 'vitest';
import { stringAttr } from '../../../src/ir/attr.ts';
import { Builder } from '../../../src/ir/builder.ts';
import { nz } from '../../../src/ir/layout.ts';
import { TensorType } from '../../../src/ir/types.ts';
import { expectRule } from './expect-rule.ts';

describe('comm.all_reduce', () => {
  it("gives x's type, NZ included, with the default attributes", () => {
    const b = Builder.graph('g', { worldSize: 2 });
    const y = b.comm.allReduce(b.param(new TensorType([8, 32], 'f16'), 'h'), 'y');
    expect(y.type.toString()).toBe('tensor<8x32xf16>');
    expect(y.producer!.attrs).toEqual({ reduce_op: stringAttr('sum'), group: stringAttr('world') });
    const z = b.comm.allReduce(b.param(new TensorType([16, 16], 'i32', nz(8)), 'w'));
    expect(z.type.toString()).toBe('tensor<16x16xi32, #nz<c0=8>>');
  });

  it('[all_reduce.1] reduce_op is "sum"', () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([4], 'f32'), 'x');
    expectRule(() => b.create('comm.all_reduce', [x], { reduce_op: 'max' }, { hints: ['y'] }), 'all_reduce.1', 'comm.all_reduce %y: [all_reduce.1] reduce_op must be "sum", got "max"');
  });

  it('[all_reduce.2] group is "world"', () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([4], 'f32'), 'x');
    expectRule(() => b.create('comm.all_reduce', [x], { group: 'tp' }, { hints: ['y'] }), 'all_reduce.2', 'comm.all_reduce %y: [all_reduce.2] group must be "world", got "tp"');
  });

  it('[all_reduce.3] dtype list', () => {
    const b = Builder.graph('g');
    for (const d of ['i4', 'i1'] as const) {
      const x = b.param(new TensorType([4], d), 'x');
      expectRule(() => b.comm.allReduce(x, 'y'), 'all_reduce.3', `comm.all_reduce %y: [all_reduce.3] x must be one of f32, f16, bf16, i8, u8, i32, i64, u64, got ${d}`);
    }
  });

  it("[all_reduce.3] the result type is x's type", () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([16, 16], 'f32', nz(8)), 'x');
    expectRule(
      () => b.create('comm.all_reduce', [x], {}, { results: [new TensorType([16, 16], 'f32')], hints: ['y'] }),
      'all_reduce.3',
      'comm.all_reduce %y: [all_reduce.3] result y must have type tensor<16x16xf32, #nz<c0=8>>, got tensor<16x16xf32>',
    );
  });
});
