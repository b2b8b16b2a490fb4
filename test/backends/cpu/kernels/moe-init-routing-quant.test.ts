import { describe, expect, it } from 'vitest';
import { moeInitRoutingQuantKernel } from '../../../../src/backends/cpu/kernels/moe-init-routing-quant.ts';
import { FractalError } from '../../../../src/ir/diagnostics.ts';
import type { Tensor } from '../../../../src/ir/storage.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { bf16FromF64, f16FromF64 } from '../../../../src/numerics/float.ts';
import { bitsOf, runOne, tensor } from './npu-harness.ts';

async function moe(x: Tensor, rowIdx: number[], expertIdx: number[], k: number, attrs: { active_num: number; scale: number; offset: number }) {
  const [n, h] = x.type.shape as [number, number];
  const a = Math.min(n, attrs.active_num) * k;
  const [ex, er, ee] = await runOne(
    moeInitRoutingQuantKernel,
    'npu.moe_init_routing_quant',
    [x, tensor([n, k], 'i32', new Int32Array(rowIdx)), tensor([n, k], 'i32', new Int32Array(expertIdx))],
    attrs,
    [new TensorType([a, h], 'i8'), new TensorType([n * k], 'i32'), new TensorType([n * k], 'i32')],
    'expanded_x',
  );
  return { x: [...ex!.data], rowIdx: [...er!.data], expertIdx: [...ee!.data] };
}

// moe_init_routing_quant.md §5
const X = tensor([3, 4], 'f32', new Float32Array([0.1, 0.2, 0.3, 0.4, 1, -1, 2, -2, 0.25, 0.75, -0.25, 12.7]));
const ROW_IDX = [0, 3, 1, 4, 2, 5];
const EXPERT_IDX = [1, 2, 0, 1, 0, 2];
const TOKEN0 = [2, 2, 4, 4];
const TOKEN1 = [10, -10, 20, -20];
const TOKEN2 = [3, 8, -2, 127];

describe('npu.moe_init_routing_quant, §5 worked example (N 3, H 4, K 2, scale 10, offset 0.5)', () => {
  it('active_num 3: all six rows in expert order', async () => {
    const r = await moe(X, ROW_IDX, EXPERT_IDX, 2, { active_num: 3, scale: 10, offset: 0.5 });
    expect(r.expertIdx).toEqual([0, 0, 1, 1, 2, 2]);
    expect(r.rowIdx).toEqual([2, 0, 1, 4, 3, 5]);
    expect(r.x).toEqual([...TOKEN1, ...TOKEN2, ...TOKEN0, ...TOKEN1, ...TOKEN0, ...TOKEN2]);
  });

  it('active_num 2: the first four rows, index outputs unchanged', async () => {
    const r = await moe(X, ROW_IDX, EXPERT_IDX, 2, { active_num: 2, scale: 10, offset: 0.5 });
    expect(r.x).toEqual([...TOKEN1, ...TOKEN2, ...TOKEN0, ...TOKEN1]);
    expect(r.rowIdx).toEqual([2, 0, 1, 4, 3, 5]);
    expect(r.expertIdx).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('active_num 0: empty expanded_x, full index outputs', async () => {
    const r = await moe(X, ROW_IDX, EXPERT_IDX, 2, { active_num: 0, scale: 10, offset: 0.5 });
    expect(r.x).toEqual([]);
    expect(r.expertIdx).toEqual([0, 0, 1, 1, 2, 2]);
  });
});

describe('npu.moe_init_routing_quant quantization in float16 (§2.3, §4)', () => {
  it('scale goes double -> f32 -> f16; products overflow fp16 to ±Inf -> 127 / -128; NaN -> 0', async () => {
    const x = tensor([1, 5], 'f16', bitsOf([1, 30000, -30000, NaN, 4], f16FromF64));
    // s16 = f16(f32(0.1)) = 0.0999755859375: 4·s16 = 0.39990234375, + o16 (0.5) = 0.89990234375 -> 1
    const r = await moe(x, [0], [7], 1, { active_num: 1, scale: 0.1, offset: 0.5 });
    expect(r.x).toEqual([1, 127, -128, 0, 1]);
    const big = await moe(x, [0], [7], 1, { active_num: 1, scale: 100, offset: 0 });
    expect(big.x).toEqual([100, 127, -128, 0, 127]); // 30000·100 = +Inf in fp16
  });

  it('bf16 x goes through f32 to f16; ties after the offset go to even', async () => {
    const x = tensor([1, 4], 'bf16', bitsOf([1.5, 2.5, -9.5, 0.25], bf16FromF64));
    const r = await moe(x, [0], [0], 1, { active_num: 5, scale: 1, offset: 0 });
    expect(r.x).toEqual([2, 2, -10, 0]);
  });

  it('equal expert ids keep the flattened position order', async () => {
    const x = tensor([2, 1], 'f32', new Float32Array([1, 2]));
    // (token, slot) positions 0..3 all choose expert 5; rowIdx canonical j·N + i
    const r = await moe(x, [0, 2, 1, 3], [5, 5, 5, 5], 2, { active_num: 2, scale: 1, offset: 0 });
    expect(r.rowIdx).toEqual([0, 2, 1, 3]);
    expect(r.x).toEqual([1, 1, 2, 2]); // sorted rowIdx [0, 2, 1, 3] mod 2 = tokens [0, 0, 1, 1]
  });
});

describe('[moe_init_routing_quant.7] value checks are RUNTIME errors', () => {
  const run = (rowIdx: number[], expertIdx: number[]) => moe(tensor([2, 1], 'f32', new Float32Array([1, 2])), rowIdx, expertIdx, 2, { active_num: 2, scale: 1, offset: 0 });
  const rejects = async (p: Promise<unknown>, message: string) => {
    const e = await p.catch((err: unknown) => err);
    expect(e).toBeInstanceOf(FractalError);
    expect((e as FractalError).code).toBe('RUNTIME');
    expect((e as FractalError).rule).toBe('moe_init_routing_quant.7');
    expect((e as FractalError).message).toBe(message);
  };

  it('row_idx out of range, repeated; expert ids outside [0, 2^24)', async () => {
    await rejects(run([0, 4, 1, 2], [0, 0, 0, 0]), 'npu.moe_init_routing_quant %expanded_x: [moe_init_routing_quant.7] row_idx values must lie in [0, 4) (a permutation of 0..N·K-1), got 4 at [0, 1]');
    await rejects(run([0, 1, 1, 2], [0, 0, 0, 0]), 'npu.moe_init_routing_quant %expanded_x: [moe_init_routing_quant.7] row_idx values must not repeat (a permutation of 0..N·K-1), got 1 at [0, 1] and [1, 0]');
    await rejects(run([0, 1, 2, 3], [0, 16777216, 0, 0]), 'npu.moe_init_routing_quant %expanded_x: [moe_init_routing_quant.7] expert_idx values must lie in [0, 16777216), got 16777216 at [0, 1]');
    await rejects(run([0, 1, 2, 3], [0, 0, -1, 0]), 'npu.moe_init_routing_quant %expanded_x: [moe_init_routing_quant.7] expert_idx values must lie in [0, 16777216), got -1 at [1, 0]');
  });
});
