// npu.quant_matmul_all_reduce in primitives, per rank (ir.md §7, quant_matmul_all_reduce.md §4):
//
//   x1 ─┐
//   x2 ─(trans_data to ND)─ matmul ─(+ bias)─ cast f32 ─ · s ─(· pertoken)─ cast out ─(+ x3)─ all_reduce
//   s = bitcast f32 (cast i32 (and(scale, 0xFFFFE000)))  for u64/i64 scales; cast f32 for bf16
import type { Builder } from '../builder.ts';
import { ND } from '../layout.ts';
import type { Node } from '../node.ts';
import type { Value } from '../value.ts';
import { emit } from './emit.ts';

const SCALE_MASK = 0xffffe000;

export function decomposeQuantMatmulAllReduce(b: Builder, node: Node): Value[] {
  const [x1, x2, dequantScale, pertoken, bias, x3] = node.operands as [Value, Value, Value, Value | null, Value | null, Value | null];
  const outDtype = node.dtype('out_dtype');
  const x2nd = x2.type.isNz ? b.create('layout.trans_data', [x2], {}, { results: [x2.type.with({ layout: ND })], hints: ['x2_nd'] }).result : x2;
  let acc = emit(b, 'prim.matmul', [x1, x2nd], { transpose_b: node.bool('transpose_x2') }, 'acc');
  if (bias) acc = emit(b, 'prim.add', [acc, bias], {}, 'acc');
  const sd = dequantScale.type.dtype;
  let s: Value;
  if (sd === 'u64' || sd === 'i64') {
    const masked = emit(b, 'prim.and', [dequantScale, b.splat(sd, SCALE_MASK, { hint: 'scale_mask' })], {}, 'scale_bits');
    s = emit(b, 'prim.bitcast', [emit(b, 'prim.cast', [masked], { to: 'i32' }, 'scale_bits')], { to: 'f32' }, 'scale');
  } else s = sd === 'f32' ? dequantScale : emit(b, 'prim.cast', [dequantScale], { to: 'f32' }, 'scale');
  let v = emit(b, 'prim.mul', [emit(b, 'prim.cast', [acc], { to: 'f32' }, 'accf'), s], {}, 'v');
  if (pertoken) {
    const col = emit(b, 'prim.reshape', [pertoken], { shape: [...x1.type.shape.slice(0, -1), 1] }, 'pertoken');
    v = emit(b, 'prim.mul', [v, col], {}, 'v');
  }
  let y = emit(b, 'prim.cast', [v], { to: outDtype }, 'y');
  if (x3) y = emit(b, 'prim.add', [y, x3], {}, 'y');
  return [emit(b, 'comm.all_reduce', [y], { reduce_op: node.str('reduce_op'), group: node.str('group') }, 'out')];
}
