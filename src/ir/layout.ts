// ND and FRACTAL_NZ layouts (layout.md §2, ir.md §1.2). The storage shape is always derived
// from (logical shape, dtype, layout), never stored.
import type { DType } from './dtype.ts';

export type Layout = { readonly kind: 'nd' } | { readonly kind: 'nz'; readonly c0: number };

export const ND: Layout = Object.freeze({ kind: 'nd' });
export const nz = (c0: number): Layout => Object.freeze({ kind: 'nz', c0 });

/** Legal fractal widths per dtype; the first is the default (the 32-byte rule). */
export const LEGAL_C0: Partial<Record<DType, readonly number[]>> = {
  f16: [16],
  bf16: [16],
  i8: [32],
  u8: [32],
  i4: [64],
  f32: [8, 16],
  i32: [8, 16],
};

export const defaultC0 = (d: DType): number | undefined => LEGAL_C0[d]?.[0];

export function layoutEquals(a: Layout, b: Layout): boolean {
  return a.kind === b.kind && (a.kind === 'nd' || a.c0 === (b as { c0: number }).c0);
}

export function layoutToString(l: Layout): string {
  return l.kind === 'nd' ? '#nd' : `#nz<c0=${l.c0}>`;
}

/** Storage shape of a logical shape: ND keeps it; NZ gives [B..., ceil(n/c0), ceil(m/16), 16, c0]. */
export function storageShape(shape: readonly number[], layout: Layout): number[] {
  if (layout.kind === 'nd') return [...shape];
  const r = shape.length;
  const m = shape[r - 2]!;
  const n = shape[r - 1]!;
  return [...shape.slice(0, r - 2), Math.ceil(n / layout.c0), Math.ceil(m / 16), 16, layout.c0];
}

/** Geometry of an NZ matrix stack, for the index map of layout.md §2.3. */
export interface NzGeometry {
  batch: number;
  m: number;
  n: number;
  c0: number;
  n1: number;
  m1: number;
  /** Elements per batch entry of the storage: n1 * m1 * 16 * c0. */
  batchStride: number;
  /** Elements per column of fractals: m1 * 16 * c0. */
  colStride: number;
}

export function nzGeometry(shape: readonly number[], c0: number): NzGeometry {
  const r = shape.length;
  const m = shape[r - 2]!;
  const n = shape[r - 1]!;
  const batch = shape.slice(0, r - 2).reduce((a, b) => a * b, 1);
  const n1 = Math.ceil(n / c0);
  const m1 = Math.ceil(m / 16);
  return { batch, m, n, c0, n1, m1, colStride: m1 * 16 * c0, batchStride: n1 * m1 * 16 * c0 };
}

/** Storage linear index of logical element (b, i, j) (layout.md §2.3). */
export function nzIndex(g: NzGeometry, b: number, i: number, j: number): number {
  return b * g.batchStride + Math.floor(j / g.c0) * g.colStride + i * g.c0 + (j % g.c0);
}
