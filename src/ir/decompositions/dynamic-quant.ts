// npu.dynamic_quant in primitives (ir.md §7, dynamic_quant.md §2):
//
//   x ─cast f32─┬─(·smooth)─ v ─abs─reduce_max─ amax ─·INV──────────────── scale
//               │                                └─ QMAX/amax ─reshape─ inv
//               └─ v·inv ─round─clamp[-QMAX-1, QMAX]─cast i8|i4 (─bitcast i32) ── y
import type { Builder } from '../builder.ts';
import type { Node } from '../node.ts';
import type { Value } from '../value.ts';
import { emit } from './emit.ts';

/** f32(1/QMAX) as exact values: 0x3C010204 and 0x3E124925. */
const INV_MAX: Record<number, number> = { 127: Math.fround(1 / 127), 7: Math.fround(1 / 7) };

export function decomposeDynamicQuant(b: Builder, node: Node): Value[] {
  const [x, smooth] = node.operands as [Value, Value | null];
  const dst = node.dtype('dst_type');
  const qmax = dst === 'i8' ? 127 : 7;
  const shape = x.type.shape;
  const rows = shape.slice(0, -1);
  const h = shape[shape.length - 1]!;
  if (h === 0) {
    // An empty row has maximum 0 (dynamic_quant.md §3), not reduce_max's -Inf.
    const scale = b.splat('f32', 0, { shape: rows, hint: 'scale' });
    const y = b.splat(dst, 0, { shape: node.results[0]!.type.shape, hint: 'y' });
    return [y, scale];
  }
  let v = emit(b, 'prim.cast', [x], { to: 'f32' }, 'v');
  if (smooth) v = emit(b, 'prim.mul', [v, emit(b, 'prim.cast', [smooth], { to: 'f32' }, 'smooth')], {}, 'v');
  const amax = emit(b, 'prim.reduce_max', [emit(b, 'prim.abs', [v], {}, 'abs')], { axes: [shape.length - 1] }, 'amax');
  const scale = emit(b, 'prim.mul', [amax, b.splat('f32', INV_MAX[qmax]!, { hint: 'inv_max' })], {}, 'scale');
  const inv = emit(b, 'prim.reshape', [emit(b, 'prim.div', [b.splat('f32', qmax, { hint: 'qmax' }), amax], {}, 'inv')], { shape: [...rows, 1] }, 'inv');
  const q = emit(b, 'prim.round', [emit(b, 'prim.mul', [v, inv], {}, 'q')], {}, 'q');
  const c = emit(b, 'prim.clamp', [q], { min: -qmax - 1, max: qmax }, 'q');
  const y = emit(b, 'prim.cast', [c], { to: dst === 'i8' ? 'i8' : 'i4' }, 'y');
  return [dst === 'i32' ? emit(b, 'prim.bitcast', [y], { to: 'i32' }, 'y') : y, scale];
}
