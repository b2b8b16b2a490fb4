// npu.quantize in primitives (ir.md §7, quantize.md §1.2 / §2.3):
//
//   x ─cast f32─ (÷ s | · s) ─(+ zp)─ round ─ clamp[qmin, qmax] ─ cast dtype (i4: ─bitcast i32)
//   s, zp = cast f32 of scales / zero_points, reshaped to broadcast along the quantized axis
import type { Builder } from '../builder.ts';
import { intRange } from '../dtype.ts';
import type { Node } from '../node.ts';
import type { Value } from '../value.ts';
import { emit } from './emit.ts';

export function decomposeQuantize(b: Builder, node: Node): Value[] {
  const [x, scales, zeroPoints] = node.operands as [Value, Value, Value | null];
  const divMode = node.bool('div_mode');
  const dtype = node.dtype('dtype');
  const r = x.type.rank;
  // The quantized axis: div_mode=true wraps `axis` normally; div_mode=false maps every
  // axis >= -1 to the last one (quantize.md §2.2).
  const axis = node.int('axis');
  const a = divMode ? (axis < 0 ? axis + r : axis) : r + (axis < -1 ? axis : -1);
  const alongAxis = (v: Value, hint: string): Value => {
    const f = emit(b, 'prim.cast', [v], { to: 'f32' }, hint);
    if (v.type.rank !== 1 || v.type.numel === 1) return f; // already broadcasts
    const shape = Array.from({ length: r }, (_, i) => (i === a ? v.type.numel : 1));
    return emit(b, 'prim.reshape', [f], { shape }, hint);
  };
  const xf = emit(b, 'prim.cast', [x], { to: 'f32' }, 'xf');
  let t = emit(b, divMode ? 'prim.div' : 'prim.mul', [xf, alongAxis(scales, 'scales')], {}, 't');
  if (zeroPoints) t = emit(b, 'prim.add', [t, alongAxis(zeroPoints, 'zero_points')], {}, 't');
  t = emit(b, 'prim.round', [t], {}, 't');
  if (dtype === 'i32') return [emit(b, 'prim.cast', [t], { to: 'i32' }, 'y')]; // the cast saturates
  const [lo, hi] = intRange(dtype);
  const q = emit(b, 'prim.cast', [emit(b, 'prim.clamp', [t], { min: lo, max: hi }, 't')], { to: dtype }, 'y');
  return [dtype === 'i4' ? emit(b, 'prim.bitcast', [q], { to: 'i32' }, 'y') : q];
}
