// npu.dynamic_quant (dynamic_quant.md, ir.md §5.1): per-row symmetric quantization of x
// (optionally times smooth_scales) to i8, i4, or 8 int4 per i32 word, plus one f32 scale per row.
import { dtypeAttr } from '../../attr.ts';
import { decomposeDynamicQuant } from '../../decompositions/dynamic-quant.ts';
import type { DType } from '../../dtype.ts';
import { TensorType } from '../../types.ts';
import type { OpDef } from '../registry.ts';
import { checkDtype, checkNd, checkPresent, checkShape, lastDim } from './checks.ts';

/** y and scale by the type rule: y is x.shape (i8, i4) or x.shape[:-1] + [H/8] (i32). */
export function dynamicQuantTypes(x: TensorType, dstType: DType): [TensorType, TensorType] {
  const rows = x.shape.slice(0, -1);
  const y = dstType === 'i32' && x.rank > 0 ? [...rows, Math.floor(lastDim(x) / 8)] : x.shape;
  return [new TensorType(y, dstType), new TensorType(rows, 'f32')];
}

const t = (shape: number[], dtype: DType): TensorType => new TensorType(shape, dtype);

export const DYNAMIC_QUANT: OpDef = {
  name: 'npu.dynamic_quant',
  operands: [{ name: 'x' }, { name: 'smooth_scales', optional: true }],
  results: ['y', 'scale'],
  attrs: { dst_type: { kind: 'dtype', default: dtypeAttr('i8') } },
  nullRule: 'dynamic_quant.1',
  infer(ctx) {
    return dynamicQuantTypes(ctx.operand('x') ?? t([0, 0], 'f16'), ctx.dtype('dst_type'));
  },
  verify(ctx) {
    checkPresent(ctx, 'dynamic_quant.1', ['x']);
    const x = ctx.input('x');
    const smooth = ctx.operand('smooth_scales');
    const y = ctx.result('y');
    const scale = ctx.result('scale');
    const dst = ctx.dtype('dst_type');

    // dst_type restates y's dtype, so it is checked with the output dtypes (ir.md §5.3).
    checkDtype(ctx, 'dynamic_quant.2', 'x', x, ['f16', 'bf16']);
    if (smooth) ctx.check(smooth.dtype === x.dtype, 'dynamic_quant.2', `smooth_scales must have x's dtype ${x.dtype}`, smooth.dtype);
    ctx.check(dst === 'i8' || dst === 'i4' || dst === 'i32', 'dynamic_quant.2', 'dst_type must be i8, i4 or i32', dst);
    ctx.check(y.dtype === dst, 'dynamic_quant.2', `result y must have dtype ${dst} (dst_type)`, y.dtype);
    checkDtype(ctx, 'dynamic_quant.2', 'result scale', scale, ['f32']);

    ctx.check(x.rank >= 2 && x.rank <= 8, 'dynamic_quant.3', 'x must have rank 2 to 8', x.rank);
    const h = lastDim(x);
    const rows = x.shape.slice(0, -1);

    if (smooth) checkShape(ctx, 'dynamic_quant.4', 'smooth_scales', smooth, [h], 'x.shape[-1]');

    if (dst === 'i32') {
      ctx.check(h % 8 === 0, 'dynamic_quant.5', 'x.shape[-1] must be a multiple of 8 for dst_type i32 (8 int4 per word)', h);
      checkShape(ctx, 'dynamic_quant.5', 'result y', y, [...rows, h / 8], 'x.shape[:-1] + [x.shape[-1] / 8]');
    } else checkShape(ctx, 'dynamic_quant.5', 'result y', y, x.shape, 'x.shape');

    if (dst === 'i4') ctx.check(h % 2 === 0, 'dynamic_quant.6', 'x.shape[-1] must be even for dst_type i4', h);

    checkShape(ctx, 'dynamic_quant.7', 'result scale', scale, rows, 'x.shape[:-1]');

    // Contiguity holds by construction (ir.md §1.4).
    checkNd(ctx, 'dynamic_quant.8', [['x', x], ['smooth_scales', smooth], ['result y', y], ['result scale', scale]]);
  },
  decompose: decomposeDynamicQuant,
  examples: [
    { name: 'f16 2-D i8', operands: [t([4, 64], 'f16')] },
    { name: 'bf16 2-D i8', operands: [t([3, 32], 'bf16')] },
    { name: 'f16 3-D i8 smooth', operands: [t([2, 3, 16], 'f16'), t([16], 'f16')] },
    { name: 'bf16 3-D i8 smooth', operands: [t([2, 2, 24], 'bf16'), t([24], 'bf16')] },
    { name: 'f16 2-D i4', operands: [t([5, 10], 'f16')], attrs: { dst_type: 'i4' } },
    { name: 'bf16 3-D i4 smooth', operands: [t([2, 2, 16], 'bf16'), t([16], 'bf16')], attrs: { dst_type: 'i4' } },
    { name: 'f16 2-D i32', operands: [t([4, 32], 'f16')], attrs: { dst_type: 'i32' } },
    { name: 'bf16 3-D i32 smooth', operands: [t([2, 3, 64], 'bf16'), t([64], 'bf16')], attrs: { dst_type: 'i32' } },
    { name: 'f16 4-D i8', operands: [t([2, 2, 2, 16], 'f16')] },
    { name: 'f16 single column', operands: [t([6, 1], 'f16')] },
    { name: 'f16 zero rows', operands: [t([0, 16], 'f16')] },
    { name: 'bf16 empty rows (H = 0)', operands: [t([3, 0], 'bf16')] },
  ],
};
