import { describe, expect, it } from 'vitest';
import { bitcastKernel, bitcastStorage } from '../../../../src/backends/cpu/kernels/bitcast.ts';
import { dtypeAttr } from '../../../../src/ir/attr.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { packInt4, unpackInt4 } from '../../../../src/numerics/int4.ts';
import { runKernel, tensor } from './prim-harness.ts';

describe('prim.bitcast', () => {
  it('i4 [2, 8] -> i32 [2, 1]: element 8q+s in bits 4s..4s+3', () => {
    const x = tensor([2, 8], 'i4', packInt4([1, 2, 3, 4, 5, 6, 7, -8, -1, 0, 0, 0, 0, 0, 0, 0]));
    const out = runKernel(bitcastKernel, 'prim.bitcast', [x], { to: dtypeAttr('i32') }, new TensorType([2, 1], 'i32'));
    expect([...out.data]).toEqual([0x87654321 | 0, 0xf]);
  });

  it('i32 -> i4 is the inverse', () => {
    const out = bitcastStorage(new Int32Array([0x87654321 | 0]), 'i4', 8);
    expect([...unpackInt4(out as Uint8Array, 8)]).toEqual([1, 2, 3, 4, 5, 6, 7, -8]);
  });

  it('u64 [n] -> i32 [2n]: low word first', () => {
    const out = bitcastStorage(new BigUint64Array([0xffffffff_00000002n, 0x00000001_80000000n]), 'i32', 4);
    expect([...(out as Int32Array)]).toEqual([2, -1, -2147483648, 1]);
  });

  it('f32 <-> i32 and f16 <-> bf16 keep every bit', () => {
    expect([...(bitcastStorage(new Float32Array([1, -0]), 'i32', 2) as Int32Array)]).toEqual([0x3f800000, -2147483648]);
    const nan = bitcastStorage(new Int32Array([0x7f800123]), 'f32', 1);
    expect([...new Uint32Array(nan.buffer)]).toEqual([0x7f800123]);
    expect([...(bitcastStorage(new Uint16Array([0x3c00, 0x7e01]), 'bf16', 2) as Uint16Array)]).toEqual([0x3c00, 0x7e01]);
  });

  it('i8 [4] -> i32 [1] reads the bytes little-endian, and reads a view at its offset', () => {
    const backing = new Int8Array([9, 1, 2, 3, -1]);
    const out = bitcastStorage(backing.subarray(1), 'i32', 1);
    expect([...(out as Int32Array)]).toEqual([0xff030201 | 0]);
  });
});
