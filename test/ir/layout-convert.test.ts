import { describe, expect, it } from 'vitest';
import type { DType } from '../../src/ir/dtype.ts';
import { ndToNz, nzToNd } from '../../src/ir/layout-convert.ts';
import { allocStorage, readElement, writeElement, type Storage } from '../../src/ir/storage.ts';
import { packInt4, packInt4Words } from '../../src/numerics/int4.ts';

/** nz_index of layout.md §2.3, written out independently of the code under test. */
function nzIndex(shape: readonly number[], c0: number, b: number, i: number, j: number): number {
  const m = shape[shape.length - 2]!;
  const n = shape[shape.length - 1]!;
  const n1 = Math.ceil(n / c0);
  const m1 = Math.ceil(m / 16);
  return b * (n1 * m1 * 16 * c0) + Math.floor(j / c0) * (m1 * 16 * c0) + i * c0 + (j % c0);
}

/** Logical elements 1, 2, 3, … (wrapping in the dtype), so every element is distinguishable. */
function counting(dtype: DType, count: number): Storage {
  const s = allocStorage(dtype, count);
  for (let e = 0; e < count; e++) writeElement(dtype, s, e, dtype === 'i64' || dtype === 'u64' ? BigInt(e + 1) : dtype === 'i4' ? ((e % 15) - 7) : e + 1);
  return s;
}

describe('ND -> NZ, layout.md §2.8 examples', () => {
  it('int8 (3, 40), c0 32: storage (2, 1, 16, 32), element (2, 35) at 579', () => {
    const nd = counting('i8', 3 * 40);
    const z = ndToNz(nd, [3, 40], 'i8', 32);
    expect(z.length).toBe(2 * 1 * 16 * 32);
    expect(z[579]).toBe(nd[2 * 40 + 35]);
    expect(nzIndex([3, 40], 32, 0, 2, 35)).toBe(579);
  });

  it('fp16 (20, 20), c0 16: element (17, 18) at 786', () => {
    const nd = counting('f16', 400);
    const z = ndToNz(nd, [20, 20], 'f16', 16);
    expect(z.length).toBe(2 * 2 * 16 * 16);
    expect(z[786]).toBe(nd[17 * 20 + 18]);
  });

  it('int8 (2, 3, 40): element (1, 2, 35) at 1603, 1808 padding zeros', () => {
    const nd = counting('i8', 240);
    const z = ndToNz(nd, [2, 3, 40], 'i8', 32);
    expect(z.length).toBe(2048);
    expect(z[1603]).toBe(nd[120 + 2 * 40 + 35]);
    expect([...z].filter((v) => v === 0).length).toBe(1808);
  });

  it('int8 (510, 270): 147456 storage elements', () => {
    expect(ndToNz(new Int8Array(510 * 270), [510, 270], 'i8', 32).length).toBe(147456);
  });
});

describe('every element through the index map', () => {
  const cases: [DType, number, number[]][] = [
    ['f16', 16, [2, 17, 33]],
    ['bf16', 16, [16, 16]],
    ['i8', 32, [3, 1, 70]],
    ['u8', 32, [40, 5]],
    ['f32', 8, [2, 9, 17]],
    ['f32', 16, [18, 20]],
    ['i32', 8, [1, 1]],
    ['i32', 16, [33, 3]],
    ['i64', 8, [3, 9]],
  ];
  for (const [dtype, c0, shape] of cases) {
    it(`${dtype} c0 ${c0} ${shape.join('x')}`, () => {
      const [m, n] = shape.slice(-2) as [number, number];
      const batch = shape.slice(0, -2).reduce((a, b) => a * b, 1);
      const nd = counting(dtype, batch * m * n);
      const z = ndToNz(nd, shape, dtype, c0);
      const covered = new Set<number>();
      for (let b = 0; b < batch; b++)
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            const at = nzIndex(shape, c0, b, i, j);
            covered.add(at);
            expect(z[at]).toBe(nd[(b * m + i) * n + j]);
          }
      for (let e = 0; e < z.length; e++) if (!covered.has(e)) expect(Number(z[e])).toBe(0); // padding
      expect([...nzToNd(z, shape, dtype, c0)]).toEqual([...nd]);
    });
  }

  it('NZ -> ND ignores whatever the padding holds', () => {
    const nd = counting('i8', 3 * 40);
    const z = ndToNz(nd, [3, 40], 'i8', 32) as Int8Array;
    const poisoned = z.map((v) => (v === 0 ? 99 : v)); // no logical element is 0 here
    expect([...nzToNd(poisoned, [3, 40], 'i8', 32)]).toEqual([...nd]);
  });

  it('zero-size m or n gives empty storages', () => {
    expect(ndToNz(new Int8Array(0), [0, 40], 'i8', 32).length).toBe(0);
    expect(ndToNz(new Uint16Array(0), [5, 0], 'f16', 16).length).toBe(0);
    expect(nzToNd(new Int8Array(0), [0, 40], 'i8', 32).length).toBe(0);
  });
});

describe('int4 in NZ (layout.md §3.4)', () => {
  it('element-level NZ (c0 64) then packed = bytes with c0 32 = int32 words with c0 8', () => {
    const [m, n] = [20, 136];
    const values = Array.from({ length: m * n }, (_, e) => ((e * 7 + (e >> 3)) % 16) - 8);
    const packed = packInt4(values);
    const z4 = ndToNz(packed, [m, n], 'i4', 64) as Uint8Array;
    // 1: element-level NZ written out here, then pairs packed.
    const elems = new Array<number>(Math.ceil(n / 64) * Math.ceil(m / 16) * 16 * 64).fill(0);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) elems[nzIndex([m, n], 64, 0, i, j)] = values[i * n + j]!;
    expect([...z4]).toEqual([...packInt4(elems)]);
    // 2: the packed (m, n/2) bytes through byte-level NZ with c0 32.
    expect([...ndToNz(packed, [m, n / 2], 'u8', 32)]).toEqual([...z4]);
    // 3: the (m, n/8) int32 words with c0 8.
    const words = ndToNz(packInt4Words(values), [m, n / 8], 'i32', 8) as Int32Array;
    expect([...new Uint8Array(words.buffer)]).toEqual([...z4]);
    expect([...nzToNd(z4, [m, n], 'i4', 64)]).toEqual([...packed]);
  });

  it('an odd n (legal in #nz) converts nibble by nibble', () => {
    const [m, n] = [3, 5];
    const nd = counting('i4', m * n);
    const z = ndToNz(nd, [m, n], 'i4', 64);
    expect(z.length).toBe((16 * 64) / 2);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expect(readElement('i4', z, nzIndex([m, n], 64, 0, i, j))).toBe(readElement('i4', nd, i * n + j));
    expect([...nzToNd(z, [m, n], 'i4', 64)]).toEqual([...nd]);
  });
});
