import { describe, expect, it } from 'vitest';
import { clampElements, clampKernel } from '../../../../src/backends/cpu/kernels/clamp.ts';
import { floatAttr, intAttr } from '../../../../src/ir/attr.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { packInt4, unpackInt4 } from '../../../../src/numerics/int4.ts';
import { bitsOfF32, f32FromBitsArray, runKernel, tensor } from './prim-harness.ts';

describe('prim.clamp', () => {
  it('passes NaN with its bits and keeps in-range values exactly', () => {
    const x = f32FromBitsArray([0xffc00123, 0xc3000000 /* -128 */, 0x43800000 /* 256 */, 0x3f800000, 0x80000000]);
    expect(bitsOfF32(clampElements('f32', x, 5, -128, 127))).toEqual([0xffc00123, 0xc3000000, 0x42fe0000, 0x3f800000, 0x80000000]);
  });

  it('rounds float bounds once to the dtype', () => {
    // 0.1 in f16 is 0x2E66; 0.05 (0x2A66) is below it and becomes the bound's bits.
    expect([...(clampElements('f16', new Uint16Array([0x2a66, 0x3c00]), 2, 0.1, 0.5) as Uint16Array)]).toEqual([0x2e66, 0x3800]);
    // bf16: 1.0039062509313226 rounds straight to 0x3F81 (through f32 it would be 1.0).
    expect([...(clampElements('bf16', new Uint16Array([0x3f80]), 1, 1.0039062509313226, 2) as Uint16Array)]).toEqual([0x3f81]);
  });

  it('clamps integers, i4 and 64-bit', () => {
    expect([...(clampElements('i8', new Int8Array([-128, 5, 127]), 3, -100, 100) as Int8Array)]).toEqual([-100, 5, 100]);
    expect([...unpackInt4(clampElements('i4', packInt4([-8, 7, 0, -3]), 4, -2, 3) as Uint8Array, 4)]).toEqual([-2, 3, 0, -2]);
    const big = clampElements('u64', new BigUint64Array([0n, 2n ** 64n - 1n]), 2, 10n ** 10n, 2n ** 60n);
    expect([...(big as BigUint64Array)]).toEqual([10n ** 10n, 2n ** 60n]);
    expect([...(clampElements('i64', new BigInt64Array([-5n, 5n]), 2, -1, 1) as BigInt64Array)]).toEqual([-1n, 1n]);
  });

  it('reads min and max from the node', () => {
    const x = tensor([3], 'f32', new Float32Array([-300, 1.5, 300]));
    const out = runKernel(clampKernel, 'prim.clamp', [x], { min: floatAttr(-128), max: floatAttr(127) }, new TensorType([3], 'f32'));
    expect([...out.data]).toEqual([-128, 1.5, 127]);
    const xi = tensor([2], 'i32', new Int32Array([-9, 9]));
    const outI = runKernel(clampKernel, 'prim.clamp', [xi], { min: intAttr(-8), max: intAttr(7) }, new TensorType([2], 'i32'));
    expect([...outI.data]).toEqual([-8, 7]);
  });
});
