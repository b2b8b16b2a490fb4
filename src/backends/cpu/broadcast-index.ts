// Run-time index mapping for broadcasting (ir.md §6.1) and other strided walks. A shape is
// walked in row-major order as `outer` runs of `inner` elements; within a run each input
// advances by a fixed step, so kernels keep a plain typed loop and look up one base per run.
import { stridesOf } from '../../ir/types.ts';

export interface IndexPlan {
  readonly outer: number;
  readonly inner: number;
  /** Per input: how far its index moves per element of a run (0 where it is broadcast). */
  readonly steps: readonly number[];
  /** Per input: the index of its element at the start of each run. */
  readonly bases: readonly Int32Array[];
}

/**
 * Plans the walk over `shape` for inputs whose index is `offsets[j] + Σ i_a · strides[j][a]`.
 * Axes of size 1 are dropped and neighbouring axes that every input walks as one are merged,
 * so the inner run is as long as possible.
 */
export function stridePlan(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[] = strides.map(() => 0),
): IndexPlan {
  const k = strides.length;
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel === 0) return { outer: 0, inner: 0, steps: new Array<number>(k).fill(0), bases: strides.map(() => new Int32Array(0)) };

  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let a = 0; a < shape.length; a++) {
    if (shape[a] === 1) continue;
    dims.push(shape[a]!);
    for (let j = 0; j < k; j++) st[j]!.push(strides[j]![a]!);
  }
  // Merge axis a into the axis after it when every input steps over both as one.
  for (let a = dims.length - 2; a >= 0; a--) {
    const inner = dims[a + 1]!;
    if (st.every((s) => s[a] === s[a + 1]! * inner)) {
      dims[a] = dims[a]! * inner;
      dims.splice(a + 1, 1);
      for (const s of st) s.splice(a, 1);
    }
  }

  const last = dims.length - 1;
  const inner = last >= 0 ? dims[last]! : 1;
  const outer = numel / inner;
  const bases = st.map(() => new Int32Array(outer));
  const counter = new Array<number>(Math.max(last, 0)).fill(0);
  const cur = [...offsets];
  for (let r = 0; r < outer; r++) {
    for (let j = 0; j < k; j++) bases[j]![r] = cur[j]!;
    // Odometer step over the outer axes, moving each input's index incrementally.
    for (let a = last - 1; a >= 0; a--) {
      counter[a]++;
      for (let j = 0; j < k; j++) cur[j] += st[j]![a]!;
      if (counter[a]! < dims[a]!) break;
      for (let j = 0; j < k; j++) cur[j] -= st[j]![a]! * dims[a]!;
      counter[a] = 0;
    }
  }
  return { outer, inner, steps: st.map((s) => (last >= 0 ? s[last]! : 0)), bases };
}

/** Plans the walk over `outShape` for inputs that broadcast to it (NumPy: aligned at the right). */
export function broadcastPlan(outShape: readonly number[], inShapes: readonly (readonly number[])[]): IndexPlan {
  const strides = inShapes.map((s) => {
    const own = stridesOf(s);
    const off = outShape.length - s.length;
    return outShape.map((_, a) => (a < off || s[a - off] === 1 ? 0 : own[a - off]!));
  });
  return stridePlan(outShape, strides);
}
