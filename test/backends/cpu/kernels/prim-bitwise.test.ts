import { describe, expect, it } from 'vitest';
import { andKernel, bitwiseElementwise, orKernel, shlKernel, shrKernel, xorKernel } from '../../../../src/backends/cpu/kernels/bitwise.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { packInt4, unpackInt4 } from '../../../../src/numerics/int4.ts';
import { runKernel, tensor } from './prim-harness.ts';

const i8 = (...v: number[]) => new Int8Array(v);

describe('and, or, xor', () => {
  it('act on two’s complement bits', () => {
    expect([...(bitwiseElementwise('and', 'i8', i8(-1, -128, 0x5a), [3], i8(0x0f, -1, 0x0f), [3], [3]) as Int8Array)]).toEqual([15, -128, 10]);
    expect([...(bitwiseElementwise('or', 'u8', new Uint8Array([0xf0]), [1], new Uint8Array([0x0f]), [1], [1]) as Uint8Array)]).toEqual([255]);
    expect([...(bitwiseElementwise('xor', 'i32', new Int32Array([-1]), [1], new Int32Array([0x7fffffff]), [1], [1]) as Int32Array)]).toEqual([
      -2147483648,
    ]);
    // -8192 = 0xFFFFE000 clears the low 13 bits (the trans_quant_param mask).
    expect([...(bitwiseElementwise('and', 'i32', new Int32Array([0x3f801fff]), [1], new Int32Array([-8192]), [1], [1]) as Int32Array)]).toEqual([
      0x3f800000,
    ]);
  });

  it('i1 is logical, i4 and 64-bit keep their width', () => {
    const t = new Uint8Array([0, 0, 1, 1]);
    const u = new Uint8Array([0, 1, 0, 1]);
    expect([...(bitwiseElementwise('and', 'i1', t, [4], u, [4], [4]) as Uint8Array)]).toEqual([0, 0, 0, 1]);
    expect([...(bitwiseElementwise('or', 'i1', t, [4], u, [4], [4]) as Uint8Array)]).toEqual([0, 1, 1, 1]);
    expect([...(bitwiseElementwise('xor', 'i1', t, [4], u, [4], [4]) as Uint8Array)]).toEqual([0, 1, 1, 0]);
    expect([...unpackInt4(bitwiseElementwise('xor', 'i4', packInt4([7, -8]), [2], packInt4([-1, -1]), [2], [2]) as Uint8Array, 2)]).toEqual([-8, 7]);
    const u64 = bitwiseElementwise('and', 'u64', new BigUint64Array([2n ** 64n - 1n]), [1], new BigUint64Array([0xffffe000n]), [1], [1]);
    expect([...(u64 as BigUint64Array)]).toEqual([0xffffe000n]);
    const or = bitwiseElementwise('or', 'i64', new BigInt64Array([1n << 46n]), [1], new BigInt64Array([-(2n ** 63n)]), [1], [1]);
    expect([...(or as BigInt64Array)]).toEqual([-(2n ** 63n) + (1n << 46n)]);
  });
});

describe('shl, shr', () => {
  it('i8: counts below 0 or >= 8 act as 8', () => {
    const x = i8(1, 1, 1, 3, -128, -128, -1, 100, 100);
    const s = i8(7, 8, -1, 6, 1, 8, 100, -3, 7);
    expect([...(bitwiseElementwise('shl', 'i8', x, [9], s, [9], [9]) as Int8Array)]).toEqual([-128, 0, 0, -64, 0, 0, 0, 0, 0]);
    expect([...(bitwiseElementwise('shr', 'i8', x, [9], s, [9], [9]) as Int8Array)]).toEqual([0, 0, 0, 0, -64, -1, -1, 0, 0]);
  });

  it('u8 shifts are logical', () => {
    const out = bitwiseElementwise('shr', 'u8', new Uint8Array([255, 255, 128]), [3], new Uint8Array([1, 8, 7]), [3], [3]);
    expect([...(out as Uint8Array)]).toEqual([127, 0, 1]);
    const l = bitwiseElementwise('shl', 'u8', new Uint8Array([255]), [1], new Uint8Array([4]), [1], [1]);
    expect([...(l as Uint8Array)]).toEqual([0xf0]);
  });

  it('i32 at and beyond the width', () => {
    const x = new Int32Array([1, 1, -8, -8, 0x40000000, -2147483648]);
    const s = new Int32Array([31, 32, 40, -5, 1, 31]);
    expect([...(bitwiseElementwise('shl', 'i32', x, [6], s, [6], [6]) as Int32Array)]).toEqual([-2147483648, 0, 0, 0, -2147483648, 0]);
    expect([...(bitwiseElementwise('shr', 'i32', x, [6], s, [6], [6]) as Int32Array)]).toEqual([0, 0, -1, -1, 0x20000000, -1]);
  });

  it('i4 shifts within 4 bits', () => {
    const x = packInt4([1, -8, -8, 7]);
    const s = packInt4([3, 1, 4, 2]);
    expect([...unpackInt4(bitwiseElementwise('shl', 'i4', x, [4], s, [4], [4]) as Uint8Array, 4)]).toEqual([-8, 0, 0, -4]);
    expect([...unpackInt4(bitwiseElementwise('shr', 'i4', x, [4], s, [4], [4]) as Uint8Array, 4)]).toEqual([0, -4, -1, 1]);
  });

  it('i64 and u64', () => {
    const x = new BigInt64Array([1n, -(2n ** 63n), -(2n ** 63n), 5n]);
    const s = new BigInt64Array([63n, 64n, 62n, -1n]);
    expect([...(bitwiseElementwise('shl', 'i64', x, [4], s, [4], [4]) as BigInt64Array)]).toEqual([-(2n ** 63n), 0n, 0n, 0n]);
    expect([...(bitwiseElementwise('shr', 'i64', x, [4], s, [4], [4]) as BigInt64Array)]).toEqual([0n, -1n, -2n, 0n]);
    const u = new BigUint64Array([2n ** 64n - 1n, 2n ** 64n - 1n]);
    const us = new BigUint64Array([63n, 64n]);
    expect([...(bitwiseElementwise('shr', 'u64', u, [2], us, [2], [2]) as BigUint64Array)]).toEqual([1n, 0n]);
    expect([...(bitwiseElementwise('shl', 'u64', new BigUint64Array([0x1ffn]), [1], new BigUint64Array([37n]), [1], [1]) as BigUint64Array)]).toEqual([
      0x1ffn << 37n,
    ]);
  });

  it('broadcasts the count', () => {
    const out = bitwiseElementwise('shr', 'i32', new Int32Array([0x3f800000, -0x40800000]), [2], new Int32Array([23]), [], [2]);
    expect([...(out as Int32Array)]).toEqual([0x7f, -0x81]);
  });
});

describe('kernel wrappers', () => {
  it('dispatch each op', () => {
    const a = tensor([2], 'i32', new Int32Array([12, -16]));
    const b = tensor([2], 'i32', new Int32Array([10, 2]));
    const type = new TensorType([2], 'i32');
    expect([...runKernel(andKernel, 'prim.and', [a, b], {}, type).data]).toEqual([8, 0]);
    expect([...runKernel(orKernel, 'prim.or', [a, b], {}, type).data]).toEqual([14, -14]);
    expect([...runKernel(xorKernel, 'prim.xor', [a, b], {}, type).data]).toEqual([6, -14]);
    expect([...runKernel(shlKernel, 'prim.shl', [a, b], {}, type).data]).toEqual([12288, -64]);
    expect([...runKernel(shrKernel, 'prim.shr', [a, b], {}, type).data]).toEqual([0, -4]);
  });
});
