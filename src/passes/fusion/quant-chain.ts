// Pieces the quant fusions share: the round/clamp tail that a float→integer cast makes optional,
// reshapes that only relabel a value, and checks on broadcast shapes and constant bits.
import { materializeResource } from '../../ir/constants.ts';
import { shapesEqual } from '../../ir/types.ts';
import type { Value } from '../../ir/value.ts';
import { f32 } from '../../numerics/float.ts';
import type { Builder } from '../../ir/builder.ts';
import { constantResource, type Match } from '../rewrite/match.ts';
import { op, optional, type Pattern } from '../rewrite/pattern.ts';

/** `p`, or a reshape of it: a reshape keeps the row-major element order, it only relabels. */
export const reshaped = (p: Pattern): Pattern => optional(op('prim.reshape', [p]));

/**
 * The steps before a float→integer cast: round and clamp, in either order, each optional. The
 * cast rounds half to even and saturates (ir.md §6.4), so neither changes a bit as long as the
 * clamp keeps the cast's range (`clampKeepsBits`). Binds a clamp as `clamp` (after the round) or
 * `clamp_in` (before it).
 */
export function roundClamp(inner: Pattern): Pattern {
  const clampIn = optional(op('prim.clamp', [inner], { as: 'clamp_in' }));
  return optional(op('prim.clamp', [optional(op('prim.round', [clampIn]))], { as: 'clamp' }));
}

/**
 * A clamp [min, max] (bounds rounded to f32) before a cast that saturates to [lo, hi] changes no
 * bit exactly when min <= lo and max >= hi: everything it moves, the cast would saturate anyway
 * (rne and saturation are monotone), and it passes NaN through to the cast, which makes it 0.
 */
export function clampKeepsBits(m: Match, lo: number, hi: number): true | string {
  for (const name of ['clamp', 'clamp_in']) {
    const c = m.maybeNode(name);
    if (!c) continue;
    const min = f32(Number(c.scalar('min')));
    const max = f32(Number(c.scalar('max')));
    if (!(min <= lo && max >= hi)) return `clamp [${min}, ${max}] cuts into the cast's range [${lo}, ${hi}], so it can change bits`;
  }
  return true;
}

/**
 * `b` (the shape of a broadcast operand) aligned right against `full`, padded with leading 1s;
 * undefined when b has more axes than full.
 */
export function alignShape(b: readonly number[], full: readonly number[]): number[] | undefined {
  if (b.length > full.length) return undefined;
  return [...Array<number>(full.length - b.length).fill(1), ...b];
}

/**
 * The one axis along which `b` varies when broadcast against `full`: 'all' when every aligned
 * dimension is 1 (one value for the whole tensor), the axis when exactly one dimension equals
 * full's there (and is > 1), undefined otherwise (b would expand full, or varies along several).
 */
export function broadcastAxis(b: readonly number[], full: readonly number[]): number | 'all' | undefined {
  const a = alignShape(b, full);
  if (!a) return undefined;
  let axis: number | 'all' = 'all';
  for (let i = 0; i < a.length; i++) {
    if (a[i] === 1) continue;
    if (a[i] !== full[i] || axis !== 'all') return undefined;
    axis = i;
  }
  return axis;
}

/** `v` itself when it has `shape`, else a reshape of it. */
export function reshapeTo(b: Builder, v: Value, shape: readonly number[]): Value {
  return shapesEqual(v.type.shape, shape) ? v : b.prim.reshape(v, shape, v.hint);
}

/** The f32 bit patterns of every element of an f32 constant (all ranks of a per_rank one). */
export function constantF32Bits(v: Value): Uint32Array | undefined {
  const r = constantResource(v);
  if (!r || r.type.dtype !== 'f32') return undefined;
  const data = materializeResource(r) as Float32Array;
  return new Uint32Array(data.buffer, data.byteOffset, data.length);
}
