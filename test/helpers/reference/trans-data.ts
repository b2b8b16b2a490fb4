// Reference layout.trans_data (layout.md §2-§4): the FRACTAL_NZ index map applied element by
// element. Elements are plain numbers (f16/bf16/f32 as bit patterns, integers as values); int4
// tensors are converted element-level with c0 = 64 and packed two per byte afterwards (§3.4,
// description 1).
import { packNibbles, unpackNibbles } from './numerics.ts';

/** layout.md §2.1: (B..., ceil(n/c0), ceil(m/16), 16, c0). */
export function refNzStorageShape(shape: readonly number[], c0: number): number[] {
  const r = shape.length;
  return [...shape.slice(0, r - 2), Math.ceil(shape[r - 1]! / c0), Math.ceil(shape[r - 2]! / 16), 16, c0];
}

/** layout.md §2.3: storage index of view element (b, i, j). */
export function refNzIndex(m: number, n: number, c0: number, b: number, i: number, j: number): number {
  const n1 = Math.ceil(n / c0);
  const m1 = Math.ceil(m / 16);
  return b * (n1 * m1 * 16 * c0) + Math.floor(j / c0) * (m1 * 16 * c0) + i * c0 + (j % c0);
}

const dims = (shape: readonly number[]) => {
  const r = shape.length;
  return { batch: shape.slice(0, r - 2).reduce((a, b) => a * b, 1), m: shape[r - 2]!, n: shape[r - 1]! };
};

/** ND elements (row-major) -> NZ storage elements, padding zero (§2.4). */
export function refNdToNz(nd: readonly number[], shape: readonly number[], c0: number): number[] {
  const size = refNzStorageShape(shape, c0).reduce((a, b) => a * b, 1);
  const out = new Array<number>(size).fill(0);
  const { batch, m, n } = dims(shape);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[refNzIndex(m, n, c0, b, i, j)] = nd[(b * m + i) * n + j]!;
  return out;
}

/** NZ storage elements -> ND elements (row-major), padding dropped (§2.5). */
export function refNzToNd(storage: readonly number[], shape: readonly number[], c0: number): number[] {
  const { batch, m, n } = dims(shape);
  const out: number[] = [];
  for (let b = 0; b < batch; b++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out.push(storage[refNzIndex(m, n, c0, b, i, j)]!);
  return out;
}

/** int4 ND packed bytes -> int4 NZ packed bytes (element-level NZ with c0, then packing). */
export function refNdToNzInt4(ndBytes: ArrayLike<number>, shape: readonly number[], c0: number): number[] {
  const values = unpackNibbles(ndBytes, shape.reduce((a, b) => a * b, 1));
  return packNibbles(refNdToNz(values, shape, c0));
}

/** int4 NZ packed bytes -> int4 ND packed bytes. */
export function refNzToNdInt4(nzBytes: ArrayLike<number>, shape: readonly number[], c0: number): number[] {
  const count = refNzStorageShape(shape, c0).reduce((a, b) => a * b, 1);
  return packNibbles(refNzToNd(unpackNibbles(nzBytes, count), shape, c0));
}
