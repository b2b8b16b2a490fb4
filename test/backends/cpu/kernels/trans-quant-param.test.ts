import { describe, expect, it } from 'vitest';
import { encodeScaleBits, transQuantParamKernel } from '../../../../src/backends/cpu/kernels/trans-quant-param.ts';
import { TensorType } from '../../../../src/ir/types.ts';
import { f32FromBits } from '../../../../src/numerics/float.ts';
import { runOne, tensor } from './npu-harness.ts';

async function tqp(scale: number[], offset: number[] | null, opts: { roundMode?: number; out?: 'u64' | 'i64'; shape?: number[]; offsetShape?: number[] } = {}): Promise<bigint[]> {
  const len = Math.max(scale.length, offset?.length ?? 0);
  const shape = opts.shape ?? [scale.length];
  const outShape = shape.length === 2 ? shape : [len];
  const inputs = [tensor(shape, 'f32', new Float32Array(scale)), offset ? tensor(opts.offsetShape ?? [offset.length], 'f32', new Float32Array(offset)) : null];
  const [out] = await runOne(transQuantParamKernel, 'npu.trans_quant_param', inputs, { round_mode: opts.roundMode ?? 0 }, [new TensorType(outShape, opts.out ?? 'i64')]);
  return [...(out!.data as BigInt64Array)];
}

describe('npu.trans_quant_param, quant_matmul_all_reduce.md §3 examples', () => {
  it('encodes scales with bit 46 set, truncating the low 13 bits', async () => {
    expect(await tqp([0.1], null)).toEqual([70369781006336n]);
    expect(await tqp([0.1, 1 / 3, 2.5], null)).toEqual([0x00004000_3dccc000n, 0x00004000_3eaaa000n, 0x00004000_40200000n]);
    expect(f32FromBits(0x3dccc000)).toBe(0.0999755859375);
  });

  it('round_mode 1 rounds half to even to fp19', async () => {
    expect(await tqp([0.7], null)).toEqual([0x00004000_3f332000n]);
    expect(await tqp([0.7], null, { roundMode: 1 })).toEqual([0x00004000_3f334000n]);
  });

  it('offsets: clamp(rne(o), -256, 255) in bits 37..45', async () => {
    expect(await tqp([0.1], [-3])).toEqual([0x00007fa0_3dccc000n]);
    // 2.5 -> 2 (ties to even), 300 -> 255, -1000 -> -256 (0x100), NaN -> 0
    expect(await tqp([0.1], [2.5, 300, -1000, NaN])).toEqual([
      0x00004000_3dccc000n | (2n << 37n),
      0x00004000_3dccc000n | (255n << 37n),
      0x00004000_3dccc000n | (0x100n << 37n),
      0x00004000_3dccc000n,
    ]);
  });

  it('a one-element side broadcasts; a 2-D scale keeps its shape; u64 has the same bits', async () => {
    expect(await tqp([0.5, 2.5], [1])).toEqual([0x00004000_3f000000n | (1n << 37n), 0x00004000_40200000n | (1n << 37n)]);
    expect(await tqp([1, 2], null, { shape: [1, 2] })).toEqual([0x00004000_3f800000n, 0x00004000_40000000n]);
    const negative = await tqp([-0.1], [-1], { out: 'u64' });
    expect(negative).toEqual([0x00007fe0_bdccc000n]);
  });
});

describe('encodeScaleBits edges (§3)', () => {
  it('round_mode 1: carries into the exponent, up to Inf', () => {
    expect(encodeScaleBits(0x3f7ff000, 1)).toBe(0x3f800000);
    expect(encodeScaleBits(0x3f801000, 1)).toBe(0x3f800000); // tie, even stays
    expect(encodeScaleBits(0x3f803000, 1)).toBe(0x3f804000); // tie, odd rounds up
    expect(encodeScaleBits(0x7f7ff000, 1)).toBe(0x7f800000);
    expect(encodeScaleBits(0xff7fffff, 1)).toBe(0xff800000);
  });

  it('round_mode 1: subnormals flush to signed zero, Inf/NaN are truncated', () => {
    expect(encodeScaleBits(0x00400000, 1)).toBe(0x00000000);
    expect(encodeScaleBits(0x80400000, 1)).toBe(0x80000000);
    expect(encodeScaleBits(0x7f800001, 1)).toBe(0x7f800000);
    expect(encodeScaleBits(0x7fc01fff, 1)).toBe(0x7fc00000);
  });

  it('round_mode 0 truncates every pattern', () => {
    expect(encodeScaleBits(0x7f800001, 0)).toBe(0x7f800000);
    expect(encodeScaleBits(0x80401fff, 0)).toBe(0x80400000);
    expect(encodeScaleBits(0x3f7fffff, 0)).toBe(0x3f7fe000);
  });
});

describe('the kernel reads scales as bits', () => {
  it('a signalling NaN whose payload lies in the low 13 bits becomes Inf, in both modes', async () => {
    // Read as a JS number, 0x7F800001 comes back quieted (0x7FC00001) and would encode as a NaN.
    const scale = new Float32Array(new Uint32Array([0x7f800001, 0xff801fff, 0x7fa00001]).buffer);
    for (const roundMode of [0, 1]) {
      const [out] = await runOne(transQuantParamKernel, 'npu.trans_quant_param', [tensor([3], 'f32', scale), null], { round_mode: roundMode }, [new TensorType([3], 'u64')]);
      expect([...(out!.data as BigUint64Array)]).toEqual([0x00004000_7f800000n, 0x00004000_ff800000n, 0x00004000_7fa00000n]);
    }
  });
});
