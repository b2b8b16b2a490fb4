// npu.quantize (quantize.md, ir.md §5.1): static affine quantization. div_mode = true is
// aclnnQuantize (x / scales, rules 1-4); div_mode = false is aclnnAscendQuantV3 (x * scales,
// rules 5-11), with its own dtypes, scale shapes and meaning of `axis`.
import { boolAttr, intAttr } from '../../attr.ts';
import { decomposeQuantize } from '../../decompositions/quantize.ts';
import type { DType } from '../../dtype.ts';
import { layoutToString } from '../../layout.ts';
import { TensorType } from '../../types.ts';
import type { OpContext } from '../context.ts';
import type { OpDef } from '../registry.ts';
import { checkDtype, checkNd, checkPresent, checkShape, lastDim } from './checks.ts';

const FLOATS: readonly DType[] = ['f32', 'f16', 'bf16'];

/**
 * y by the type rule: `dtype` and x.shape, except dtype i4 (torch quint4x2), which is carried as
 * i32 with x.shape[-1] / 8 words per row when div_mode = false.
 */
export function quantizeType(x: TensorType, dtype: DType, divMode: boolean): TensorType {
  if (dtype !== 'i4') return new TensorType(x.shape, dtype);
  const words = !divMode && x.rank > 0 ? [...x.shape.slice(0, -1), Math.floor(lastDim(x) / 8)] : x.shape;
  return new TensorType(words, 'i32');
}

function verifyDivMode(ctx: OpContext): void {
  checkPresent(ctx, 'npu_quantize.1', ['x', 'scales']);
  const x = ctx.input('x');
  const scales = ctx.input('scales');
  const zp = ctx.operand('zero_points');
  const y = ctx.result('y');
  const dtype = ctx.dtype('dtype');
  const axis = ctx.int('axis');
  const r = x.rank;

  ctx.check(r >= 1 && r <= 8, 'npu_quantize.2', 'x must have rank 1 to 8', r);
  checkShape(ctx, 'npu_quantize.2', 'result y', y, x.shape, 'x.shape');
  ctx.check(scales.rank === 1, 'npu_quantize.2', 'scales must have rank 1', scales.rank);
  if (zp) checkShape(ctx, 'npu_quantize.2', 'zero_points', zp, scales.shape, 'scales.shape');
  const size = scales.numel;
  if (size !== 1) {
    ctx.check(axis >= -r && axis < r, 'npu_quantize.2', `axis must lie in [${-r}, ${r}) (scales has ${size} elements)`, axis);
    const a = axis < 0 ? axis + r : axis;
    ctx.check(size === x.shape[a], 'npu_quantize.2', `scales must have size 1 or ${x.shape[a]} (x.shape[${axis}])`, size);
  }

  // `dtype` restates y's dtype, so it is checked with the dtypes (ir.md §5.3).
  checkDtype(ctx, 'npu_quantize.3', 'x', x, FLOATS);
  checkDtype(ctx, 'npu_quantize.3', 'scales', scales, FLOATS);
  if (zp) checkDtype(ctx, 'npu_quantize.3', 'zero_points', zp, ['i8', 'u8', 'i32', 'bf16']);
  ctx.check(dtype === 'i8' || dtype === 'u8' || dtype === 'i32', 'npu_quantize.3', 'dtype must be i8, u8 or i32 when div_mode = true', dtype);
  ctx.check(y.dtype === dtype, 'npu_quantize.3', `result y must have dtype ${dtype} (dtype)`, y.dtype);
  if (scales.dtype === 'bf16' || zp?.dtype === 'bf16') {
    const what = scales.dtype === 'bf16' ? 'scales' : 'zero_points';
    ctx.check(x.dtype === 'bf16', 'npu_quantize.3', `x must be bf16 when ${what} is bf16`, x.dtype);
    ctx.check(scales.dtype === 'bf16', 'npu_quantize.3', 'scales must be bf16 when zero_points is bf16', scales.dtype);
    if (zp) ctx.check(zp.dtype === 'bf16', 'npu_quantize.3', 'zero_points must be bf16 when scales is bf16', zp.dtype);
  }

  // Contiguity holds by construction (ir.md §1.4).
  checkNd(ctx, 'npu_quantize.4', [['x', x], ['scales', scales], ['zero_points', zp], ['result y', y]]);
}

function verifyMulMode(ctx: OpContext): void {
  const x = ctx.operand('x');
  const dtype = ctx.dtype('dtype');
  ctx.check(dtype === 'i8' || dtype === 'i4', 'npu_quantize.5', 'dtype must be i8 or i4 when div_mode = false', dtype);
  if (x) {
    ctx.check(x.rank >= 1, 'npu_quantize.5', 'x must have rank >= 1', x.rank);
    if (dtype === 'i4') ctx.check(lastDim(x) % 8 === 0, 'npu_quantize.5', 'x.shape[-1] must be a multiple of 8 for dtype i4', lastDim(x));
  }

  checkPresent(ctx, 'npu_quantize.6', ['x', 'scales']);
  const xt = ctx.input('x');
  const scales = ctx.input('scales');
  const zp = ctx.operand('zero_points');
  const y = ctx.result('y');
  const r = xt.rank;

  // `dtype` restates y's dtype: i8 is written as i8, i4 as 8 int4 per i32 word (ir.md §5.3).
  checkDtype(ctx, 'npu_quantize.7', 'x', xt, FLOATS);
  const yDtype = dtype === 'i8' ? 'i8' : 'i32';
  ctx.check(y.dtype === yDtype, 'npu_quantize.7', `result y must have dtype ${yDtype} (dtype ${dtype})`, y.dtype);
  checkDtype(ctx, 'npu_quantize.7', 'scales', scales, FLOATS);
  if (zp) ctx.check(zp.dtype === scales.dtype, 'npu_quantize.7', `zero_points must have scales' dtype ${scales.dtype}`, zp.dtype);
  // An f32 x takes any float scales (widened exactly; quantize.md open question 6).
  if (xt.dtype !== 'f32') {
    ctx.check(scales.dtype === xt.dtype, 'npu_quantize.7', `scales must have x's dtype ${xt.dtype} (only an f32 x takes other float scales)`, scales.dtype);
  }

  // Every axis >= -1 means the last one; -2 the one before (quantize.md §2.2).
  const axis = ctx.int('axis');
  const legal = (axis >= -1 || (axis === -2 && r >= 2)) && axis < r;
  ctx.check(legal, 'npu_quantize.8', `axis must be ${r >= 2 ? '-2 or ' : ''}>= -1 and < rank ${r}`, axis);
  const e = axis === -2 ? r - 2 : r - 1;
  const xe = xt.shape[e]!;

  ctx.check(r <= 8, 'npu_quantize.9', 'x must have rank <= 8', r);
  if (dtype === 'i8') checkShape(ctx, 'npu_quantize.9', 'result y', y, xt.shape, 'x.shape');
  else checkShape(ctx, 'npu_quantize.9', 'result y', y, [...xt.shape.slice(0, -1), lastDim(xt) / 8], 'x.shape[:-1] + [x.shape[-1] / 8]');
  const s = scales.shape;
  const fits = (d: number) => d === 1 || d === xe;
  const scalesOk = s.length === 1 ? fits(s[0]!) : s.length === r && s.every((d, i) => (i === e ? fits(d) : d === 1));
  if (!scalesOk) {
    const ranked = r >= 2 ? `, or rank ${r} with 1 or ${xe} at axis ${e} and 1 elsewhere` : '';
    ctx.fail('npu_quantize.9', `scales must have shape [1] or [${xe}]${ranked}`, s);
  }
  if (zp) checkShape(ctx, 'npu_quantize.9', 'zero_points', zp, s, 'scales.shape');

  // [npu_quantize.10] (round mode "round") is fixed: nothing to check. Contiguity holds by
  // construction (ir.md §1.4).
  if (xt.isNz) ctx.fail('npu_quantize.11', 'x must be #nd (FRACTAL_NZ input is not supported)', layoutToString(xt.layout));
  checkNd(ctx, 'npu_quantize.11', [['scales', scales], ['zero_points', zp], ['result y', y]]);
}

const t = (shape: number[], dtype: DType): TensorType => new TensorType(shape, dtype);

export const QUANTIZE: OpDef = {
  name: 'npu.quantize',
  operands: [{ name: 'x' }, { name: 'scales' }, { name: 'zero_points', optional: true }],
  results: ['y'],
  attrs: { dtype: { kind: 'dtype' }, axis: { kind: 'int', default: intAttr(1) }, div_mode: { kind: 'bool', default: boolAttr(true) } },
  // The div_mode = true rule; div_mode = false reports [npu_quantize.6] from verify.
  nullRule: 'npu_quantize.1',
  infer(ctx) {
    return [quantizeType(ctx.operand('x') ?? t([0], 'f32'), ctx.dtype('dtype'), ctx.bool('div_mode'))];
  },
  verify(ctx) {
    if (ctx.bool('div_mode')) verifyDivMode(ctx);
    else verifyMulMode(ctx);
  },
  decompose: decomposeQuantize,
  examples: [
    { name: 'div f32 per-axis i8 zero points', operands: [t([2, 3], 'f32'), t([3], 'f32'), t([3], 'i8')], attrs: { dtype: 'i8' } },
    { name: 'div f16 per-tensor u8 zero points', operands: [t([4, 8], 'f16'), t([1], 'f16'), t([1], 'u8')], attrs: { dtype: 'u8' } },
    { name: 'div bf16 3-D axis 1 i32 bf16 zero points', operands: [t([2, 4, 8], 'bf16'), t([4], 'bf16'), t([4], 'bf16')], attrs: { dtype: 'i32' } },
    { name: 'div f32 axis 0 i32 zero points', operands: [t([3, 5], 'f32'), t([3], 'f32'), t([3], 'i32')], attrs: { dtype: 'i32', axis: 0 } },
    { name: 'div f16 axis -1 f32 scales i8', operands: [t([2, 6], 'f16'), t([6], 'f32')], attrs: { dtype: 'i8', axis: -1 } },
    { name: 'div f32 rank 1 per-tensor i8', operands: [t([8], 'f32'), t([1], 'f32')], attrs: { dtype: 'i8' } },
    { name: 'div f32 3-D axis -2 u8', operands: [t([2, 3, 4], 'f32'), t([3], 'f16')], attrs: { dtype: 'u8', axis: -2 } },
    { name: 'mul f16 axis -1 i8 zero points', operands: [t([2, 4], 'f16'), t([4], 'f16'), t([4], 'f16')], attrs: { dtype: 'i8', axis: -1, div_mode: false } },
    { name: 'mul f32 axis -2 i8', operands: [t([2, 3], 'f32'), t([2, 1], 'f32')], attrs: { dtype: 'i8', axis: -2, div_mode: false } },
    { name: 'mul f32 per-tensor i4', operands: [t([2, 8], 'f32'), t([1], 'f32')], attrs: { dtype: 'i4', div_mode: false } },
    { name: 'mul bf16 3-D rank-3 scales i4 zero points', operands: [t([2, 3, 16], 'bf16'), t([1, 1, 16], 'bf16'), t([1, 1, 16], 'bf16')], attrs: { dtype: 'i4', div_mode: false } },
    { name: 'mul f32 f16 scales axis 0 means last', operands: [t([4, 16], 'f32'), t([16], 'f16')], attrs: { dtype: 'i8', axis: 0, div_mode: false } },
    { name: 'mul f32 3-D axis -2 zero points', operands: [t([3, 4, 8], 'f32'), t([4], 'f32'), t([4], 'f32')], attrs: { dtype: 'i8', axis: -2, div_mode: false } },
    { name: 'mul f16 3-D per-tensor i8 default axis', operands: [t([2, 2, 8], 'f16'), t([1], 'f16')], attrs: { dtype: 'i8', div_mode: false } },
    { name: 'mul f32 rank 1 i4 bf16 scales', operands: [t([16], 'f32'), t([16], 'bf16')], attrs: { dtype: 'i4', axis: -1, div_mode: false } },
  ],
};
