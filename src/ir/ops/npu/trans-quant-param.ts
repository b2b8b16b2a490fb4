// npu.trans_quant_param (quant_matmul_all_reduce.md §3, ir.md §5.1): packs f32 scales (and
// optional offsets) into the u64/i64 dequant-scale words of npu.quant_matmul_all_reduce. The
// result dtype is whatever the result type says; builders default to i64 as torch_npu does.
import { intAttr } from '../../attr.ts';
import type { DType } from '../../dtype.ts';
import { TensorType } from '../../types.ts';
import type { OpDef } from '../registry.ts';
import { checkNd, checkPresent, checkShape, lastDim } from './checks.ts';

/** Output shape: [L] for a 1-D scale (L = max(t, t')), [1, t] for a 2-D scale. */
export function transQuantParamType(scale: TensorType, offset: TensorType | null, dtype: DType): TensorType {
  const len = Math.max(lastDim(scale), offset ? lastDim(offset) : 0);
  return new TensorType(scale.rank === 2 ? [1, lastDim(scale)] : [len], dtype);
}

/** [t] or [1, t] with t >= 1. */
const isVector = (s: readonly number[]): boolean => (s.length === 1 && s[0]! >= 1) || (s.length === 2 && s[0] === 1 && s[1]! >= 1);

const t = (shape: number[], dtype: DType): TensorType => new TensorType(shape, dtype);

export const TRANS_QUANT_PARAM: OpDef = {
  name: 'npu.trans_quant_param',
  operands: [{ name: 'scale' }, { name: 'offset', optional: true }],
  results: ['out'],
  attrs: { round_mode: { kind: 'int', default: intAttr(0) } },
  nullRule: 'trans_quant_param.2',
  infer(ctx) {
    return [transQuantParamType(ctx.operand('scale') ?? t([1], 'f32'), ctx.operand('offset'), 'i64')];
  },
  verify(ctx) {
    const roundMode = ctx.int('round_mode');
    ctx.check(roundMode === 0 || roundMode === 1, 'trans_quant_param.1', 'round_mode must be 0 or 1', ctx.attr('round_mode').v);

    checkPresent(ctx, 'trans_quant_param.2', ['scale']);
    const scale = ctx.input('scale');
    const offset = ctx.operand('offset');
    const out = ctx.result('out');

    ctx.check(scale.dtype === 'f32', 'trans_quant_param.3', 'scale must be f32', scale.dtype);
    if (offset) ctx.check(offset.dtype === 'f32', 'trans_quant_param.3', 'offset must be f32', offset.dtype);
    ctx.check(out.dtype === 'u64' || out.dtype === 'i64', 'trans_quant_param.3', 'result out must be u64 or i64', out.dtype);

    // Contiguity holds by construction (ir.md §1.4).
    checkNd(ctx, 'trans_quant_param.4', [['scale', scale], ['offset', offset], ['result out', out]]);

    ctx.check(isVector(scale.shape), 'trans_quant_param.5', 'scale must have shape [t] or [1, t] with t >= 1', scale.shape);
    if (offset) ctx.check(isVector(offset.shape), 'trans_quant_param.5', 'offset must have shape [t] or [1, t] with t >= 1', offset.shape);

    const ts = lastDim(scale);
    if (offset) {
      const to = lastDim(offset);
      ctx.check(ts === to || ts === 1 || to === 1, 'trans_quant_param.6', 'scale and offset lengths must be equal or one of them 1', `${ts} and ${to}`);
      if (scale.rank === 2) ctx.check(to <= ts, 'trans_quant_param.6', `offset must not be longer than the 2-D scale (length ${ts})`, to);
    }
    const expected = transQuantParamType(scale, offset, out.dtype);
    checkShape(ctx, 'trans_quant_param.6', 'result out', out, expected.shape, scale.rank === 2 ? 'scale.shape' : '[L]');
  },
  examples: [
    { name: '1-D scale', operands: [t([8], 'f32')] },
    { name: '1-D scale and offset, round_mode 1', operands: [t([4], 'f32'), t([4], 'f32')], attrs: { round_mode: 1 } },
    { name: '2-D scale u64', operands: [t([1, 6], 'f32')], results: [t([1, 6], 'u64')] },
    { name: 'scale [1] broadcast to the offset', operands: [t([1], 'f32'), t([5], 'f32')], results: [t([5], 'i64')] },
    { name: 'offset [1] broadcast to the scale, u64', operands: [t([6], 'f32'), t([1], 'f32')], attrs: { round_mode: 1 }, results: [t([6], 'u64')] },
    { name: '2-D scale and 2-D offset', operands: [t([1, 3], 'f32'), t([1, 3], 'f32')] },
    { name: '2-D scale [1, 1] with offset [1]', operands: [t([1, 1], 'f32'), t([1], 'f32')], attrs: { round_mode: 1 } },
  ],
};
