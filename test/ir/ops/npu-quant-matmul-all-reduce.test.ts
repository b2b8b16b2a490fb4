import { describe, expect, it } from 'vitest';
import type { DType } from '../../../src/ir/dtype.ts';
import { nz } from '../../../src/ir/layout.ts';
import { opDef } from '../../../src/ir/ops/registry.ts';
import { expectRule, graph, T } from './npu-rule.ts';

const S = 'npu.quant_matmul_all_reduce %out';

/** x1 [4, 32] · x2 [32, 16] with a per-channel scale of the given dtype. */
function setup(scaleDtype: DType = 'i64', worldSize = 1) {
  const { b, p } = graph(worldSize);
  return { b, p, x1: p([4, 32], 'i8'), x2: p([32, 16], 'i8'), ds: p([16], scaleDtype) };
}

describe('npu.quant_matmul_all_reduce types', () => {
  it('out is x1.shape[:-1] + [n], n from x2 and transpose_x2', () => {
    const { b, p } = graph(2);
    const out = b.npu.quantMatmulAllReduce(p([2, 3, 40], 'i8'), p([40, 24], 'i8', nz(32)), p([24], 'u64'), { outDtype: 'f16' });
    expect(out.type).toEqual(T([2, 3, 24], 'f16'));
    expect(out.hint).toBe('out');
    const tr = b.npu.quantMatmulAllReduce(p([5, 48], 'i8'), p([20, 48], 'i8'), p([1, 20], 'bf16'), { outDtype: 'bf16', transposeX2: true, pertokenScale: p([5], 'f32') });
    expect(tr.type).toEqual(T([5, 20], 'bf16'));
  });

  it('prefers an NZ x2', () => {
    expect(opDef('npu.quant_matmul_all_reduce').prefersNz).toEqual([1]);
  });
});

describe('npu.quant_matmul_all_reduce rules', () => {
  it('[quant_matmul_all_reduce.1] x1, x2 and dequant_scale are required', () => {
    const { b, x1, ds } = setup();
    expectRule(() => b.create('npu.quant_matmul_all_reduce', [x1, null, ds], { out_dtype: 'f16' }, { hints: ['out'] }), `${S}: [quant_matmul_all_reduce.1] operand x2 is required, got none`);
  });

  it('[quant_matmul_all_reduce.2] operand and output dtypes', () => {
    const { b, p, x1, x2, ds } = setup();
    const f16 = { outDtype: 'f16' } as const;
    const R = `${S}: [quant_matmul_all_reduce.2]`;
    expectRule(() => b.npu.quantMatmulAllReduce(p([4, 32], 'u8'), x2, ds, f16), `${R} x1 must be i8, got u8`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, p([32, 16], 'i32'), ds, f16), `${R} x2 must be i8, got i32`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, p([16], 'i32'), f16), `${R} dequant_scale must be u64, i64, bf16 or f32, got i32`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, ds, { outDtype: 'f32' }), `${R} out_dtype must be f16 or bf16, got f32`);
    const bf16Out = [T([4, 16], 'bf16')];
    expectRule(() => b.create('npu.quant_matmul_all_reduce', [x1, x2, ds], { out_dtype: 'f16' }, { results: bf16Out, hints: ['out'] }), `${R} result out must have dtype f16 (out_dtype), got bf16`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, ds, { ...f16, bias: p([16], 'i64') }), `${R} bias must be i32, got i64`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, ds, { ...f16, x3: p([4, 16], 'bf16') }), `${R} x3 must have dtype f16 (out_dtype), got bf16`);
    const f32Scale = p([16], 'f32');
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, f32Scale, { ...f16, pertokenScale: p([4], 'f16') }), `${R} pertoken_scale must be f32, got f16`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, f32Scale, { outDtype: 'bf16' }), `${R} dequant_scale must be bf16 for a bf16 output, got f32`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, ds, { ...f16, pertokenScale: p([4], 'f32') }), `${R} dequant_scale must be f32 for an f16 output with pertoken_scale, got i64`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, f32Scale, f16), `${R} dequant_scale must be u64 or i64 for an f16 output without pertoken_scale, got f32`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, p([16], 'bf16'), f16), `${R} dequant_scale must be u64 or i64 for an f16 output without pertoken_scale, got bf16`);
  });

  it('[quant_matmul_all_reduce.3] reduce_op and group', () => {
    const { b, x1, x2, ds } = setup();
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, ds, { outDtype: 'f16', reduceOp: 'max' }), `${S}: [quant_matmul_all_reduce.3] reduce_op must be "sum", got "max"`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, ds, { outDtype: 'f16', group: 'tp' }), `${S}: [quant_matmul_all_reduce.3] group must be "world" (all ranks of the graph), got "tp"`);
  });

  it('[quant_matmul_all_reduce.4] x1 rank 2 or 3, x2 rank 2', () => {
    const { b, p, x1, x2, ds } = setup();
    expectRule(() => b.npu.quantMatmulAllReduce(p([1, 2, 2, 32], 'i8'), x2, ds, { outDtype: 'f16' }), `${S}: [quant_matmul_all_reduce.4] x1 must have rank 2 or 3, got 4`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, p([1, 32, 16], 'i8'), ds, { outDtype: 'f16' }), `${S}: [quant_matmul_all_reduce.4] x2 must have rank 2, got 3`);
  });

  it('[quant_matmul_all_reduce.5] k, output, bias, x3, dequant_scale and pertoken shapes', () => {
    const { b, p, x1, x2, ds } = setup();
    const f16 = { outDtype: 'f16' } as const;
    const R = `${S}: [quant_matmul_all_reduce.5]`;
    expectRule(() => b.npu.quantMatmulAllReduce(x1, p([31, 16], 'i8'), ds, f16), `${R} x1.shape[-1] must equal k = 31 (x2.shape[0]), got 32`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, p([16, 31], 'i8'), ds, { ...f16, transposeX2: true }), `${R} x1.shape[-1] must equal k = 31 (x2.shape[1]), got 32`);
    const wrongOut = [T([4, 8], 'f16')];
    expectRule(() => b.create('npu.quant_matmul_all_reduce', [x1, x2, ds], { out_dtype: 'f16' }, { results: wrongOut, hints: ['out'] }), `${R} result out must have shape [4, 16] (x1.shape[:-1] + [n]), got [4, 8]`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, ds, { ...f16, bias: p([17], 'i32') }), `${R} bias must have shape [16] ([n]), got [17]`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, ds, { ...f16, x3: p([4, 8], 'f16') }), `${R} x3 must have shape [4, 16] (the output shape), got [4, 8]`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, p([1, 1], 'i64'), f16), `${R} dequant_scale must have shape [1], [16] or [1, 16], got [1, 1]`);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, p([2, 16], 'i64'), f16), `${R} dequant_scale must have shape [1], [16] or [1, 16], got [2, 16]`);
    const f32Scale = p([16], 'f32');
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, f32Scale, { ...f16, pertokenScale: p([5], 'f32') }), `${R} pertoken_scale must have shape [4] ([M]), got [5]`);
    // M counts every row of a 3-D x1.
    const x13 = p([2, 3, 32], 'i8');
    expectRule(() => b.npu.quantMatmulAllReduce(x13, x2, f32Scale, { ...f16, pertokenScale: p([3], 'f32') }), `${R} pertoken_scale must have shape [6] ([M]), got [3]`);
  });

  it('[quant_matmul_all_reduce.6] M, k and the stored last dimension of x2', () => {
    const { b, p } = graph();
    const R = `${S}: [quant_matmul_all_reduce.6]`;
    const one = p([1], 'i64');
    expectRule(() => b.npu.quantMatmulAllReduce(p([65536, 32768, 1], 'i8'), p([1, 1], 'i8'), one, { outDtype: 'f16' }), `${R} M = prod(x1.shape[:-1]) must be <= 2147483647, got 2147483648`);
    expectRule(() => b.npu.quantMatmulAllReduce(p([1, 65536], 'i8'), p([65536, 1], 'i8'), one, { outDtype: 'f16' }), `${R} k must be <= 65535, got 65536`);
    expectRule(
      () => b.npu.quantMatmulAllReduce(p([1, 1], 'i8'), p([1, 65536], 'i8'), one, { outDtype: 'f16' }),
      `${R} n (the last dimension of the stored x2) must be <= 65535 unless transpose_x2, got 65536`,
    );
    // Transposed, x2 is stored [n, k]: n may exceed 65535.
    expect(b.npu.quantMatmulAllReduce(p([1, 1], 'i8'), p([65536, 1], 'i8'), one, { outDtype: 'f16', transposeX2: true }).type.shape).toEqual([1, 65536]);
  });

  it('[quant_matmul_all_reduce.7] x1 and x2 are not empty', () => {
    const { b, p } = graph();
    const one = p([1], 'i64');
    expectRule(() => b.npu.quantMatmulAllReduce(p([0, 32], 'i8'), p([32, 16], 'i8'), one, { outDtype: 'f16' }), `${S}: [quant_matmul_all_reduce.7] x1 must not be empty, got [0, 32]`);
    expectRule(() => b.npu.quantMatmulAllReduce(p([4, 32], 'i8'), p([32, 0], 'i8'), one, { outDtype: 'f16' }), `${S}: [quant_matmul_all_reduce.7] x2 must not be empty, got [32, 0]`);
  });

  it('[quant_matmul_all_reduce.8] x1 and the other operands are ND; x2 may be NZ', () => {
    const { b, p, x2, ds } = setup();
    const R = `${S}: [quant_matmul_all_reduce.8]`;
    expectRule(() => b.npu.quantMatmulAllReduce(p([4, 32], 'i8', nz(32)), x2, ds, { outDtype: 'f16' }), `${R} x1 must be #nd, got #nz<c0=32>`);
    const x1 = p([4, 32], 'i8');
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, ds, { outDtype: 'f16', x3: p([4, 16], 'f16', nz(16)) }), `${R} x3 must be #nd, got #nz<c0=16>`);
    const nzOut = [T([4, 16], 'f16', nz(16))];
    expectRule(() => b.create('npu.quant_matmul_all_reduce', [x1, x2, ds], { out_dtype: 'f16' }, { results: nzOut, hints: ['out'] }), `${R} result out must be #nd, got #nz<c0=16>`);
    expect(() => b.npu.quantMatmulAllReduce(x1, p([32, 16], 'i8', nz(32)), ds, { outDtype: 'f16' })).not.toThrow();
  });

  it('[quant_matmul_all_reduce.9] world size 1, 2, 4 or 8', () => {
    for (const w of [1, 2, 4, 8]) {
      const { b, x1, x2, ds } = setup('i64', w);
      expect(() => b.npu.quantMatmulAllReduce(x1, x2, ds, { outDtype: 'f16' })).not.toThrow();
    }
    const { b, x1, x2, ds } = setup('i64', 3);
    expectRule(() => b.npu.quantMatmulAllReduce(x1, x2, ds, { outDtype: 'f16' }), `${S}: [quant_matmul_all_reduce.9] world_size must be 1, 2, 4 or 8, got 3`);
  });
});
