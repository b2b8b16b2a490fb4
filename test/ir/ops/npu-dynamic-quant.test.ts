import { describe, expect, it } from 'vitest';
import { nz } from '../../../src/ir/layout.ts';
import { expectRule, graph, T } from './npu-rule.ts';

const S = 'npu.dynamic_quant %y';

describe('npu.dynamic_quant types', () => {
  it('infers y and scale for i8, i4 and i32', () => {
    const { b, p } = graph();
    const x = p([2, 3, 64], 'bf16');
    const i8 = b.npu.dynamicQuant(x);
    expect(i8.y.type).toEqual(T([2, 3, 64], 'i8'));
    expect(i8.scale.type).toEqual(T([2, 3], 'f32'));
    expect(b.npu.dynamicQuant(x, { dstType: 'i4' }).y.type).toEqual(T([2, 3, 64], 'i4'));
    expect(b.npu.dynamicQuant(x, { dstType: 'i32' }).y.type).toEqual(T([2, 3, 8], 'i32'));
  });

  it('takes smooth scales and names results y and scale', () => {
    const { b, p } = graph();
    const { y, scale } = b.npu.dynamicQuant(p([4, 16], 'f16'), { smoothScales: p([16], 'f16') });
    expect([y.hint, scale.hint]).toEqual(['y', 'scale']);
    expect(y.producer?.operands.length).toBe(2);
    expect(y.producer?.attrs['dst_type']).toEqual({ k: 'dtype', v: 'i8' });
  });
});

describe('npu.dynamic_quant rules', () => {
  it('[dynamic_quant.1] x is required', () => {
    const { b } = graph();
    expectRule(() => b.create('npu.dynamic_quant', [null], {}, { hints: ['y', 'scale'] }), `${S}: [dynamic_quant.1] operand x is required, got none`);
  });

  it('[dynamic_quant.2] dtypes of x, smooth_scales, dst_type, y and scale', () => {
    const { b, p } = graph();
    const x = p([4, 16], 'f16');
    expectRule(() => b.npu.dynamicQuant(p([4, 16], 'f32')), `${S}: [dynamic_quant.2] x must be f16 or bf16, got f32`);
    expectRule(() => b.npu.dynamicQuant(x, { smoothScales: p([16], 'bf16') }), `${S}: [dynamic_quant.2] smooth_scales must have x's dtype f16, got bf16`);
    expectRule(() => b.npu.dynamicQuant(x, { dstType: 'u8' }), `${S}: [dynamic_quant.2] dst_type must be i8, i4 or i32, got u8`);
    const wrongY = [T([4, 16], 'i4'), T([4], 'f32')];
    expectRule(() => b.create('npu.dynamic_quant', [x], {}, { results: wrongY, hints: ['y', 'scale'] }), `${S}: [dynamic_quant.2] result y must have dtype i8 (dst_type), got i4`);
    const wrongScale = [T([4, 16], 'i8'), T([4], 'f16')];
    expectRule(() => b.create('npu.dynamic_quant', [x], {}, { results: wrongScale, hints: ['y', 'scale'] }), `${S}: [dynamic_quant.2] result scale must be f32, got f16`);
  });

  it('[dynamic_quant.3] x rank 2 to 8', () => {
    const { b, p } = graph();
    expectRule(() => b.npu.dynamicQuant(p([16], 'f16')), `${S}: [dynamic_quant.3] x must have rank 2 to 8, got 1`);
    expectRule(() => b.npu.dynamicQuant(p([1, 1, 1, 1, 1, 1, 1, 1, 16], 'f16')), `${S}: [dynamic_quant.3] x must have rank 2 to 8, got 9`);
  });

  it('[dynamic_quant.4] smooth_scales is [H] (the ir.md §8.1 example)', () => {
    const { b, p } = graph();
    const x = p([8, 64], 'f16');
    expectRule(() => b.npu.dynamicQuant(x, { smoothScales: p([32], 'f16') }), `${S}: [dynamic_quant.4] smooth_scales must have shape [64] (x.shape[-1]), got [32]`);
    expectRule(() => b.npu.dynamicQuant(x, { smoothScales: p([1, 64], 'f16') }), `${S}: [dynamic_quant.4] smooth_scales must have shape [64] (x.shape[-1]), got [1, 64]`);
  });

  it('[dynamic_quant.5] y shape for i8 and i32', () => {
    const { b, p } = graph();
    const x = p([4, 64], 'f16');
    const hints = ['y', 'scale'];
    expectRule(() => b.create('npu.dynamic_quant', [x], {}, { results: [T([4, 32], 'i8'), T([4], 'f32')], hints }), `${S}: [dynamic_quant.5] result y must have shape [4, 64] (x.shape), got [4, 32]`);
    expectRule(
      () => b.create('npu.dynamic_quant', [x], { dst_type: 'i32' }, { results: [T([4, 64], 'i32'), T([4], 'f32')], hints }),
      `${S}: [dynamic_quant.5] result y must have shape [4, 8] (x.shape[:-1] + [x.shape[-1] / 8]), got [4, 64]`,
    );
    expectRule(() => b.npu.dynamicQuant(p([4, 12], 'f16'), { dstType: 'i32' }), `${S}: [dynamic_quant.5] x.shape[-1] must be a multiple of 8 for dst_type i32 (8 int4 per word), got 12`);
  });

  it('[dynamic_quant.6] i4 needs an even H, before the i4 result type is refused', () => {
    const { b, p } = graph();
    const x = p([4, 7], 'f16');
    expectRule(() => b.npu.dynamicQuant(x, { dstType: 'i4' }), `${S}: [dynamic_quant.6] x.shape[-1] must be even for dst_type i4, got 7`);
    const results = [T([4, 7], 'i4', nz(64)), T([4], 'f32')];
    expectRule(() => b.create('npu.dynamic_quant', [x], { dst_type: 'i4' }, { results, hints: ['y', 'scale'] }), `${S}: [dynamic_quant.6] x.shape[-1] must be even for dst_type i4, got 7`);
  });

  it('[dynamic_quant.7] scale is x.shape[:-1]', () => {
    const { b, p } = graph();
    const results = [T([4, 16], 'i8'), T([4, 1], 'f32')];
    expectRule(() => b.create('npu.dynamic_quant', [p([4, 16], 'f16')], {}, { results, hints: ['y', 'scale'] }), `${S}: [dynamic_quant.7] result scale must have shape [4] (x.shape[:-1]), got [4, 1]`);
  });

  it('[dynamic_quant.8] every tensor is ND', () => {
    const { b, p } = graph();
    expectRule(() => b.npu.dynamicQuant(p([4, 16], 'f16', nz(16))), `${S}: [dynamic_quant.8] x must be #nd, got #nz<c0=16>`);
    const results = [T([4, 64], 'i8', nz(32)), T([4], 'f32')];
    expectRule(() => b.create('npu.dynamic_quant', [p([4, 64], 'f16')], {}, { results, hints: ['y', 'scale'] }), `${S}: [dynamic_quant.8] result y must be #nd, got #nz<c0=32>`);
  });

  it('reports the first broken rule in spec order', () => {
    const { b, p } = graph();
    // f32 x of rank 1 with a short smooth: the dtype rule (2) comes before rank (3) and shape (4).
    expectRule(() => b.npu.dynamicQuant(p([16], 'f32'), { smoothScales: p([8], 'f32') }), `${S}: [dynamic_quant.2] x must be f16 or bf16, got f32`);
  });
});
