import { describe, expect, it } from 'vitest';
import { nz } from '../../../src/ir/layout.ts';
import { expectRule, graph, T } from './npu-rule.ts';

const S = 'npu.trans_quant_param %out';

describe('npu.trans_quant_param types', () => {
  it('gives [L] for a 1-D scale and [1, t] for a 2-D scale, i64 unless told u64', () => {
    const { b, p } = graph();
    expect(b.npu.transQuantParam(p([8], 'f32')).type).toEqual(T([8], 'i64'));
    expect(b.npu.transQuantParam(p([1], 'f32'), { offset: p([5], 'f32') }).type).toEqual(T([5], 'i64'));
    expect(b.npu.transQuantParam(p([6], 'f32'), { offset: p([1], 'f32'), outDtype: 'u64' }).type).toEqual(T([6], 'u64'));
    expect(b.npu.transQuantParam(p([1, 6], 'f32'), { roundMode: 1 }).type).toEqual(T([1, 6], 'i64'));
    expect(b.npu.transQuantParam(p([1, 3], 'f32'), { offset: p([1], 'f32') }).type).toEqual(T([1, 3], 'i64'));
  });

  it('infers i64 when created without a result type', () => {
    const { b, p } = graph();
    expect(b.create('npu.trans_quant_param', [p([4], 'f32'), p([4], 'f32')], {}, { hints: ['out'] }).result.type).toEqual(T([4], 'i64'));
  });
});

describe('npu.trans_quant_param rules', () => {
  it('[trans_quant_param.1] round_mode 0 or 1, checked before the NULLPTR rule', () => {
    const { b, p } = graph();
    expectRule(() => b.npu.transQuantParam(p([4], 'f32'), { roundMode: 2 }), `${S}: [trans_quant_param.1] round_mode must be 0 or 1, got 2`);
    expectRule(() => b.create('npu.trans_quant_param', [null], { round_mode: -1 }, { hints: ['out'] }), `${S}: [trans_quant_param.1] round_mode must be 0 or 1, got -1`);
  });

  it('[trans_quant_param.2] scale is required', () => {
    const { b, p } = graph();
    expectRule(() => b.create('npu.trans_quant_param', [null, p([4], 'f32')], {}, { hints: ['out'] }), `${S}: [trans_quant_param.2] operand scale is required, got none`);
  });

  it('[trans_quant_param.3] f32 scale and offset, u64 or i64 out', () => {
    const { b, p } = graph();
    const scale = p([4], 'f32');
    expectRule(() => b.npu.transQuantParam(p([4], 'f16')), `${S}: [trans_quant_param.3] scale must be f32, got f16`);
    expectRule(() => b.npu.transQuantParam(scale, { offset: p([4], 'i32') }), `${S}: [trans_quant_param.3] offset must be f32, got i32`);
    expectRule(() => b.npu.transQuantParam(scale, { outDtype: 'i32' }), `${S}: [trans_quant_param.3] result out must be u64 or i64, got i32`);
  });

  it('[trans_quant_param.4] every tensor is ND', () => {
    const { b, p } = graph();
    expectRule(() => b.npu.transQuantParam(p([1, 8], 'f32', nz(8))), `${S}: [trans_quant_param.4] scale must be #nd, got #nz<c0=8>`);
    expectRule(() => b.npu.transQuantParam(p([1, 8], 'f32'), { offset: p([1, 8], 'f32', nz(16)) }), `${S}: [trans_quant_param.4] offset must be #nd, got #nz<c0=16>`);
  });

  it('[trans_quant_param.5] scale and offset are [t] or [1, t], t >= 1', () => {
    const { b, p } = graph();
    const R = `${S}: [trans_quant_param.5]`;
    expectRule(() => b.npu.transQuantParam(p([2, 3], 'f32')), `${R} scale must have shape [t] or [1, t] with t >= 1, got [2, 3]`);
    expectRule(() => b.npu.transQuantParam(p([0], 'f32')), `${R} scale must have shape [t] or [1, t] with t >= 1, got [0]`);
    expectRule(() => b.npu.transQuantParam(p([], 'f32')), `${R} scale must have shape [t] or [1, t] with t >= 1, got []`);
    expectRule(() => b.npu.transQuantParam(p([4], 'f32'), { offset: p([1, 1, 4], 'f32') }), `${R} offset must have shape [t] or [1, t] with t >= 1, got [1, 1, 4]`);
  });

  it('[trans_quant_param.6] compatible lengths and the output shape', () => {
    const { b, p } = graph();
    const R = `${S}: [trans_quant_param.6]`;
    expectRule(() => b.npu.transQuantParam(p([4], 'f32'), { offset: p([3], 'f32') }), `${R} scale and offset lengths must be equal or one of them 1, got 4 and 3`);
    expectRule(() => b.npu.transQuantParam(p([1, 1], 'f32'), { offset: p([4], 'f32') }), `${R} offset must not be longer than the 2-D scale (length 1), got 4`);
    expectRule(() => b.create('npu.trans_quant_param', [p([4], 'f32')], {}, { results: [T([3], 'i64')], hints: ['out'] }), `${R} result out must have shape [4] ([L]), got [3]`);
    expectRule(() => b.create('npu.trans_quant_param', [p([1, 4], 'f32')], {}, { results: [T([4], 'u64')], hints: ['out'] }), `${R} result out must have shape [1, 4] (scale.shape), got [4]`);
  });
});
