import { describe, expect, it } from 'vitest';
import { transDataKernel } from '../../../../src/backends/cpu/kernels/trans-data.ts';
import type { DType } from '../../../../src/ir/dtype.ts';
import { ND, nz, type Layout } from '../../../../src/ir/layout.ts';
import { allocStorage, readElement, writeElement, type Tensor } from '../../../../src/ir/storage.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { runOne } from './npu-harness.ts';

async function transData(x: Tensor, to: Layout): Promise<Tensor> {
  return (await runOne(transDataKernel, 'layout.trans_data', [x], {}, [x.type.with({ layout: to })], 'y'))[0]!;
}

/** nz_index of layout.md §2.3, written out here. */
const nzIndex = (m: number, n: number, c0: number, b: number, i: number, j: number) =>
  b * (Math.ceil(n / c0) * Math.ceil(m / 16) * 16 * c0) + Math.floor(j / c0) * (Math.ceil(m / 16) * 16 * c0) + i * c0 + (j % c0);

function ndTensor(shape: number[], dtype: DType): Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  const data = allocStorage(dtype, count);
  for (let e = 0; e < count; e++) writeElement(dtype, data, e, dtype === 'i4' ? (e % 15) - 7 : (e % 200) + 1);
  return { type: new TensorType(shape, dtype), data };
}

describe('layout.trans_data, layout.md §2.8', () => {
  it('int8 (3, 40) -> NZ c0 32: element (2, 35) at 579', async () => {
    const x = ndTensor([3, 40], 'i8');
    const y = await transData(x, nz(32));
    expect(y.type.toString()).toBe('tensor<3x40xi8, #nz<c0=32>>');
    expect(y.data.length).toBe(1024);
    expect(y.data[579]).toBe(x.data[2 * 40 + 35]);
  });

  it('batched int8 (2, 3, 40): 1808 padding zeros; fp16 (20, 20) element (17, 18) at 786', async () => {
    const y = await transData(ndTensor([2, 3, 40], 'i8'), nz(32));
    expect([...y.data].filter((v) => v === 0).length).toBe(1808);
    const h = ndTensor([20, 20], 'f16');
    expect((await transData(h, nz(16))).data[786]).toBe(h.data[17 * 20 + 18]);
  });
});

describe('layout.trans_data for every dtype and legal c0', () => {
  const cases: [DType, number][] = [
    ['f16', 16],
    ['bf16', 16],
    ['i8', 32],
    ['u8', 32],
    ['i4', 64],
    ['f32', 8],
    ['f32', 16],
    ['i32', 8],
    ['i32', 16],
  ];
  for (const [dtype, c0] of cases) {
    it(`${dtype} #nz<c0=${c0}>: ND -> NZ by the index map, back, and same-layout copies`, async () => {
      const shape = [2, 19, 70];
      const x = ndTensor(shape, dtype);
      const z = await transData(x, nz(c0));
      const got: (number | bigint)[] = [];
      const want: (number | bigint)[] = [];
      for (let b = 0; b < 2; b++)
        for (let i = 0; i < 19; i++)
          for (let j = 0; j < 70; j++) {
            got.push(readElement(dtype, z.data, nzIndex(19, 70, c0, b, i, j)));
            want.push(readElement(dtype, x.data, (b * 19 + i) * 70 + j));
          }
      expect(got).toEqual(want);
      const back = await transData(z, ND);
      expect([...back.data]).toEqual([...x.data]);
      const copy = await transData(z, nz(c0));
      expect([...copy.data]).toEqual([...z.data]);
      expect(copy.data).not.toBe(z.data);
      expect([...(await transData(x, ND)).data]).toEqual([...x.data]);
    });
  }

  it('NZ -> ND ignores garbage in the padding', async () => {
    const x = ndTensor([5, 33], 'f16');
    const z = await transData(x, nz(16));
    const poisoned: Tensor = { type: z.type, data: (z.data as Uint16Array).map((v) => (v === 0 ? 0x7e00 : v)) };
    expect([...(await transData(poisoned, ND)).data]).toEqual([...x.data]);
  });

  it('zero-size m or n gives an empty y', async () => {
    expect((await transData({ type: new TensorType([0, 8], 'i8'), data: new Int8Array(0) }, nz(32))).data.length).toBe(0);
    expect((await transData({ type: new TensorType([4, 0], 'f32', nz(8)), data: new Float32Array(0) }, ND)).data.length).toBe(0);
  });
});
