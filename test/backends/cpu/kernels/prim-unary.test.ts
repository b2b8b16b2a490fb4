import { describe, expect, it } from 'vitest';
import { absKernel, negKernel, reciprocalKernel, roundKernel, unaryElementwise } from '../../../../src/backends/cpu/kernels/unary.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { bitsOfF32, f32FromBitsArray, runKernel, tensor } from './prim-harness.ts';

const u16 = (...v: number[]) => new Uint16Array(v);

describe('abs and neg flip only the sign bit', () => {
  it('keep NaN payloads and produce -0', () => {
    const x = f32FromBitsArray([0xffc00123, 0x00000000, 0xbf800000, 0x7f800001]);
    expect(bitsOfF32(unaryElementwise('abs', 'f32', x, 4))).toEqual([0x7fc00123, 0, 0x3f800000, 0x7f800001]);
    expect(bitsOfF32(unaryElementwise('neg', 'f32', x, 4))).toEqual([0x7fc00123, 0x80000000, 0x3f800000, 0xff800001]);
    expect([...(unaryElementwise('abs', 'f16', u16(0xfe01, 0x8000), 2) as Uint16Array)]).toEqual([0x7e01, 0x0000]);
    expect([...(unaryElementwise('neg', 'bf16', u16(0x7fc1, 0x0000), 2) as Uint16Array)]).toEqual([0xffc1, 0x8000]);
  });
});

describe('reciprocal is 1 ÷ x by §6.2', () => {
  it('f32, f16, bf16 with zeros and NaN', () => {
    const x = new Float32Array([3, 0, -0, NaN, Infinity]);
    expect(bitsOfF32(unaryElementwise('reciprocal', 'f32', x, 5))).toEqual([
      0x3eaaaaab, // f32(1/3)
      0x7f800000,
      0xff800000,
      0x7fc00000,
      0,
    ]);
    expect([...(unaryElementwise('reciprocal', 'f16', u16(0x4200, 0x7e55, 0x0001), 3) as Uint16Array)]).toEqual([0x3555, 0x7e00, 0x7c00]);
    // bf16 1/3: f32 0x3EAAAAAB rounds to 0x3EAB.
    expect([...(unaryElementwise('reciprocal', 'bf16', u16(0x4040), 1) as Uint16Array)]).toEqual([0x3eab]);
  });
});

describe('round: half to even, zeros keep the sign', () => {
  it('f32', () => {
    const x = new Float32Array([0.5, 1.5, 2.5, -0.5, -2.5, -0.3, 0.49999997, 3.7, -Infinity, 8388609, NaN]);
    const out = unaryElementwise('round', 'f32', x, x.length);
    expect(bitsOfF32(out)).toEqual(bitsOfF32(new Float32Array([0, 2, 2, -0, -2, -0, 0, 4, -Infinity, 8388609, NaN])));
    expect(bitsOfF32(out)[3]).toBe(0x80000000);
    expect(bitsOfF32(out)[5]).toBe(0x80000000);
    expect(bitsOfF32(unaryElementwise('round', 'f32', f32FromBitsArray([0x7f800123]), 1))).toEqual([0x7fc00000]);
  });

  it('f16 and bf16', () => {
    // 2.5 -> 2 (0x4000), -0.5 -> -0, 3.5 -> 4 (0x4400), NaN -> 0x7E00
    expect([...(unaryElementwise('round', 'f16', u16(0x4100, 0xb800, 0x4300, 0x7d00), 4) as Uint16Array)]).toEqual([0x4000, 0x8000, 0x4400, 0x7e00]);
    // bf16 0.5 -> +0, 1.5 -> 2 (0x4000), 0xFFC1 -> 0x7FC0
    expect([...(unaryElementwise('round', 'bf16', u16(0x3f00, 0x3fc0, 0xffc1), 3) as Uint16Array)]).toEqual([0x0000, 0x4000, 0x7fc0]);
  });
});

describe('kernel wrappers', () => {
  it('dispatch each op', () => {
    const x = tensor([2], 'f32', new Float32Array([-2, 0.5]));
    const type = new TensorType([2], 'f32');
    expect([...runKernel(absKernel, 'prim.abs', [x], {}, type).data]).toEqual([2, 0.5]);
    expect([...runKernel(negKernel, 'prim.neg', [x], {}, type).data]).toEqual([2, -0.5]);
    expect([...runKernel(reciprocalKernel, 'prim.reciprocal', [x], {}, type).data]).toEqual([-0.5, 2]);
    expect([...runKernel(roundKernel, 'prim.round', [x], {}, type).data]).toEqual([-2, 0]);
  });
});
