import { describe, expect, it } from 'vitest';
import { quantizeKernel } from '../../../../src/backends/cpu/kernels/quantize.ts';
import type { DType } from '../../../../src/ir/dtype.ts';
import type { Tensor } from '../../../../src/ir/storage.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { bf16FromF64, f16FromF64 } from '../../../../src/numerics/float.ts';
import { bitsOf, runOne, tensor } from './npu-harness.ts';

async function quantize(x: Tensor, scales: Tensor, zp: Tensor | null, attrs: { dtype: DType; axis?: number; div_mode?: boolean }, yType: TensorType): Promise<number[]> {
  const [y] = await runOne(quantizeKernel, 'npu.quantize', [x, scales, zp], attrs, [yType]);
  return [...(y!.data as Int32Array)];
}

describe('npu.quantize, div_mode = true (quantize.md §1)', () => {
  it('§1.4: per-channel f32 with int8 zero points, zp added before rounding', async () => {
    const x = tensor([2, 3], 'f32', new Float32Array([-1, 0.3, 2.5, 0.75, -6, 100]));
    const s = tensor([3], 'f32', new Float32Array([0.5, 0.1, 2]));
    const zp = tensor([3], 'i8', new Int8Array([0, 3, -1]));
    expect(await quantize(x, s, zp, { dtype: 'i8', axis: 1 }, new TensorType([2, 3], 'i8'))).toEqual([-2, 6, 0, 2, -57, 49]);
  });

  it('§1.4 tie: rne(0.5 / 1 + 1) = 2', async () => {
    const one = (v: number) => tensor([1], 'f32', new Float32Array([v]));
    expect(await quantize(one(0.5), one(1), tensor([1], 'u8', new Uint8Array([1])), { dtype: 'u8' }, new TensorType([1], 'u8'))).toEqual([2]);
  });

  it('scale 0: x/0 saturates, 0/0 = NaN gives 0 even with a zero point (§3)', async () => {
    const x = tensor([3], 'f32', new Float32Array([2, -2, 0]));
    const s = tensor([1], 'f32', new Float32Array([0]));
    expect(await quantize(x, s, tensor([1], 'i32', new Int32Array([5])), { dtype: 'i8' }, new TensorType([3], 'i8'))).toEqual([127, -128, 0]);
  });

  it('axis wraps, u8 and i32 outputs saturate, i32 zero points are rounded to f32', async () => {
    const x = tensor([2, 2], 'f16', bitsOf([300, -4, 1.5, 2.5], f16FromF64));
    const s = tensor([2], 'f16', bitsOf([1, 0.5], f16FromF64));
    // axis -2 = 0: row 0 ÷ 1, row 1 ÷ 0.5
    expect(await quantize(x, s, null, { dtype: 'u8', axis: -2 }, new TensorType([2, 2], 'u8'))).toEqual([255, 0, 3, 5]);
    const big = tensor([2], 'f32', new Float32Array([3e9, -1e10]));
    const zp = tensor([1], 'i32', new Int32Array([16777217])); // f32(16777217) = 16777216
    expect(await quantize(big, tensor([1], 'f32', new Float32Array([1])), zp, { dtype: 'i32' }, new TensorType([2], 'i32'))).toEqual([2147483647, -2147483648]);
    const small = tensor([1], 'f32', new Float32Array([0.5]));
    expect(await quantize(small, tensor([1], 'f32', new Float32Array([1])), zp, { dtype: 'i32' }, new TensorType([1], 'i32'))).toEqual([16777216]);
  });

  it('bf16 x, scales and zero points (zero points widened exactly)', async () => {
    const x = tensor([1, 3], 'bf16', bitsOf([1, 2, -3], bf16FromF64));
    const s = tensor([3], 'bf16', bitsOf([0.5, 0.25, 2], bf16FromF64));
    const zp = tensor([3], 'bf16', bitsOf([0.5, -1.5, 10.5], bf16FromF64));
    // t = [2 + 0.5, 8 - 1.5, -1.5 + 10.5] = [2.5, 6.5, 9]
    expect(await quantize(x, s, zp, { dtype: 'i8', axis: -1 }, new TensorType([1, 3], 'i8'))).toEqual([2, 6, 9]);
  });
});

describe('npu.quantize, div_mode = false (quantize.md §2)', () => {
  it('§2.5: f16 per-channel along the last axis with f16 zero points', async () => {
    const x = tensor([2, 4], 'f16', bitsOf([0.96, 1.33, -0.62, 0.55, -1.18, -1.17, -0.74, 0.97], f16FromF64));
    const s = tensor([4], 'f16', bitsOf([10, 20, 30, 40], f16FromF64));
    const zp = tensor([4], 'f16', bitsOf([0.5, 0, -0.5, 1], f16FromF64));
    expect(await quantize(x, s, zp, { dtype: 'i8', axis: -1, div_mode: false }, new TensorType([2, 4], 'i8'))).toEqual([10, 27, -19, 23, -11, -23, -23, 40]);
  });

  it('§2.5: axis -2 with (2, 1) scales, ties to even', async () => {
    const x = tensor([2, 3], 'f32', new Float32Array([1, 2, 3, 1, 2, 3]));
    const s = tensor([2, 1], 'f32', new Float32Array([0.5, 2]));
    expect(await quantize(x, s, null, { dtype: 'i8', axis: -2, div_mode: false }, new TensorType([2, 3], 'i8'))).toEqual([0, 1, 2, 2, 4, 6]);
  });

  it('§2.5: quint4x2 packs 8 int4 per int32', async () => {
    const x = tensor([2, 8], 'f32', new Float32Array([0, 1, 2, 3, -1, -2, -8, 7, 0.4, 0.5, 1.5, 2.5, -0.5, -1.5, 9, -20]));
    const y = await quantize(x, tensor([1], 'f32', new Float32Array([1])), null, { dtype: 'i4', div_mode: false }, new TensorType([2, 1], 'i32'));
    expect(y).toEqual([0x78ef3210, 0x87e02200 | 0]);
    expect(y).toEqual([2028941840, -2015354368]);
  });

  it('axis = 1 means the last axis; x f32 takes bf16 scales; NaN/Inf reach quantInt', async () => {
    const x = tensor([2, 2, 3], 'f32', new Float32Array([1, 1, 1, 2, 2, 2, NaN, Infinity, -Infinity, 0.25, 0.5, 0.75]));
    const s = tensor([3], 'bf16', bitsOf([1, 2, 4], bf16FromF64));
    const zp = tensor([3], 'bf16', bitsOf([0, 0.5, -0.5], bf16FromF64));
    // t = x·s + o per last-axis channel
    expect(await quantize(x, s, zp, { dtype: 'i8', axis: 1, div_mode: false }, new TensorType([2, 2, 3], 'i8'))).toEqual([1, 2, 4, 2, 4, 8, 0, 127, -128, 0, 2, 2]);
  });

  it('scales of rank r broadcast along their one non-1 axis', async () => {
    const x = tensor([1, 2, 2], 'f32', new Float32Array([1, 1, 1, 1]));
    const s = tensor([1, 2, 1], 'f32', new Float32Array([3, 5]));
    expect(await quantize(x, s, null, { dtype: 'i8', axis: -2, div_mode: false }, new TensorType([1, 2, 2], 'i8'))).toEqual([3, 3, 5, 5]);
  });

  it('empty x writes nothing', async () => {
    expect(await quantize(tensor([0, 4], 'f32', new Float32Array(0)), tensor([4], 'f32', new Float32Array(4)), null, { dtype: 'i8', div_mode: false }, new TensorType([0, 4], 'i8'))).toEqual([]);
  });
});
