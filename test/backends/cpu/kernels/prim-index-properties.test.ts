// Random shapes against naive index arithmetic written here: broadcasting (add), transpose,
// slice and pad agree element by element.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binaryElementwise } from '../../../../src/backends/cpu/kernels/elementwise-binary.ts';
import { padStorage } from '../../../../src/backends/cpu/kernels/pad.ts';
import { sliceStorage } from '../../../../src/backends/cpu/kernels/slice.ts';
import { transposeStorage } from '../../../../src/backends/cpu/kernels/transpose.ts';

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const iota = (n: number) => Int32Array.from({ length: n }, (_, i) => i * 7 - 3);

/** Multi-index of a row-major linear index. */
function unravel(i: number, shape: readonly number[]): number[] {
  const at = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    at[a] = i % shape[a]!;
    i = Math.floor(i / shape[a]!);
  }
  return at;
}
const ravel = (at: readonly number[], shape: readonly number[]) => at.reduce((acc, v, a) => acc * shape[a]! + v, 0);

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 });

describe('index mapping properties', () => {
  it('broadcast add matches NumPy indexing', () => {
    const arb = shapeArb.chain((out) =>
      fc.tuple(
        fc.constant(out),
        fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
        fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
        fc.integer({ min: 0, max: out.length }),
      ),
    );
    fc.assert(
      fc.property(arb, ([out, onesA, onesB, dropB]) => {
        const aShape = out.map((d, i) => (onesA[i] ? 1 : d));
        const bShape = out.map((d, i) => (onesB[i] ? 1 : d)).slice(dropB);
        const a = iota(numel(aShape));
        const b = iota(numel(bShape)).map((v) => v * 1000);
        const got = binaryElementwise('add', 'i32', a, aShape, b, bShape, out) as Int32Array;
        for (let i = 0; i < numel(out); i++) {
          const at = unravel(i, out);
          const ia = ravel(at.map((v, k) => (aShape[k] === 1 ? 0 : v)), aShape);
          const atB = at.slice(dropB);
          const ib = ravel(atB.map((v, k) => (bShape[k] === 1 ? 0 : v)), bShape);
          expect(got[i]).toBe(a[ia]! + b[ib]!);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('transpose matches y[i] = x[j] with j[perm[a]] = i[a]', () => {
    const arb = shapeArb.chain((shape) => fc.tuple(fc.constant(shape), fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length })));
    fc.assert(
      fc.property(arb, ([shape, perm]) => {
        const x = iota(numel(shape));
        const outShape = perm.map((p) => shape[p]!);
        const got = transposeStorage('i32', x, shape, perm) as Int32Array;
        for (let i = 0; i < numel(outShape); i++) {
          const at = unravel(i, outShape);
          const j = new Array<number>(shape.length);
          perm.forEach((p, a) => (j[p] = at[a]!));
          expect(got[i]).toBe(x[ravel(j, shape)]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('slice and pad are inverse placements', () => {
    const arb = shapeArb.chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.tuple(...shape.map((d) => fc.tuple(fc.integer({ min: 0, max: d }), fc.integer({ min: 0, max: d })))),
        fc.tuple(...shape.map(() => fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })))),
      ),
    );
    fc.assert(
      fc.property(arb, ([shape, bounds, pads]) => {
        const x = iota(numel(shape));
        const start = bounds.map(([p, q]) => Math.min(p, q));
        const end = bounds.map(([p, q]) => Math.max(p, q));
        const sShape = shape.map((_, a) => end[a]! - start[a]!);
        const s = sliceStorage('i32', x, shape, start, end) as Int32Array;
        for (let i = 0; i < numel(sShape); i++) expect(s[i]).toBe(x[ravel(unravel(i, sShape).map((v, a) => v + start[a]!), shape)]);
        const low = pads.map(([l]) => l);
        const high = pads.map(([, h]) => h);
        const pShape = shape.map((d, a) => low[a]! + d + high[a]!);
        const p = padStorage('i32', x, shape, low, high, 99) as Int32Array;
        for (let i = 0; i < numel(pShape); i++) {
          const at = unravel(i, pShape).map((v, a) => v - low[a]!);
          const inside = at.every((v, a) => v >= 0 && v < shape[a]!);
          expect(p[i]).toBe(inside ? x[ravel(at, shape)] : 99);
        }
      }),
      { numRuns: 200 },
    );
  });
});
