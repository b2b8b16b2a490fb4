import { describe, expect, it } from 'vitest';
import { broadcastToKernel, broadcastToStorage } from '../../../../src/backends/cpu/kernels/broadcast-to.ts';
import { concatKernel, concatStorage } from '../../../../src/backends/cpu/kernels/concat.ts';
import { iotaKernel, iotaStorage } from '../../../../src/backends/cpu/kernels/iota.ts';
import { padKernel, padStorage } from '../../../../src/backends/cpu/kernels/pad.ts';
import { reshapeKernel } from '../../../../src/backends/cpu/kernels/reshape.ts';
import { sliceKernel, sliceStorage } from '../../../../src/backends/cpu/kernels/slice.ts';
import { transposeKernel, transposeStorage } from '../../../../src/backends/cpu/kernels/transpose.ts';
import { dtypeAttr, floatAttr, intAttr, intsAttr } from '../../../../src/ir/attr.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { packInt4, unpackInt4 } from '../../../../src/numerics/int4.ts';
import { bitsOfF32, f32FromBitsArray, runKernel, tensor } from './prim-harness.ts';

const iota32 = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe('prim.reshape', () => {
  it('keeps the element sequence and copies', () => {
    const x = tensor([2, 4], 'i4', packInt4([1, 2, 3, 4, -1, -2, -3, -4]));
    const out = runKernel(reshapeKernel, 'prim.reshape', [x], { shape: intsAttr([4, 2]) }, new TensorType([4, 2], 'i4'));
    expect([...unpackInt4(out.data as Uint8Array, 8)]).toEqual([1, 2, 3, 4, -1, -2, -3, -4]);
    expect(out.data).not.toBe(x.data);
  });
});

describe('prim.transpose', () => {
  it('2-D and 3-D permutations', () => {
    expect([...(transposeStorage('i32', iota32(6), [2, 3], [1, 0]) as Int32Array)]).toEqual([0, 3, 1, 4, 2, 5]);
    // x [2, 3, 4], perm [2, 0, 1]: y[a, b, c] = x[b, c, a], y shape [4, 2, 3]
    const y = transposeStorage('i32', iota32(24), [2, 3, 4], [2, 0, 1]) as Int32Array;
    const expected: number[] = [];
    for (let a = 0; a < 4; a++) for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) expected.push(b * 12 + c * 4 + a);
    expect([...y]).toEqual(expected);
  });

  it('moves 64-bit, i4 and NaN bits unchanged', () => {
    const big = transposeStorage('u64', new BigUint64Array([1n, 2n ** 64n - 1n, 3n, 2n ** 40n]), [2, 2], [1, 0]);
    expect([...(big as BigUint64Array)]).toEqual([1n, 3n, 2n ** 64n - 1n, 2n ** 40n]);
    const i4 = transposeStorage('i4', packInt4([1, -2, 3, -4]), [2, 2], [1, 0]);
    expect([...unpackInt4(i4 as Uint8Array, 4)]).toEqual([1, 3, -2, -4]);
    const nan = transposeStorage('f32', f32FromBitsArray([0x7f800123, 0xffc00000]), [1, 2], [1, 0]);
    expect(bitsOfF32(nan)).toEqual([0x7f800123, 0xffc00000]);
  });

  it('the kernel reads perm', () => {
    const x = tensor([1, 2], 'f16', new Uint16Array([0x3c00, 0x4000]));
    const out = runKernel(transposeKernel, 'prim.transpose', [x], { perm: intsAttr([1, 0]) }, new TensorType([2, 1], 'f16'));
    expect([...out.data]).toEqual([0x3c00, 0x4000]);
  });
});

describe('prim.broadcast_to', () => {
  it('stretches 1s and adds leading axes', () => {
    expect([...(broadcastToStorage('i8', new Int8Array([1, 2]), [2, 1], [2, 3]) as Int8Array)]).toEqual([1, 1, 1, 2, 2, 2]);
    expect([...(broadcastToStorage('i32', new Int32Array([7, 8, 9]), [3], [2, 3]) as Int32Array)]).toEqual([7, 8, 9, 7, 8, 9]);
    const big = broadcastToStorage('i64', new BigInt64Array([-1n, 5n]), [2], [2, 2]);
    expect([...(big as BigInt64Array)]).toEqual([-1n, 5n, -1n, 5n]);
  });

  it('the kernel takes the shape from the result type (the MoE token map)', () => {
    const x = tensor([3], 'i32', iota32(3));
    const out = runKernel(broadcastToKernel, 'prim.broadcast_to', [x], { shape: intsAttr([2, 3]) }, new TensorType([2, 3], 'i32'));
    expect([...out.data]).toEqual([0, 1, 2, 0, 1, 2]);
  });
});

describe('prim.slice', () => {
  it('cuts a box', () => {
    // x [3, 4] = 0..11, rows 1..3, cols 1..3
    expect([...(sliceStorage('i32', iota32(12), [3, 4], [1, 1], [3, 3]) as Int32Array)]).toEqual([5, 6, 9, 10]);
    const u64 = sliceStorage('u64', new BigUint64Array([1n, 2n, 3n, 2n ** 64n - 1n]), [4], [2], [4]);
    expect([...(u64 as BigUint64Array)]).toEqual([3n, 2n ** 64n - 1n]);
    expect([...unpackInt4(sliceStorage('i4', packInt4([0, 1, 2, 3, 4, 5, 6, 7]), [2, 4], [0, 2], [2, 4]) as Uint8Array, 4)]).toEqual([
      2, 3, 6, 7,
    ]);
    expect((sliceStorage('f32', new Float32Array(4), [4], [2], [2]) as Float32Array).length).toBe(0);
  });

  it('the kernel reads start and end', () => {
    const x = tensor([6], 'i32', iota32(6));
    const out = runKernel(sliceKernel, 'prim.slice', [x], { start: intsAttr([0]), end: intsAttr([3]) }, new TensorType([3], 'i32'));
    expect([...out.data]).toEqual([0, 1, 2]);
  });
});

describe('prim.pad', () => {
  it('places x at low and fills with the value', () => {
    const out = padStorage('i32', new Int32Array([1, 2, 3, 4]), [2, 2], [1, 0], [0, 1], -7) as Int32Array;
    expect([...out]).toEqual([-7, -7, -7, 1, 2, -7, 3, 4, -7]);
  });

  it('rounds a float value once to the dtype and writes 64-bit values exactly', () => {
    // 0.1 -> f16 0x2E66; bf16 of 1.0039062509313226 is 0x3F81 (not 1.0 through f32)
    expect([...(padStorage('f16', new Uint16Array([0x3c00]), [1], [1], [1], 0.1) as Uint16Array)]).toEqual([0x2e66, 0x3c00, 0x2e66]);
    expect([...(padStorage('bf16', new Uint16Array([0]), [1], [0], [1], 1.0039062509313226) as Uint16Array)]).toEqual([0, 0x3f81]);
    const big = padStorage('i64', new BigInt64Array([5n]), [1], [2], [0], -(2n ** 62n) - 3n);
    expect([...(big as BigInt64Array)]).toEqual([-(2n ** 62n) - 3n, -(2n ** 62n) - 3n, 5n]);
    expect([...unpackInt4(padStorage('i4', packInt4([1, 2]), [2], [1], [1], -8) as Uint8Array, 4)]).toEqual([-8, 1, 2, -8]);
    expect([...(padStorage('u8', new Uint8Array([9]), [1], [0], [2], 255) as Uint8Array)]).toEqual([9, 255, 255]);
  });

  it('the kernel reads low, high and value', () => {
    const x = tensor([2], 'f32', new Float32Array([1, 2]));
    const attrs = { low: intsAttr([1]), high: intsAttr([2]), value: floatAttr(-0.5) };
    const out = runKernel(padKernel, 'prim.pad', [x], attrs, new TensorType([5], 'f32'));
    expect([...out.data]).toEqual([-0.5, 1, 2, -0.5, -0.5]);
    const zero = runKernel(padKernel, 'prim.pad', [x], { low: intsAttr([0]), high: intsAttr([1]) }, new TensorType([3], 'f32'));
    expect([...zero.data]).toEqual([1, 2, 0]);
  });
});

describe('prim.concat', () => {
  it('joins along axis 0 and along an inner axis', () => {
    const a = { data: new Int32Array([1, 2, 3, 4]), shape: [2, 2] };
    const b = { data: new Int32Array([5, 6]), shape: [2, 1] };
    expect([...(concatStorage('i32', [a, b], 1) as Int32Array)]).toEqual([1, 2, 5, 3, 4, 6]);
    const c = { data: new Int32Array([7, 8]), shape: [1, 2] };
    expect([...(concatStorage('i32', [a, c], -2) as Int32Array)]).toEqual([1, 2, 3, 4, 7, 8]);
    const i4 = concatStorage('i4', [{ data: packInt4([1, 2]), shape: [2] }, { data: packInt4([-3, -4]), shape: [2] }], 0);
    expect([...unpackInt4(i4 as Uint8Array, 4)]).toEqual([1, 2, -3, -4]);
    const u64 = concatStorage('u64', [{ data: new BigUint64Array([1n]), shape: [1, 1] }, { data: new BigUint64Array([2n ** 64n - 1n]), shape: [1, 1] }], 1);
    expect([...(u64 as BigUint64Array)]).toEqual([1n, 2n ** 64n - 1n]);
  });

  it('the kernel takes every operand', () => {
    const parts = [tensor([1], 'i8', new Int8Array([1])), tensor([2], 'i8', new Int8Array([2, 3])), tensor([0], 'i8', new Int8Array(0))];
    const out = runKernel(concatKernel, 'prim.concat', parts, { axis: intAttr(0) }, new TensorType([3], 'i8'));
    expect([...out.data]).toEqual([1, 2, 3]);
  });
});

describe('prim.iota', () => {
  it('converts the index as an exact integer', () => {
    const i8 = iotaStorage('i8', 131) as Int8Array;
    expect([i8[0], i8[127], i8[128], i8[130]]).toEqual([0, 127, -128, -126]);
    expect([...unpackInt4(iotaStorage('i4', 10) as Uint8Array, 10)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, -8, -7]);
    expect([...(iotaStorage('u64', 3) as BigUint64Array)]).toEqual([0n, 1n, 2n]);
    const f16 = iotaStorage('f16', 2051) as Uint16Array;
    expect([f16[1], f16[2049], f16[2050]]).toEqual([0x3c00, 0x6800, 0x6801]); // 2049 ties to 2048
    const bf16 = iotaStorage('bf16', 258) as Uint16Array;
    expect([bf16[257]]).toEqual([0x4380]); // 257 ties to 256
  });

  it('the kernel reads the result type', () => {
    const out = runKernel(iotaKernel, 'prim.iota', [], { shape: intsAttr([2, 2]), dtype: dtypeAttr('f32') }, new TensorType([2, 2], 'f32'));
    expect([...out.data]).toEqual([0, 1, 2, 3]);
  });
});
