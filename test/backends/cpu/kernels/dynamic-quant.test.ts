import { describe, expect, it } from 'vitest';
import { dynamicQuantKernel, dynamicQuantRows } from '../../../../src/backends/cpu/kernels/dynamic-quant.ts';
import type { DType } from '../../../../src/ir/dtype.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { BF16_TO_F32, bf16FromF32, bf16FromF64, f16FromF64, f16ToF64, f32FromBits } from '../../../../src/numerics/float.ts';
import { bitsOf, runOne, tensor } from './npu-harness.ts';

const bits32 = (v: Float32Array): number[] => [...new Uint32Array(v.buffer, v.byteOffset, v.length)];

async function dq(shape: number[], xDtype: 'f16' | 'bf16', x: Uint16Array, dst: DType = 'i8', smooth?: Uint16Array) {
  const h = shape[shape.length - 1]!;
  const yShape = dst === 'i32' ? [...shape.slice(0, -1), h / 8] : shape;
  const inputs = [tensor(shape, xDtype, x), smooth ? tensor([h], xDtype, smooth) : null];
  const [y, scale] = await runOne(dynamicQuantKernel, 'npu.dynamic_quant', inputs, { dst_type: dst }, [new TensorType(yShape, dst), new TensorType(shape.slice(0, -1), 'f32')]);
  return { y: y!, scale: scale!.data as Float32Array };
}

describe('npu.dynamic_quant, dynamic_quant.md §5 worked examples', () => {
  it('fp16 (3, 4), int8: scales, half-to-even, an all-zero row', async () => {
    const x = bitsOf([1, -2.5, 0.5, 3, 0, 0, 0, 0, 2.5, -0.5, 3.5, 127], f16FromF64);
    const { y, scale } = await dq([3, 4], 'f16', x);
    expect([...y.data]).toEqual([42, -106, 21, 127, 0, 0, 0, 0, 2, 0, 4, 127]);
    expect(bits32(scale)).toEqual([0x3cc18306, 0, 0x3f800000]);
  });

  it('tiny amax: inv overflows to +Inf, negatives go to -128 (kernel behaviour, §4)', async () => {
    const a = 0x02fe; // bf16 bits of 3.7321946e-37
    const half = bf16FromF32(f32FromBits(a << 16) / 2);
    const { y, scale } = await dq([1, 4], 'bf16', new Uint16Array([a, a | 0x8000, 0, half]));
    expect([...y.data]).toEqual([127, -128, 0, 127]);
    expect(bits32(scale)).toEqual([0x00200000]);
  });

  it('smooth scales multiply in f32 before the maximum', async () => {
    const x = bitsOf([1, -2.5, 0.5, 3], f16FromF64);
    const { y, scale } = await dq([1, 4], 'f16', x, 'i8', bitsOf([2, 0.5, 1, 0.25], f16FromF64));
    expect([...y.data]).toEqual([127, -79, 32, 48]);
    expect(scale[0]).toBe(Math.fround(2 * Math.fround(1 / 127))); // 0.015748031
  });

  it('int4 extension: 8 int4 per i32 word, and packed bytes for i4', async () => {
    const x = bitsOf([1, -2, 3.5, 0.25, -3.5, 0, 2, 1], f16FromF64);
    const w = await dq([1, 8], 'f16', x, 'i32');
    expect([...w.y.data]).toEqual([604571586]); // 0x240907C2
    expect(w.scale[0]).toBe(0.5);
    const b = await dq([1, 8], 'f16', x, 'i4');
    expect([...b.y.data]).toEqual([0xc2, 0x07, 0x09, 0x24]);
  });
});

describe('npu.dynamic_quant edge cases (§3, §4)', () => {
  it('an Inf row gives scale +Inf and y 0; a NaN row gives the canonical NaN and y 0', async () => {
    const x = new Uint16Array([0x7c00, 0x3c00, 0xbc00, 0x4000, 0x3c00, 0x7e01, 0x4000, 0x3c00]);
    const { y, scale } = await dq([2, 4], 'f16', x);
    expect([...y.data]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(bits32(scale)).toEqual([0x7f800000, 0x7fc00000]);
    const s = await dq([1, 4], 'bf16', new Uint16Array([0x3f80, 0xffc1, 0, 0]), 'i8', new Uint16Array([0x3f80, 0x3f80, 0x3f80, 0x3f80]));
    expect(bits32(s.scale)).toEqual([0x7fc00000]);
    expect([...s.y.data]).toEqual([0, 0, 0, 0]);
  });

  it('smoothing that overflows f32 acts as an Inf row', async () => {
    const big = 0x7f00; // bf16 1.7e38
    const { y, scale } = await dq([1, 2], 'bf16', new Uint16Array([big, 0x3f80]), 'i8', new Uint16Array([0x4000, 0x3f80]));
    expect(scale[0]).toBe(Infinity);
    expect([...y.data]).toEqual([0, 0]);
  });

  it('H = 0: scale is all zeros; zero rows: empty results', async () => {
    const { y, scale } = await dq([3, 0], 'f16', new Uint16Array(0));
    expect(y.data.length).toBe(0);
    expect([...scale]).toEqual([0, 0, 0]);
    const e = await dq([0, 5], 'bf16', new Uint16Array(0));
    expect([e.y.data.length, e.scale.length]).toEqual([0, 0]);
  });

  it('rank 3: one scale per row of the leading dims', async () => {
    const x = bitsOf([1, 2, 3, 4, -8, 4, 2, 1, 0.5, 0.5, 0.5, -0.5], f16FromF64);
    const { y, scale } = await dq([3, 1, 4], 'f16', x);
    expect(scale.length).toBe(3);
    expect([...y.data]).toEqual([32, 64, 95, 127, -127, 64, 32, 16, 127, 127, 127, -127]);
  });
});

/** The algorithm of §2 written out plainly (no tables, no word views). */
function reference(x: number[], rows: number, h: number, smooth: number[] | null, qmax: number) {
  const y: number[] = [];
  const scale: number[] = [];
  const rne = (v: number) => {
    const f = Math.floor(v);
    const d = v - f;
    return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  };
  for (let r = 0; r < rows; r++) {
    const v = x.slice(r * h, r * h + h).map((e, j) => (smooth ? Math.fround(e * smooth[j]!) : e));
    let amax = 0;
    for (const e of v) amax = Number.isNaN(amax) || Number.isNaN(e) ? NaN : Math.max(amax, Math.abs(e));
    scale.push(Math.fround(amax * Math.fround(1 / qmax)));
    const inv = Math.fround(qmax / amax);
    for (const e of v) {
      const q = Math.fround(e * inv);
      y.push(Number.isNaN(q) ? 0 : Math.min(qmax, Math.max(-qmax - 1, rne(q))));
    }
  }
  return { y, scale };
}

describe('npu.dynamic_quant against the plain algorithm', () => {
  // Values with a spread of magnitudes; row 1 is all zeros and, for bf16, row 2 has a tiny amax.
  const sample = (n: number, seed: number, round: (v: number) => number, tiny: boolean, h: number) =>
    Array.from({ length: n }, (_, e) => {
      const row = Math.floor(e / h);
      const v = Math.sin(e * 12.9898 + seed) * 10 ** ((e % 7) - 3);
      return row === 1 ? 0 : round(row === 2 && tiny ? v * 3e-41 : v);
    });
  const f16 = { bits: f16FromF64, value: (v: number) => f16ToF64(f16FromF64(v)) };
  const bf16 = { bits: bf16FromF64, value: (v: number) => BF16_TO_F32[bf16FromF64(v)]! };
  for (const [dtype, rows, h, useSmooth, qmax] of [
    ['f16', 5, 64, false, 127], // word-wide path
    ['f16', 4, 30, false, 127], // h % 4 != 0
    ['bf16', 4, 32, false, 127], // word-wide path with a tiny-amax row
    ['bf16', 3, 18, false, 127],
    ['f16', 3, 48, true, 127],
    ['bf16', 3, 40, true, 7],
    ['f16', 6, 16, false, 7],
  ] as const) {
    it(`${dtype}, rows ${rows}, h ${h}, smooth ${useSmooth}, qmax ${qmax}`, () => {
      const conv = dtype === 'f16' ? f16 : bf16;
      const xs = sample(rows * h, rows, conv.value, dtype === 'bf16', h);
      const sm = useSmooth ? Array.from({ length: h }, (_, j) => conv.value(0.25 + (j % 5) * 0.3)) : null;
      const y = new Int8Array(rows * h);
      const scale = new Float32Array(rows);
      dynamicQuantRows(bitsOf(xs, conv.bits), dtype === 'bf16', rows, h, sm ? bitsOf(sm, conv.bits) : null, qmax, y, scale);
      const ref = reference(xs, rows, h, sm, qmax);
      expect([...y]).toEqual(ref.y);
      expect([...scale]).toEqual(ref.scale);
      if (dtype === 'bf16' && qmax === 127) expect(ref.y.slice(2 * h, 3 * h)).toContain(-128); // the tiny row
    });
  }
});
