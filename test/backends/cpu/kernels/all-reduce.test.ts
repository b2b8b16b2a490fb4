import { describe, expect, it } from 'vitest';
import { allReduceKernel } from '../../../../src/backends/cpu/kernels/all-reduce.ts';
import type { DType } from '../../../../src/ir/dtype.ts';
import { nz, type Layout, ND } from '../../../../src/ir/layout.ts';
import type { Storage } from '../../../../src/ir/storage.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { bf16FromF64, f16FromF64, f32FromBits } from '../../../../src/numerics/float.ts';
import { runRanks, tensor } from './npu-harness.ts';

async function allReduce(shape: number[], dtype: DType, parts: Storage[], layout: Layout = ND): Promise<unknown[][]> {
  const type = new TensorType(shape, dtype, layout);
  const { outputs } = await runRanks(allReduceKernel, 'comm.all_reduce', parts.map((p) => [tensor(shape, dtype, p, layout)]), {}, [type]);
  return outputs.map((o) => [...o[0]!.data]);
}

describe('comm.all_reduce (ir.md §5.4)', () => {
  it('f16: f32 accumulation in ascending rank order, one final rounding', async () => {
    // 2048 + 1 + 1: f16 at every step would stay 2048; f32 reaches 2050 exactly.
    const parts = [2048, 1, 1].map((v) => new Uint16Array([f16FromF64(v)]));
    const outs = await allReduce([1], 'f16', parts);
    expect(outs).toEqual([[f16FromF64(2050)], [f16FromF64(2050)], [f16FromF64(2050)]]);
  });

  it('f32: the order is ascending rank (2^24 + 1 + 1 loses both ones, 1 + 1 + 2^24 keeps them)', async () => {
    const outs = await allReduce([2], 'f32', [new Float32Array([2 ** 24, 1]), new Float32Array([1, 1]), new Float32Array([1, 2 ** 24])]);
    expect(outs[0]).toEqual([2 ** 24, 2 ** 24 + 2]);
  });

  it('bf16 rounds the f32 sum once, half to even; NaN is canonical', async () => {
    // 1 + 2^-8 is a bf16 tie: even 1.0. 1 + 2^-8 + 2^-9 rounds up.
    const b = (v: number) => new Uint16Array([bf16FromF64(v), bf16FromF64(v)]);
    const outs = await allReduce([2], 'bf16', [b(1), new Uint16Array([bf16FromF64(2 ** -8), 0xffc1]), new Uint16Array([0, 0x3f80])]);
    expect(outs[0]).toEqual([0x3f80, 0x7fc0]);
    const up = await allReduce([1], 'bf16', [b(1).subarray(0, 1), new Uint16Array([bf16FromF64(2 ** -8)]), new Uint16Array([bf16FromF64(2 ** -9)])]);
    expect(up[0]).toEqual([0x3f81]);
    const nan = await allReduce([1], 'f32', [new Float32Array([Infinity]), new Float32Array([-Infinity])]);
    expect(new Uint32Array(new Float32Array(nan[0] as number[]).buffer)[0]).toBe(0x7fc00000);
  });

  it('+0 start: -0 on every rank gives +0', async () => {
    const outs = await allReduce([1], 'f32', [new Float32Array([-0]), new Float32Array([-0])]);
    expect(Object.is(outs[0]![0], 0)).toBe(true);
    expect(f32FromBits(0)).toBe(0);
  });

  it('integers wrap in their dtype', async () => {
    expect((await allReduce([2], 'i8', [new Int8Array([100, -100]), new Int8Array([100, -100])]))[0]).toEqual([-56, 56]);
    expect((await allReduce([1], 'u8', [new Uint8Array([200]), new Uint8Array([100])]))[0]).toEqual([44]);
    expect((await allReduce([1], 'i32', [new Int32Array([2147483647]), new Int32Array([1])]))[0]).toEqual([-2147483648]);
    expect((await allReduce([1], 'u64', [new BigUint64Array([2n ** 64n - 1n]), new BigUint64Array([2n])]))[0]).toEqual([1n]);
    expect((await allReduce([1], 'i64', [new BigInt64Array([2n ** 63n - 1n]), new BigInt64Array([1n])]))[0]).toEqual([-(2n ** 63n)]);
  });

  it('NZ operands are summed over their storage, padding stays zero', async () => {
    const a = new Int8Array(16 * 32);
    const b = new Int8Array(16 * 32);
    a[0] = 3;
    b[0] = 4;
    a[32 + 1] = -1; // element (1, 1)
    const outs = await allReduce([2, 2], 'i8', [a, b], nz(32));
    const expected = new Array<number>(512).fill(0);
    expected[0] = 7;
    expected[33] = -1;
    expect(outs[1]).toEqual(expected);
  });
});
