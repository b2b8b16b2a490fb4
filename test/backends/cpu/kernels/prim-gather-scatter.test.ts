import { describe, expect, it } from 'vitest';
import { gatherKernel, gatherStorage } from '../../../../src/backends/cpu/kernels/gather.ts';
import { scatterKernel, scatterStorage } from '../../../../src/backends/cpu/kernels/scatter.ts';
import { intAttr } from '../../../../src/ir/attr.ts';
import { FractalError } from '../../../../src/ir/diagnostics.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { packInt4, unpackInt4 } from '../../../../src/numerics/int4.ts';
import { runKernel, tensor } from './prim-harness.ts';

const iota32 = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

function thrown(f: () => unknown): FractalError {
  try {
    f();
  } catch (e) {
    if (e instanceof FractalError) return e;
    throw e;
  }
  throw new Error('expected a FractalError');
}

describe('prim.gather', () => {
  it('takes rows along axis 0 and columns along axis 1 (NumPy take)', () => {
    const x = iota32(6); // [3, 2]
    expect([...(gatherStorage('i32', x, [3, 2], new Int32Array([2, 0, 2]), [3], 0, 's') as Int32Array)]).toEqual([4, 5, 0, 1, 4, 5]);
    expect([...(gatherStorage('i32', x, [3, 2], new Int32Array([1]), [1], 1, 's') as Int32Array)]).toEqual([1, 3, 5]);
    // indices of rank 2: out shape [2, 2, 2]
    const out = gatherStorage('i32', x, [3, 2], new Int32Array([0, 1, 2, 2]), [2, 2], 0, 's');
    expect([...(out as Int32Array)]).toEqual([0, 1, 2, 3, 4, 5, 4, 5]);
  });

  it('moves i4 and 64-bit elements', () => {
    const i4 = gatherStorage('i4', packInt4([1, 2, -3, -4]), [2, 2], new Int32Array([1, 1, 0]), [3], 0, 's');
    expect([...unpackInt4(i4 as Uint8Array, 6)]).toEqual([-3, -4, -3, -4, 1, 2]);
    const big = gatherStorage('i64', new BigInt64Array([-1n, 2n ** 62n]), [2], new Int32Array([1, 0]), [2], 0, 's');
    expect([...(big as BigInt64Array)]).toEqual([2n ** 62n, -1n]);
  });

  it('an index out of range is RUNTIME [prim.8] with the exact message', () => {
    const x = tensor([6], 'f32', new Float32Array(6));
    const idx = tensor([4], 'i32', new Int32Array([0, 5, 1, 7]));
    const e = thrown(() => runKernel(gatherKernel, 'prim.gather', [x, idx], { axis: intAttr(0) }, new TensorType([4], 'f32'), 'g'));
    expect(e.code).toBe('RUNTIME');
    expect(e.rule).toBe('prim.8');
    expect(e.message).toBe('prim.gather %g: [prim.8] index must lie in [0, 6), got 7 at indices[3]');
    const neg = thrown(() => gatherStorage('i32', iota32(6), [3, 2], new Int32Array([0, 1, -1, 0]), [2, 2], 0, 'prim.gather %g'));
    expect(neg.message).toBe('prim.gather %g: [prim.8] index must lie in [0, 3), got -1 at indices[1, 0]');
  });
});

describe('prim.scatter', () => {
  it('writes updates into a copy of x', () => {
    const x = tensor([4, 2], 'i32', new Int32Array(8).fill(-1));
    const idx = tensor([2], 'i32', new Int32Array([3, 0]));
    const upd = tensor([2, 2], 'i32', new Int32Array([10, 11, 20, 21]));
    const out = runKernel(scatterKernel, 'prim.scatter', [x, idx, upd], { axis: intAttr(0) }, new TensorType([4, 2], 'i32'));
    expect([...out.data]).toEqual([20, 21, -1, -1, -1, -1, 10, 11]);
    expect([...x.data]).toEqual(new Array(8).fill(-1));
  });

  it('scatters along an inner axis and the MoE inverse permutation', () => {
    // x [2, 3], axis 1, indices [2, 0]: y[p, indices[l]] = updates[p, l]
    const y = scatterStorage('f32', new Float32Array(6), [2, 3], new Int32Array([2, 0]), new Float32Array([1, 2, 3, 4]), 1, 's');
    expect([...(y as Float32Array)]).toEqual([2, 0, 1, 4, 0, 3]);
    const inv = scatterStorage('i32', new Int32Array(4), [4], new Int32Array([2, 0, 3, 1]), iota32(4), 0, 's');
    expect([...(inv as Int32Array)]).toEqual([1, 3, 0, 2]);
    const u64 = scatterStorage('u64', new BigUint64Array(2), [2], new Int32Array([1]), new BigUint64Array([2n ** 64n - 1n]), 0, 's');
    expect([...(u64 as BigUint64Array)]).toEqual([0n, 2n ** 64n - 1n]);
  });

  it('out of range and repeated indices are RUNTIME [prim.9]', () => {
    const range = thrown(() => scatterStorage('i32', new Int32Array(3), [3], new Int32Array([0, 3]), new Int32Array(2), 0, 'prim.scatter %y'));
    expect(range.code).toBe('RUNTIME');
    expect(range.message).toBe('prim.scatter %y: [prim.9] index must lie in [0, 3), got 3 at indices[1]');
    const rep = thrown(() => scatterStorage('i32', new Int32Array(3), [3], new Int32Array([2, 0, 2]), new Int32Array(3), 0, 'prim.scatter %y'));
    expect(rep.rule).toBe('prim.9');
    expect(rep.message).toBe('prim.scatter %y: [prim.9] indices must not repeat, got 2 at indices[0] and indices[2]');
  });
});
