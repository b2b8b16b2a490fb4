// npu.quant_matmul_all_reduce (quant_matmul_all_reduce.md §1-§5, ir.md §5.1): per rank an i8
// matmul with i32 bias, dequantization (packed u64/i64, f32 or bf16 scale, optional per-token
// scale), optional residual x3, then a sum over the graph's ranks.
import { boolAttr, stringAttr } from '../../attr.ts';
import { decomposeQuantMatmulAllReduce } from '../../decompositions/quant-matmul-all-reduce.ts';
import type { DType } from '../../dtype.ts';
import { nz, type Layout } from '../../layout.ts';
import { numelOf, TensorType } from '../../types.ts';
import type { OpDef } from '../registry.ts';
import { checkDtype, checkNd, checkPresent, checkShape, lastDim } from './checks.ts';

const MAX_DIM = 65535;

/** B = transpose_x2 ? x2ᵀ : x2 is [k, n]; read from x2's last two dimensions. */
const kOf = (x2: TensorType, transposed: boolean): number => x2.shape[x2.rank - (transposed ? 1 : 2)] ?? 0;
const nOf = (x2: TensorType, transposed: boolean): number => x2.shape[x2.rank - (transposed ? 2 : 1)] ?? 0;

/** out by the type rule: out_dtype, x1.shape[:-1] + [n]. */
export function quantMatmulAllReduceType(x1: TensorType, x2: TensorType, outDtype: DType, transposeX2: boolean): TensorType {
  return new TensorType([...x1.shape.slice(0, -1), nOf(x2, transposeX2)], outDtype);
}

const t = (shape: number[], dtype: DType, layout?: Layout): TensorType => new TensorType(shape, dtype, layout);
const NZ32 = nz(32);

export const QUANT_MATMUL_ALL_REDUCE: OpDef = {
  name: 'npu.quant_matmul_all_reduce',
  operands: [
    { name: 'x1' },
    { name: 'x2' },
    { name: 'dequant_scale' },
    { name: 'pertoken_scale', optional: true },
    { name: 'bias', optional: true },
    { name: 'x3', optional: true },
  ],
  results: ['out'],
  attrs: {
    transpose_x2: { kind: 'bool', default: boolAttr(false) },
    reduce_op: { kind: 'string', default: stringAttr('sum') },
    group: { kind: 'string', default: stringAttr('world') },
    out_dtype: { kind: 'dtype' },
  },
  nullRule: 'quant_matmul_all_reduce.1',
  infer(ctx) {
    const x1 = ctx.operand('x1') ?? t([0, 0], 'i8');
    const x2 = ctx.operand('x2') ?? t([0, 0], 'i8');
    return [quantMatmulAllReduceType(x1, x2, ctx.dtype('out_dtype'), ctx.bool('transpose_x2'))];
  },
  verify(ctx) {
    checkPresent(ctx, 'quant_matmul_all_reduce.1', ['x1', 'x2', 'dequant_scale']);
    const x1 = ctx.input('x1');
    const x2 = ctx.input('x2');
    const scale = ctx.input('dequant_scale');
    const pertoken = ctx.operand('pertoken_scale');
    const bias = ctx.operand('bias');
    const x3 = ctx.operand('x3');
    const out = ctx.result('out');
    const outDtype = ctx.dtype('out_dtype');
    const transposed = ctx.bool('transpose_x2');

    // out_dtype restates out's dtype, so it is checked with the dtypes (ir.md §5.3).
    checkDtype(ctx, 'quant_matmul_all_reduce.2', 'x1', x1, ['i8']);
    checkDtype(ctx, 'quant_matmul_all_reduce.2', 'x2', x2, ['i8']);
    checkDtype(ctx, 'quant_matmul_all_reduce.2', 'dequant_scale', scale, ['u64', 'i64', 'bf16', 'f32']);
    ctx.check(outDtype === 'f16' || outDtype === 'bf16', 'quant_matmul_all_reduce.2', 'out_dtype must be f16 or bf16', outDtype);
    ctx.check(out.dtype === outDtype, 'quant_matmul_all_reduce.2', `result out must have dtype ${outDtype} (out_dtype)`, out.dtype);
    if (bias) checkDtype(ctx, 'quant_matmul_all_reduce.2', 'bias', bias, ['i32']);
    if (x3) ctx.check(x3.dtype === outDtype, 'quant_matmul_all_reduce.2', `x3 must have dtype ${outDtype} (out_dtype)`, x3.dtype);
    if (pertoken) checkDtype(ctx, 'quant_matmul_all_reduce.2', 'pertoken_scale', pertoken, ['f32']);
    // The scale table of quant_matmul_all_reduce.md §2.
    if (outDtype === 'bf16') {
      ctx.check(scale.dtype === 'bf16', 'quant_matmul_all_reduce.2', 'dequant_scale must be bf16 for a bf16 output', scale.dtype);
    } else if (pertoken) {
      ctx.check(scale.dtype === 'f32', 'quant_matmul_all_reduce.2', 'dequant_scale must be f32 for an f16 output with pertoken_scale', scale.dtype);
    } else {
      const packed = scale.dtype === 'u64' || scale.dtype === 'i64';
      ctx.check(packed, 'quant_matmul_all_reduce.2', 'dequant_scale must be u64 or i64 for an f16 output without pertoken_scale', scale.dtype);
    }

    // commTurn = 0 and streamMode = 1 are not attributes of the IR: they hold by construction.
    const reduceOp = ctx.str('reduce_op');
    const group = ctx.str('group');
    ctx.check(reduceOp === 'sum', 'quant_matmul_all_reduce.3', 'reduce_op must be "sum"', JSON.stringify(reduceOp));
    ctx.check(group === 'world', 'quant_matmul_all_reduce.3', 'group must be "world" (all ranks of the graph)', JSON.stringify(group));

    ctx.check(x1.rank === 2 || x1.rank === 3, 'quant_matmul_all_reduce.4', 'x1 must have rank 2 or 3', x1.rank);
    ctx.check(x2.rank === 2, 'quant_matmul_all_reduce.4', 'x2 must have rank 2', x2.rank);

    const k = kOf(x2, transposed);
    const n = nOf(x2, transposed);
    const rows = x1.shape.slice(0, -1);
    const m = numelOf(rows);
    const outShape = [...rows, n];
    ctx.check(lastDim(x1) === k, 'quant_matmul_all_reduce.5', `x1.shape[-1] must equal k = ${k} (x2.shape[${transposed ? 1 : 0}])`, lastDim(x1));
    checkShape(ctx, 'quant_matmul_all_reduce.5', 'result out', out, outShape, 'x1.shape[:-1] + [n]');
    if (bias) checkShape(ctx, 'quant_matmul_all_reduce.5', 'bias', bias, [n], '[n]');
    if (x3) checkShape(ctx, 'quant_matmul_all_reduce.5', 'x3', x3, outShape, 'the output shape');
    const s = scale.shape;
    const scaleOk = (s.length === 1 && (s[0] === 1 || s[0] === n)) || (s.length === 2 && s[0] === 1 && s[1] === n);
    ctx.check(scaleOk, 'quant_matmul_all_reduce.5', `dequant_scale must have shape [1], [${n}] or [1, ${n}]`, s);
    if (pertoken) checkShape(ctx, 'quant_matmul_all_reduce.5', 'pertoken_scale', pertoken, [m], '[M]');

    ctx.check(m <= 2 ** 31 - 1, 'quant_matmul_all_reduce.6', 'M = prod(x1.shape[:-1]) must be <= 2147483647', m);
    ctx.check(k <= MAX_DIM, 'quant_matmul_all_reduce.6', `k must be <= ${MAX_DIM}`, k);
    // With transpose_x2 the stored matrix is [n, k]: its last dimension is k, checked above.
    if (!transposed) ctx.check(n <= MAX_DIM, 'quant_matmul_all_reduce.6', `n (the last dimension of the stored x2) must be <= ${MAX_DIM} unless transpose_x2`, n);

    ctx.check(x1.numel > 0, 'quant_matmul_all_reduce.7', 'x1 must not be empty', x1.shape);
    ctx.check(x2.numel > 0, 'quant_matmul_all_reduce.7', 'x2 must not be empty', x2.shape);

    // x1 and x2 are contiguous by construction (ir.md §1.4); x2 is transposed exactly when
    // transpose_x2. An NZ x2 is i8 with c0 = 32 (the only legal pair, [ir.1]), so its storage is
    // the rule's by construction.
    checkNd(ctx, 'quant_matmul_all_reduce.8', [
      ['x1', x1],
      ['dequant_scale', scale],
      ['pertoken_scale', pertoken],
      ['bias', bias],
      ['x3', x3],
      ['result out', out],
    ]);

    // Cross-rank identity holds by construction: every rank runs this one statement.
    const w = ctx.worldSize;
    ctx.check(w === 1 || w === 2 || w === 4 || w === 8, 'quant_matmul_all_reduce.9', 'world_size must be 1, 2, 4 or 8', w);
  },
  prefersNz: [1],
  decompose: decomposeQuantMatmulAllReduce,
  examples: [
    { name: 'f16 pertensor i64', operands: [t([8, 64], 'i8'), t([64, 32], 'i8'), t([1], 'i64')], attrs: { out_dtype: 'f16' } },
    {
      name: 'f16 perchannel u64 bias, 2 ranks',
      operands: [t([4, 32], 'i8'), t([32, 16], 'i8'), t([16], 'u64'), null, t([16], 'i32')],
      attrs: { out_dtype: 'f16' },
      worldSize: 2,
    },
    {
      name: 'f16 pertoken f32 perchannel, 2 ranks',
      operands: [t([5, 48], 'i8'), t([48, 24], 'i8'), t([24], 'f32'), t([5], 'f32')],
      attrs: { out_dtype: 'f16' },
      worldSize: 2,
    },
    {
      name: 'f16 pertoken pertensor NZ x2 with x3',
      operands: [t([4, 64], 'i8'), t([64, 40], 'i8', NZ32), t([1], 'f32'), t([4], 'f32'), null, t([4, 40], 'f16')],
      attrs: { out_dtype: 'f16' },
    },
    { name: 'f16 perchannel [1, n] n = 1', operands: [t([3, 16], 'i8'), t([16, 1], 'i8'), t([1, 1], 'i64')], attrs: { out_dtype: 'f16' }, worldSize: 2 },
    {
      name: 'f16 perchannel NZ x2 3-D x1, 4 ranks',
      operands: [t([2, 3, 40], 'i8'), t([40, 24], 'i8', NZ32), t([24], 'i64'), null, t([24], 'i32'), t([2, 3, 24], 'f16')],
      attrs: { out_dtype: 'f16' },
      worldSize: 4,
    },
    { name: 'bf16 pertensor', operands: [t([6, 32], 'i8'), t([32, 16], 'i8'), t([1], 'bf16')], attrs: { out_dtype: 'bf16' } },
    {
      name: 'bf16 perchannel [1, n] bias x3 3-D x1, 4 ranks',
      operands: [t([2, 4, 32], 'i8'), t([32, 16], 'i8'), t([1, 16], 'bf16'), null, t([16], 'i32'), t([2, 4, 16], 'bf16')],
      attrs: { out_dtype: 'bf16' },
      worldSize: 4,
    },
    {
      name: 'bf16 pertoken bias x3, 8 ranks',
      operands: [t([4, 32], 'i8'), t([32, 8], 'i8'), t([1], 'bf16'), t([4], 'f32'), t([8], 'i32'), t([4, 8], 'bf16')],
      attrs: { out_dtype: 'bf16' },
      worldSize: 8,
    },
    {
      name: 'bf16 pertoken NZ x2 3-D x1, 4 ranks',
      operands: [t([2, 2, 64], 'i8'), t([64, 32], 'i8', NZ32), t([32], 'bf16'), t([4], 'f32')],
      attrs: { out_dtype: 'bf16' },
      worldSize: 4,
    },
    {
      name: 'f16 transpose_x2 ND perchannel u64, 2 ranks',
      operands: [t([4, 48], 'i8'), t([20, 48], 'i8'), t([20], 'u64')],
      attrs: { out_dtype: 'f16', transpose_x2: true },
      worldSize: 2,
    },
    {
      name: 'bf16 transpose_x2 NZ x2 pertoken bias',
      operands: [t([3, 40], 'i8'), t([24, 40], 'i8', NZ32), t([24], 'bf16'), t([3], 'f32'), t([24], 'i32')],
      attrs: { out_dtype: 'bf16', transpose_x2: true },
    },
    {
      name: 'f16 pertensor x3 3-D x1, 8 ranks',
      operands: [t([2, 2, 16], 'i8'), t([16, 16], 'i8'), t([1], 'i64'), null, null, t([2, 2, 16], 'f16')],
      attrs: { out_dtype: 'f16' },
      worldSize: 8,
    },
  ],
};
