// Pure ND <-> FRACTAL_NZ conversion of storages (layout.md §2.3-§2.6, §3.4). Both directions go
// through the index map nz_index(b, i, j); NZ padding is written as zeros and ignored on read.
// i4 is element-level NZ (c0 = 64) then packed two per byte, which for an even n is exactly the
// byte-level NZ of the packed rows with c0 / 2 (layout.md §3.4).
import type { DType } from './dtype.ts';
import { nzGeometry, storageShape, nz, type NzGeometry } from './layout.ts';
import { allocStorage, type Storage } from './storage.ts';
import { numelOf } from './types.ts';

/** The typed-array surface the copies need (every Storage has it). */
type Runs = { set(src: Runs, offset: number): void; subarray(begin: number, end: number): Runs };
const runs = (s: Storage): Runs => s as unknown as Runs;

/** ND (row-major logical elements) -> NZ storage of `shape` with fractal width `c0`. */
export function ndToNz(src: Storage, shape: readonly number[], dtype: DType, c0: number): Storage {
  const dst = allocStorage(dtype, numelOf(storageShape(shape, nz(c0))));
  convert(src, dst, shape, dtype, c0, true);
  return dst;
}

/** NZ storage -> ND (row-major logical elements) of `shape`; padding is dropped. */
export function nzToNd(src: Storage, shape: readonly number[], dtype: DType, c0: number): Storage {
  const dst = allocStorage(dtype, numelOf(shape));
  convert(src, dst, shape, dtype, c0, false);
  return dst;
}

function convert(src: Storage, dst: Storage, shape: readonly number[], dtype: DType, c0: number, toNz: boolean): void {
  const r = shape.length;
  if (dtype === 'i4') {
    if (shape[r - 1]! % 2 === 0) {
      // Packed pairs never straddle a fractal column (c0 is even): move whole bytes.
      const half = [...shape.slice(0, r - 1), shape[r - 1]! / 2];
      copyRuns(runs(src), runs(dst), nzGeometry(half, c0 / 2), toNz);
    } else copyNibbles(src as Uint8Array, dst as Uint8Array, nzGeometry(shape, c0), toNz);
    return;
  }
  copyRuns(runs(src), runs(dst), nzGeometry(shape, c0), toNz);
}

/** Copies each row segment of one fractal column (at most c0 contiguous elements on both sides). */
function copyRuns(src: Runs, dst: Runs, g: NzGeometry, toNz: boolean): void {
  const { batch, m, n, c0, n1 } = g;
  for (let b = 0; b < batch; b++) {
    for (let jb = 0; jb < n1; jb++) {
      const j0 = jb * c0;
      const len = Math.min(c0, n - j0);
      let nzAt = b * g.batchStride + jb * g.colStride;
      let ndAt = b * m * n + j0;
      for (let i = 0; i < m; i++, nzAt += c0, ndAt += n) {
        if (toNz) dst.set(src.subarray(ndAt, ndAt + len), nzAt);
        else dst.set(src.subarray(nzAt, nzAt + len), ndAt);
      }
    }
  }
}

/** Element-level i4 conversion for an odd n (the ND side is one packed stream of nibbles). */
function copyNibbles(src: Uint8Array, dst: Uint8Array, g: NzGeometry, toNz: boolean): void {
  const { batch, m, n, c0 } = g;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const nd = (b * m + i) * n + j;
        const z = b * g.batchStride + Math.floor(j / c0) * g.colStride + i * c0 + (j % c0);
        const from = toNz ? nd : z;
        const to = toNz ? z : nd;
        const nib = (src[from >> 1]! >> ((from & 1) * 4)) & 0xf;
        dst[to >> 1] = to & 1 ? (dst[to >> 1]! & 0x0f) | (nib << 4) : (dst[to >> 1]! & 0xf0) | nib;
      }
    }
  }
}
