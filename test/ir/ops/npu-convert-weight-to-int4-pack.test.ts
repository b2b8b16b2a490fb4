import { describe, expect, it } from 'vitest';
import { nz } from '../../../src/ir/layout.ts';
import { expectRule, graph, T } from './npu-rule.ts';

const S = 'npu.convert_weight_to_int4_pack %out';
const OP = 'npu.convert_weight_to_int4_pack';

describe('npu.convert_weight_to_int4_pack types', () => {
  it('defaults to i32 ND [d0, d1/8]; i4 keeps the shape; nz picks c0 64 (i4) or 8 (i32)', () => {
    const { b, p } = graph();
    const w = p([33, 24], 'i32');
    expect(b.npu.convertWeightToInt4Pack(w).type).toEqual(T([33, 3], 'i32'));
    expect(b.npu.convertWeightToInt4Pack(w, { outDtype: 'i4' }).type).toEqual(T([33, 24], 'i4'));
    const i4nz = b.npu.convertWeightToInt4Pack(p([17, 70], 'i32'), { outDtype: 'i4', layout: 'nz' });
    expect(i4nz.type).toEqual(T([17, 70], 'i4', nz(64)));
    expect(i4nz.type.storageShape).toEqual([2, 2, 16, 64]);
    const i32nz = b.npu.convertWeightToInt4Pack(w, { layout: 'nz' });
    expect(i32nz.type).toEqual(T([33, 3], 'i32', nz(8)));
    expect(i32nz.type.storageShape).toEqual([1, 3, 16, 8]);
    expect(b.npu.convertWeightToInt4Pack(p([16, 64], 'i32'), { layout: nz(8), hint: 'w4' }).hint).toBe('w4');
  });
});

describe('npu.convert_weight_to_int4_pack rules', () => {
  it('[convert_weight_to_int4pack.1] weight is required', () => {
    const { b } = graph();
    expectRule(() => b.create(OP, [null], {}, { results: [T([4, 2], 'i32')], hints: ['out'] }), `${S}: [convert_weight_to_int4pack.1] operand weight is required, got none`);
  });

  it('[convert_weight_to_int4pack.3] i32 weight, i4 or i32 out', () => {
    const { b, p } = graph();
    expectRule(() => b.npu.convertWeightToInt4Pack(p([4, 16], 'f32')), `${S}: [convert_weight_to_int4pack.3] weight must be i32, got f32`);
    expectRule(() => b.npu.convertWeightToInt4Pack(p([4, 16], 'i32'), { outDtype: 'i8' }), `${S}: [convert_weight_to_int4pack.3] result out must be i4 or i32, got i8`);
  });

  it('[convert_weight_to_int4pack.4] ND weight', () => {
    const { b, p } = graph();
    expectRule(() => b.npu.convertWeightToInt4Pack(p([16, 64], 'i32', nz(8))), `${S}: [convert_weight_to_int4pack.4] weight must be #nd, got #nz<c0=8>`);
  });

  it('[convert_weight_to_int4pack.5] weight and out are 2-D', () => {
    const { b, p } = graph();
    expectRule(() => b.npu.convertWeightToInt4Pack(p([16], 'i32'), { outDtype: 'i4' }), `${S}: [convert_weight_to_int4pack.5] weight must be 2-D, got rank 1`);
    expectRule(() => b.npu.convertWeightToInt4Pack(p([2, 4, 16], 'i32')), `${S}: [convert_weight_to_int4pack.5] weight must be 2-D, got rank 3`);
    expectRule(() => b.create(OP, [p([4, 16], 'i32')], {}, { results: [T([1, 4, 16], 'i4')], hints: ['out'] }), `${S}: [convert_weight_to_int4pack.5] result out must be 2-D, got rank 3`);
  });

  it('[convert_weight_to_int4pack.6] last-dimension alignment and the output view', () => {
    const { b, p } = graph();
    const R = `${S}: [convert_weight_to_int4pack.6]`;
    const w = p([4, 16], 'i32');
    // An odd row cannot be typed as #nd i4; the op's rule is reported, not [ir.1].
    expectRule(() => b.npu.convertWeightToInt4Pack(p([4, 7], 'i32'), { outDtype: 'i4' }), `${R} weight.shape[-1] must be even for an i4 result, got 7`);
    expectRule(() => b.npu.convertWeightToInt4Pack(p([4, 7], 'i32'), { outDtype: 'i4', layout: 'nz' }), `${R} weight.shape[-1] must be even for an i4 result, got 7`);
    expectRule(() => b.create(OP, [w], {}, { results: [T([4, 8], 'i4')], hints: ['out'] }), `${R} result out must have shape [4, 16] (weight.shape), got [4, 8]`);
    expectRule(() => b.npu.convertWeightToInt4Pack(p([4, 12], 'i32')), `${R} weight.shape[-1] must be a multiple of 8 for an i32 result, got 12`);
    expectRule(() => b.create(OP, [w], {}, { results: [T([4, 1], 'i32')], hints: ['out'] }), `${R} result out must have shape [4, 2] ([d0, d1 / 8]), got [4, 1]`);
  });

  it('[convert_weight_to_int4pack.7] NZ storage as in the table', () => {
    const { b, p } = graph();
    expectRule(
      () => b.npu.convertWeightToInt4Pack(p([4, 16], 'i32'), { layout: nz(16) }),
      `${S}: [convert_weight_to_int4pack.7] result out must have NZ storage [1, 1, 16, 8] (#nz<c0=8>), got [1, 1, 16, 16] (#nz<c0=16>)`,
    );
  });

  it('[convert_weight_to_int4pack.8] no empty weight', () => {
    const { b, p } = graph();
    expectRule(() => b.npu.convertWeightToInt4Pack(p([0, 8], 'i32')), `${S}: [convert_weight_to_int4pack.8] weight must not be empty, got [0, 8]`);
    expectRule(() => b.npu.convertWeightToInt4Pack(p([3, 0], 'i32'), { outDtype: 'i4', layout: 'nz' }), `${S}: [convert_weight_to_int4pack.8] weight must not be empty, got [3, 0]`);
  });
});
