// int4 through nd_to_nz / nz_to_nd golden cases: the .npy holds packed bytes, and c0 of an NZ
// input is counted in int4 elements (the file's last dimension is c0/2 bytes).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCase } from '../../src/io/cases.ts';
import { writeNpy, type NpyArray } from '../../src/io/npy.ts';

const M = 3;
const N = 70; // int4 elements per row: two NZ column blocks of 64, the second padded
const value = (i: number, j: number) => ((i * 31 + j * 7) % 16) - 8;

/** Packs a row-major list of int4 values two per byte, element 2t in the low nibble. */
const pack = (vals: number[]) => Uint8Array.from({ length: vals.length / 2 }, (_, t) => ((vals[2 * t + 1]! & 15) << 4) | (vals[2 * t]! & 15));

// layout.md §2.3 stated as "pad to (m1·16, n1·64), reshape (m1, 16, n1, 64), move n1 first".
const n1 = Math.ceil(N / 64);
const m1 = Math.ceil(M / 16);
const nzValues: number[] = [];
for (let b = 0; b < n1; b++)
  for (let r = 0; r < m1 * 16; r++)
    for (let c = 0; c < 64; c++) {
      const j = b * 64 + c;
      nzValues.push(r < M && j < N ? value(r, j) : 0);
    }
const ndValues = Array.from({ length: M * N }, (_, k) => value(Math.floor(k / N), k % N));
const ND: NpyArray = { dtype: 'uint8', shape: [M, N / 2], data: pack(ndValues) };
const NZ: NpyArray = { dtype: 'uint8', shape: [n1, m1, 16, 32], data: pack(nzValues) };

function makeCase(name: string, json: object, files: Record<string, NpyArray>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'cases-i4-')), name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'case.json'), JSON.stringify(json));
  for (const [f, arr] of Object.entries(files)) writeNpy(join(dir, f), arr);
  return dir;
}

const exact = { y: { kind: 'exact' } };

describe('int4 layout cases', () => {
  it('nd_to_nz packs the NZ storage of an int4 matrix', async () => {
    const dir = makeCase('i4_nd_to_nz', { op: 'nd_to_nz', attrs: { c0: 64 }, inputs: { x: 'x.npy' }, outputs: { y: 'y.npy' }, dtypes: { x: 'int4', y: 'int4' }, tolerance: exact, expect_error: false, int4_logical_shapes: { x: [M, N], y: [n1, m1, 16, 64] } }, { 'x.npy': ND, 'y.npy': NZ });
    expect((await runCase(dir, { out: mkdtempSync(join(tmpdir(), 'out-')) })).line).toBe('PASS i4_nd_to_nz');
  });

  it('nz_to_nd reads c0 = 64 from a file whose last dimension is 32 bytes', async () => {
    const dir = makeCase('i4_nz_to_nd', { op: 'nz_to_nd', attrs: { view_shape: [M, N] }, inputs: { x_nz: 'x.npy' }, outputs: { y: 'y.npy' }, dtypes: { x_nz: 'int4', y: 'int4' }, tolerance: exact, expect_error: false, int4_logical_shapes: { y: [M, N] } }, { 'x.npy': NZ, 'y.npy': ND });
    expect((await runCase(dir, { out: mkdtempSync(join(tmpdir(), 'out-')) })).line).toBe('PASS i4_nz_to_nd');
  });
});
