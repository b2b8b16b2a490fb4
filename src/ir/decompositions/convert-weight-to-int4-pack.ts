// npu.convert_weight_to_int4_pack in primitives (ir.md §7, convert_weight_to_int4pack.md §2):
//   weight i32 ─cast i4 (keeps the low 4 bits: the op's masking) ─(bitcast i32)─(trans_data NZ)
import type { Builder } from '../builder.ts';
import type { Node } from '../node.ts';
import type { Value } from '../value.ts';
import { emit } from './emit.ts';

export function decomposeConvertWeightToInt4Pack(b: Builder, node: Node): Value[] {
  const [weight] = node.operands as [Value];
  const out = node.results[0]!.type;
  let v = emit(b, 'prim.cast', [weight], { to: 'i4' }, 'w4');
  if (out.dtype === 'i32') v = emit(b, 'prim.bitcast', [v], { to: 'i32' }, 'w4');
  if (out.isNz) v = b.create('layout.trans_data', [v], {}, { results: [out], hints: ['w4'] }).result;
  return [v];
}
