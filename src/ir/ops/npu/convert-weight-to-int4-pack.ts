// npu.convert_weight_to_int4_pack (convert_weight_to_int4pack.md, ir.md §5.1): packs an i32
// weight holding one int4 per element into i4 [d0, d1] or i32 [d0, d1/8] (8 int4 per word), ND
// or FRACTAL_NZ, as the result type says. Builders default to i32 #nd, as torch_npu returns.
import { decomposeConvertWeightToInt4Pack } from '../../decompositions/convert-weight-to-int4-pack.ts';
import type { DType } from '../../dtype.ts';
import { layoutToString, ND, nz, storageShape, type Layout } from '../../layout.ts';
import { shapesEqual, TensorType } from '../../types.ts';
import type { OpDef } from '../registry.ts';
import { checkPresent, checkShape, lastDim, shapeText } from './checks.ts';

/** The result type for a chosen dtype and layout: i4 keeps the weight's shape, i32 has d1/8 words. */
export function int4PackType(weight: TensorType, dtype: DType, layout: Layout = ND): TensorType {
  const shape = dtype === 'i32' && weight.rank > 0 ? [...weight.shape.slice(0, -1), Math.floor(lastDim(weight) / 8)] : weight.shape;
  return new TensorType(shape, dtype, layout);
}

/** NZ storage of the packed bytes (convert_weight_to_int4pack.md §1): C0 = 64 int4 = 8 i32. */
const nzStorage = (d0: number, d1: number, dtype: DType): number[] => [Math.ceil(d1 / 64), Math.ceil(d0 / 16), 16, dtype === 'i4' ? 64 : 8];

const t = (shape: number[], dtype: DType, layout?: Layout): TensorType => new TensorType(shape, dtype, layout);

export const CONVERT_WEIGHT_TO_INT4_PACK: OpDef = {
  name: 'npu.convert_weight_to_int4_pack',
  operands: [{ name: 'weight' }],
  results: ['out'],
  attrs: {},
  nullRule: 'convert_weight_to_int4pack.1',
  infer(ctx) {
    return [int4PackType(ctx.operand('weight') ?? t([0, 0], 'i32'), 'i32')];
  },
  verify(ctx) {
    checkPresent(ctx, 'convert_weight_to_int4pack.1', ['weight']);
    const weight = ctx.input('weight');
    const out = ctx.result('out');

    // [convert_weight_to_int4pack.2] contiguity holds by construction (ir.md §1.4).

    ctx.check(weight.dtype === 'i32', 'convert_weight_to_int4pack.3', 'weight must be i32', weight.dtype);
    ctx.check(out.dtype === 'i4' || out.dtype === 'i32', 'convert_weight_to_int4pack.3', 'result out must be i4 or i32', out.dtype);

    // The result's NZ c0 is checked with its storage shape (rule 7).
    ctx.check(!weight.isNz, 'convert_weight_to_int4pack.4', 'weight must be #nd', layoutToString(weight.layout));

    ctx.check(weight.rank === 2, 'convert_weight_to_int4pack.5', 'weight must be 2-D', `rank ${weight.rank}`);
    ctx.check(out.rank === 2, 'convert_weight_to_int4pack.5', 'result out must be 2-D', `rank ${out.rank}`);

    const [d0, d1] = weight.shape as [number, number];
    if (out.dtype === 'i4') {
      ctx.check(d1 % 2 === 0, 'convert_weight_to_int4pack.6', 'weight.shape[-1] must be even for an i4 result', d1);
      checkShape(ctx, 'convert_weight_to_int4pack.6', 'result out', out, weight.shape, 'weight.shape');
    } else {
      ctx.check(d1 % 8 === 0, 'convert_weight_to_int4pack.6', 'weight.shape[-1] must be a multiple of 8 for an i32 result', d1);
      checkShape(ctx, 'convert_weight_to_int4pack.6', 'result out', out, [d0, d1 / 8], '[d0, d1 / 8]');
    }

    if (out.isNz) {
      const expected = nzStorage(d0, d1, out.dtype);
      const got = storageShape(out.shape, out.layout);
      if (!shapesEqual(got, expected)) {
        const c0 = expected[3]!;
        ctx.fail('convert_weight_to_int4pack.7', `result out must have NZ storage ${shapeText(expected)} (#nz<c0=${c0}>)`, `${shapeText(got)} (${layoutToString(out.layout)})`);
      }
    }

    ctx.check(d0 > 0 && d1 > 0, 'convert_weight_to_int4pack.8', 'weight must not be empty', weight.shape);
    // [convert_weight_to_int4pack.9] (values outside [-8, 7]) is a warning when the op runs.
  },
  decompose: decomposeConvertWeightToInt4Pack,
  examples: [
    { name: 'i4 ND', operands: [t([4, 16], 'i32')], results: [t([4, 16], 'i4')] },
    { name: 'i4 ND odd rows', operands: [t([17, 70], 'i32')], results: [t([17, 70], 'i4')] },
    { name: 'i4 NZ padded', operands: [t([17, 70], 'i32')], results: [t([17, 70], 'i4', nz(64))] },
    { name: 'i4 NZ 1x2', operands: [t([1, 2], 'i32')], results: [t([1, 2], 'i4', nz(64))] },
    { name: 'i32 ND', operands: [t([33, 24], 'i32')], results: [t([33, 3], 'i32')] },
    { name: 'i32 ND 3x8', operands: [t([3, 8], 'i32')], results: [t([3, 1], 'i32')] },
    { name: 'i32 NZ', operands: [t([16, 64], 'i32')], results: [t([16, 8], 'i32', nz(8))] },
    { name: 'i32 NZ padded', operands: [t([33, 24], 'i32')], results: [t([33, 3], 'i32', nz(8))] },
  ],
};
