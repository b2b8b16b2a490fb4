import { describe, expect, it } from 'vitest';
import { convertWeightToInt4PackKernel } from '../../../../src/backends/cpu/kernels/convert-weight-to-int4-pack.ts';
import type { DType } from '../../../../src/ir/dtype.ts';
import { ND, nz, type Layout } from '../../../../src/ir/layout.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { runRanks, tensor } from './npu-harness.ts';

async function pack(shape: [number, number], w: number[], dtype: DType, layout: Layout = ND) {
  const outShape = dtype === 'i32' ? [shape[0], shape[1] / 8] : shape;
  const { outputs, warnings } = await runRanks(convertWeightToInt4PackKernel, 'npu.convert_weight_to_int4_pack', [[tensor(shape, 'i32', new Int32Array(w))]], {}, [new TensorType(outShape, dtype, layout)], 'w4');
  return { out: outputs[0]![0]!, warnings: warnings[0]! };
}

// convert_weight_to_int4pack.md §4
const W = [1, -1, 7, -8, 0, 2, -3, 4, 5, 6, -7, 3, -2, -1, 0, 1];

describe('npu.convert_weight_to_int4_pack, §4 worked example', () => {
  it('ND int4: 8 bytes F1 87 20 4D 65 39 FE 10', async () => {
    const { out, warnings } = await pack([2, 8], W, 'i4');
    expect([...out.data]).toEqual([0xf1, 0x87, 0x20, 0x4d, 0x65, 0x39, 0xfe, 0x10]);
    expect(out.type.toString()).toBe('tensor<2x8xi4>');
    expect(warnings).toEqual([]);
  });

  it('ND int32: [[0x4D2087F1], [0x10FE3965]]', async () => {
    const { out } = await pack([2, 8], W, 'i32');
    expect([...out.data]).toEqual([1293977585, 285096293]);
  });

  it('NZ int32 (c0 8): 128 words, row i of the fractal at 8·i', async () => {
    const { out } = await pack([2, 8], W, 'i32', nz(8));
    const expected = new Array<number>(128).fill(0);
    expected[0] = 1293977585;
    expected[8] = 285096293;
    expect([...out.data]).toEqual(expected);
  });

  it('NZ int4 (c0 64): the same 512 bytes', async () => {
    const { out } = await pack([2, 8], W, 'i4', nz(64));
    const words = (await pack([2, 8], W, 'i32', nz(8))).out.data as Int32Array;
    expect(out.data.length).toBe(512);
    expect([...out.data]).toEqual([...new Uint8Array(words.buffer)]);
  });
});

describe('npu.convert_weight_to_int4_pack, masking and its warning (rule 9, ir.md §8.3)', () => {
  it('keeps the low 4 bits and warns once with the count, first index and value', async () => {
    const w = [0, 1, 2, 3, 4, 100, 6, 7, 8, -9, 0, 0, 0, 0, 0, 0];
    const { out, warnings } = await pack([2, 8], w, 'i4');
    // 100 -> 0x4, 8 -> 0x8 (reads back as -8), -9 -> 0x7
    expect([...out.data]).toEqual([0x10, 0x32, 0x44, 0x76, 0x78, 0x00, 0x00, 0x00]);
    expect(warnings).toEqual([
      {
        rule: 'convert_weight_to_int4pack.9',
        message: 'npu.convert_weight_to_int4_pack %w4: [convert_weight_to_int4pack.9] weight values must lie in [-8, 7] and are masked to their low 4 bits (3 elements), got 100 at [0, 5]',
      },
    ]);
  });

  it('NZ padding is zero (17 x 70 int4: storage 2 x 2 x 16 x 64)', async () => {
    const w = Array.from({ length: 17 * 70 }, (_, e) => (e % 15) - 7);
    const { out } = await pack([17, 70], w, 'i4', nz(64));
    const bytes = out.data as Uint8Array;
    expect(bytes.length).toBe((2 * 2 * 16 * 64) / 2);
    // Element (i, j) at nz_index = (j div 64)·(2·16·64) + i·64 + j mod 64, two per byte.
    const nib = (e: number) => (bytes[e >> 1]! >> ((e & 1) * 4)) & 0xf;
    const covered = new Set<number>();
    for (let i = 0; i < 17; i++)
      for (let j = 0; j < 70; j++) {
        const at = Math.floor(j / 64) * 2048 + i * 64 + (j % 64);
        covered.add(at);
        expect(nib(at)).toBe(w[i * 70 + j]! & 0xf);
      }
    for (let e = 0; e < 4096; e++) if (!covered.has(e)) expect(nib(e)).toBe(0);
  });
});
