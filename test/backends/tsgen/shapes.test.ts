// Specialised steps at the edges of their shapes: empty tensors, scalars, k = 0 products,
// reductions to a scalar and over empty rows, NZ conversions with padding and batch axes, data
// movement of every container kind. The compiled mode gives the interpreter's bits.
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../../src/backends/tsgen/load.ts';
import { Builder } from '../../../src/ir/builder.ts';
import type { DType } from '../../../src/ir/dtype.ts';
import { nz } from '../../../src/ir/layout.ts';
import { TensorType } from '../../../src/ir/types.ts';
import { expectCompiledAgrees, seededFeeds } from '../../helpers/compiled-equality.ts';

async function agree(b: Builder, kernelSteps = 0): Promise<void> {
  // The point is the specialised code: none of these goes through the interpreter's kernels.
  expect(compileGraph(b.module).emitted.stats.kernelSteps).toBe(kernelSteps);
  for (const seed of [0, 3]) {
    const outcome = await expectCompiledAgrees(b.module, seededFeeds(b.module.graph(), seed));
    expect(outcome.ok, outcome.ok ? '' : outcome.error.message).toBe(true);
  }
}

describe('edge shapes', () => {
  it('empty tensors through fused loops, products and reductions', async () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([0, 8], 'f32'), 'x');
    const w = b.param(new TensorType([8, 3], 'f32'), 'w');
    const e = b.param(new TensorType([4, 0], 'f16'), 'e');
    const k0 = b.param(new TensorType([4, 0], 'i8'), 'k0');
    const k0b = b.param(new TensorType([0, 5], 'i8'), 'k0b');
    b.return(b.prim.add(x, x), b.prim.matmul(x, w), b.prim.reduceMax(e, [1]), b.prim.matmul(k0, k0b), b.prim.reduceMax(b.prim.abs(e), [0, 1]));
    await agree(b);
  });

  it('scalars, and reductions over every axis', async () => {
    const b = Builder.graph('g');
    const s = b.param(new TensorType([], 'bf16'), 's');
    const x = b.param(new TensorType([3, 4, 5], 'bf16'), 'x');
    const i = b.param(new TensorType([3, 4, 5], 'i32'), 'i');
    b.return(b.prim.mul(s, s), b.prim.reduceMax(x, [0, 1, 2]), b.prim.reduceMax(x, [-2, -1], { keepdims: true }), b.prim.reduceMax(i, [2]), b.prim.add(x, s));
    await agree(b);
  });

  for (const transposeB of [false, true]) {
    for (const dtype of ['i8', 'f16', 'bf16', 'f32'] as DType[]) {
      it(`matmul ${dtype}${transposeB ? ', b transposed' : ''}, with batch axes`, async () => {
        const b = Builder.graph('g');
        const a = b.param(new TensorType([2, 3, 7], dtype), 'a');
        const w = b.param(new TensorType(transposeB ? [5, 7] : [7, 5], dtype), 'w');
        b.return(b.prim.matmul(a, w, { transposeB }));
        await agree(b);
      });
    }
  }

  for (const [dtype, c0] of [['f16', 16], ['i8', 32], ['f32', 8], ['f32', 16], ['i32', 8], ['bf16', 16], ['u8', 32]] as [DType, number][]) {
    it(`trans_data ${dtype} ND <-> NZ c0 = ${c0}, padded, with a batch axis`, async () => {
      const b = Builder.graph('g');
      const x = b.param(new TensorType([2, 19, 37], dtype), 'x');
      const toNz = b.layout.transData(x, new TensorType([2, 19, 37], dtype, nz(c0)));
      const back = b.layout.transData(toNz, new TensorType([2, 19, 37], dtype));
      const y = b.param(new TensorType([33, 24], dtype, nz(c0)), 'y');
      b.return(toNz, back, b.layout.transData(y, new TensorType([33, 24], dtype)));
      await agree(b);
    });
  }

  it('trans_data to the same layout copies', async () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([17, 20], 'f32', nz(16)), 'x');
    const y = b.param(new TensorType([17, 20], 'bf16'), 'y');
    b.return(b.layout.transData(x, new TensorType([17, 20], 'f32', nz(16))), b.layout.transData(y, new TensorType([17, 20], 'bf16')));
    await agree(b);
  });

  for (const dtype of ['f32', 'f16', 'i8', 'i64', 'u64', 'i1'] as DType[]) {
    it(`data movement of ${dtype}: transpose, broadcast_to, slice, pad, concat`, async () => {
      const b = Builder.graph('g');
      const x = b.param(new TensorType([3, 4, 5], dtype), 'x');
      const row = b.param(new TensorType([1, 5], dtype), 'row');
      const moved = [
        b.prim.transpose(x, [2, 0, 1]),
        b.prim.broadcastTo(row, [3, 4, 5]),
        b.prim.slice(x, [1, 0, 2], [3, 4, 4]),
        b.prim.concat([x, b.prim.transpose(x, [0, 1, 2])], 1),
      ];
      if (dtype !== 'i64' && dtype !== 'u64') moved.push(b.prim.pad(x, [0, 2, 1], [1, 0, 3], { value: dtype === 'i1' ? 1n : dtype === 'i8' ? -7n : -2.5 }));
      b.return(...moved);
      await agree(b);
    });
  }
});
