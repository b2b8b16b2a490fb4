import { describe, expect, it } from 'vitest';
import { nz } from '../../../src/ir/layout.ts';
import { expectRule, graph, T } from './npu-rule.ts';

const S = 'npu.quantize %y';

describe('npu.quantize types', () => {
  it('keeps x.shape for i8, u8, i32 and packs i4 8 per i32 word (div_mode = false)', () => {
    const { b, p } = graph();
    const x = p([2, 3, 16], 'f32');
    const s = p([1], 'f32');
    expect(b.npu.quantize(x, s, { dtype: 'u8' }).type).toEqual(T([2, 3, 16], 'u8'));
    expect(b.npu.quantize(x, s, { dtype: 'i32', axis: 2 }).type).toEqual(T([2, 3, 16], 'i32'));
    expect(b.npu.quantize(x, s, { dtype: 'i8', divMode: false }).type).toEqual(T([2, 3, 16], 'i8'));
    const y = b.npu.quantize(x, s, { dtype: 'i4', divMode: false });
    expect(y.type).toEqual(T([2, 3, 2], 'i32'));
    expect(y.hint).toBe('y');
  });

  it('accepts the axis conventions of both modes', () => {
    const { b, p } = graph();
    // div_mode = true: axis -2 of a rank-3 x is dimension 1 (size 3).
    expect(b.npu.quantize(p([2, 3, 4], 'f32'), p([3], 'f32'), { dtype: 'i8', axis: -2 }).type.shape).toEqual([2, 3, 4]);
    // div_mode = false: axis 1 means the last axis (size 12), axis -2 the one before it.
    expect(() => b.npu.quantize(p([3, 4, 12], 'f32'), p([12], 'f32'), { dtype: 'i8', axis: 1, divMode: false })).not.toThrow();
    expect(() => b.npu.quantize(p([3, 4, 12], 'f32'), p([1, 4, 1], 'f32'), { dtype: 'i8', axis: -2, divMode: false })).not.toThrow();
    // f32 x with f16 scales is accepted (quantize.md open question 6).
    expect(() => b.npu.quantize(p([7, 9], 'f32'), p([1], 'f16'), { dtype: 'i8', axis: -1, divMode: false })).not.toThrow();
  });
});

describe('npu.quantize rules, div_mode = true', () => {
  it('[npu_quantize.1] x and scales are required', () => {
    const { b, p } = graph();
    expectRule(() => b.create('npu.quantize', [null, p([1], 'f32')], { dtype: 'i8' }, { hints: ['y'] }), `${S}: [npu_quantize.1] operand x is required, got none`);
    expectRule(() => b.create('npu.quantize', [p([4], 'f32')], { dtype: 'i8' }, { hints: ['y'] }), `${S}: [npu_quantize.1] operand scales is required, got none`);
  });

  it('[npu_quantize.2] ranks, y shape, scale and zero point sizes, axis', () => {
    const { b, p } = graph();
    const x = p([2, 3], 'f32');
    const s3 = p([3], 'f32');
    expectRule(() => b.npu.quantize(p([], 'f32'), p([1], 'f32'), { dtype: 'i8' }), `${S}: [npu_quantize.2] x must have rank 1 to 8, got 0`);
    expectRule(() => b.npu.quantize(p([1, 1, 1, 1, 1, 1, 1, 1, 1], 'f32'), p([1], 'f32'), { dtype: 'i8' }), `${S}: [npu_quantize.2] x must have rank 1 to 8, got 9`);
    expectRule(() => b.create('npu.quantize', [x, s3], { dtype: 'i8' }, { results: [T([2, 4], 'i8')], hints: ['y'] }), `${S}: [npu_quantize.2] result y must have shape [2, 3] (x.shape), got [2, 4]`);
    expectRule(() => b.npu.quantize(x, p([1, 3], 'f32'), { dtype: 'i8' }), `${S}: [npu_quantize.2] scales must have rank 1, got 2`);
    expectRule(() => b.npu.quantize(x, s3, { dtype: 'i8', zeroPoints: p([4], 'i8') }), `${S}: [npu_quantize.2] zero_points must have shape [3] (scales.shape), got [4]`);
    expectRule(() => b.npu.quantize(x, s3, { dtype: 'i8', axis: 2 }), `${S}: [npu_quantize.2] axis must lie in [-2, 2) (scales has 3 elements), got 2`);
    expectRule(() => b.npu.quantize(p([2, 8], 'f32'), p([5], 'f32'), { dtype: 'i8' }), `${S}: [npu_quantize.2] scales must have size 1 or 8 (x.shape[1]), got 5`);
    expectRule(() => b.npu.quantize(x, s3, { dtype: 'i8', axis: -2 }), `${S}: [npu_quantize.2] scales must have size 1 or 2 (x.shape[-2]), got 3`);
  });

  it('[npu_quantize.3] dtypes, dtype and y, bf16 coupling', () => {
    const { b, p } = graph();
    const x = p([2, 4], 'f32');
    const s = p([4], 'f32');
    expectRule(() => b.npu.quantize(p([2, 4], 'i8'), s, { dtype: 'i8' }), `${S}: [npu_quantize.3] x must be f32, f16 or bf16, got i8`);
    expectRule(() => b.npu.quantize(x, p([4], 'i32'), { dtype: 'i8' }), `${S}: [npu_quantize.3] scales must be f32, f16 or bf16, got i32`);
    expectRule(() => b.npu.quantize(x, s, { dtype: 'i8', zeroPoints: p([4], 'f16') }), `${S}: [npu_quantize.3] zero_points must be i8, u8, i32 or bf16, got f16`);
    expectRule(() => b.npu.quantize(x, s, { dtype: 'i4' }), `${S}: [npu_quantize.3] dtype must be i8, u8 or i32 when div_mode = true, got i4`);
    expectRule(() => b.create('npu.quantize', [x, s], { dtype: 'i8' }, { results: [T([2, 4], 'u8')], hints: ['y'] }), `${S}: [npu_quantize.3] result y must have dtype i8 (dtype), got u8`);
    expectRule(() => b.npu.quantize(x, p([4], 'bf16'), { dtype: 'i8' }), `${S}: [npu_quantize.3] x must be bf16 when scales is bf16, got f32`);
    expectRule(() => b.npu.quantize(x, s, { dtype: 'i8', zeroPoints: p([4], 'bf16') }), `${S}: [npu_quantize.3] x must be bf16 when zero_points is bf16, got f32`);
    const xb = p([2, 4], 'bf16');
    expectRule(() => b.npu.quantize(xb, s, { dtype: 'i8', zeroPoints: p([4], 'bf16') }), `${S}: [npu_quantize.3] scales must be bf16 when zero_points is bf16, got f32`);
    expectRule(() => b.npu.quantize(xb, p([4], 'bf16'), { dtype: 'i8', zeroPoints: p([4], 'i8') }), `${S}: [npu_quantize.3] zero_points must be bf16 when scales is bf16, got i8`);
  });

  it('[npu_quantize.4] every tensor is ND', () => {
    const { b, p } = graph();
    expectRule(() => b.npu.quantize(p([2, 8], 'f32', nz(8)), p([1], 'f32'), { dtype: 'i8' }), `${S}: [npu_quantize.4] x must be #nd, got #nz<c0=8>`);
    const results = [T([2, 8], 'i8', nz(32))];
    expectRule(() => b.create('npu.quantize', [p([2, 8], 'f32'), p([1], 'f32')], { dtype: 'i8' }, { results, hints: ['y'] }), `${S}: [npu_quantize.4] result y must be #nd, got #nz<c0=32>`);
  });
});

describe('npu.quantize rules, div_mode = false', () => {
  const mul = { divMode: false } as const;

  it('[npu_quantize.5] dtype, x rank, i4 last dimension', () => {
    const { b, p } = graph();
    expectRule(() => b.npu.quantize(p([2, 8], 'f32'), p([1], 'f32'), { ...mul, dtype: 'u8' }), `${S}: [npu_quantize.5] dtype must be i8 or i4 when div_mode = false, got u8`);
    expectRule(() => b.npu.quantize(p([], 'f32'), p([1], 'f32'), { ...mul, dtype: 'i8' }), `${S}: [npu_quantize.5] x must have rank >= 1, got 0`);
    expectRule(() => b.npu.quantize(p([4, 12], 'f16'), p([12], 'f16'), { ...mul, dtype: 'i4' }), `${S}: [npu_quantize.5] x.shape[-1] must be a multiple of 8 for dtype i4, got 12`);
  });

  it('[npu_quantize.6] x and scales are required, after the torch-layer rule 5', () => {
    const { b, p } = graph();
    const attrs = { dtype: 'i8', div_mode: false };
    expectRule(() => b.create('npu.quantize', [null, p([1], 'f32')], attrs, { hints: ['y'] }), `${S}: [npu_quantize.6] operand x is required, got none`);
    expectRule(() => b.create('npu.quantize', [p([8], 'f32')], attrs, { hints: ['y'] }), `${S}: [npu_quantize.6] operand scales is required, got none`);
    expectRule(() => b.create('npu.quantize', [null, p([1], 'f32')], { dtype: 'u8', div_mode: false }, { hints: ['y'] }), `${S}: [npu_quantize.5] dtype must be i8 or i4 when div_mode = false, got u8`);
  });

  it('[npu_quantize.7] dtypes, y dtype from dtype, scale compatibility', () => {
    const { b, p } = graph();
    const x = p([2, 8], 'f32');
    const s = p([8], 'f32');
    expectRule(() => b.npu.quantize(p([2, 8], 'i32'), s, { ...mul, dtype: 'i8' }), `${S}: [npu_quantize.7] x must be f32, f16 or bf16, got i32`);
    const attrs = { dtype: 'i4', div_mode: false };
    expectRule(() => b.create('npu.quantize', [x, s], attrs, { results: [T([2, 8], 'i8')], hints: ['y'] }), `${S}: [npu_quantize.7] result y must have dtype i32 (dtype i4), got i8`);
    expectRule(() => b.npu.quantize(x, p([8], 'i8'), { ...mul, dtype: 'i8' }), `${S}: [npu_quantize.7] scales must be f32, f16 or bf16, got i8`);
    expectRule(() => b.npu.quantize(x, s, { ...mul, dtype: 'i8', zeroPoints: p([8], 'f16') }), `${S}: [npu_quantize.7] zero_points must have scales' dtype f32, got f16`);
    expectRule(
      () => b.npu.quantize(p([2, 8], 'f16'), s, { ...mul, dtype: 'i8' }),
      `${S}: [npu_quantize.7] scales must have x's dtype f16 (only an f32 x takes other float scales), got f32`,
    );
    expectRule(
      () => b.npu.quantize(p([2, 8], 'bf16'), p([8], 'f16'), { ...mul, dtype: 'i8' }),
      `${S}: [npu_quantize.7] scales must have x's dtype bf16 (only an f32 x takes other float scales), got f16`,
    );
  });

  it('[npu_quantize.8] axis is -2 or >= -1, and < rank (the ir.md §8.1 example)', () => {
    const { b, p } = graph();
    const s = p([1], 'f32');
    expectRule(() => b.npu.quantize(p([2, 8], 'f32'), s, { ...mul, dtype: 'i8', axis: -3 }), `${S}: [npu_quantize.8] axis must be -2 or >= -1 and < rank 2, got -3`);
    expectRule(() => b.npu.quantize(p([2, 8], 'f32'), s, { ...mul, dtype: 'i8', axis: 2 }), `${S}: [npu_quantize.8] axis must be -2 or >= -1 and < rank 2, got 2`);
    expectRule(() => b.npu.quantize(p([8], 'f32'), s, { ...mul, dtype: 'i8', axis: -2 }), `${S}: [npu_quantize.8] axis must be >= -1 and < rank 1, got -2`);
  });

  it('[npu_quantize.9] rank, y shape, scale and zero point shapes', () => {
    const { b, p } = graph();
    const x = p([2, 8], 'f32');
    const s = p([8], 'f32');
    expectRule(() => b.npu.quantize(p([1, 1, 1, 1, 1, 1, 1, 1, 8], 'f32'), p([1], 'f32'), { ...mul, dtype: 'i8' }), `${S}: [npu_quantize.9] x must have rank <= 8, got 9`);
    const i8 = { dtype: 'i8', div_mode: false };
    expectRule(() => b.create('npu.quantize', [x, s], i8, { results: [T([2, 4], 'i8')], hints: ['y'] }), `${S}: [npu_quantize.9] result y must have shape [2, 8] (x.shape), got [2, 4]`);
    const i4 = { dtype: 'i4', div_mode: false };
    expectRule(() => b.create('npu.quantize', [x, s], i4, { results: [T([2, 2], 'i32')], hints: ['y'] }), `${S}: [npu_quantize.9] result y must have shape [2, 1] (x.shape[:-1] + [x.shape[-1] / 8]), got [2, 2]`);
    const wrongScales = `${S}: [npu_quantize.9] scales must have shape [1] or [8], or rank 2 with 1 or 8 at axis 1 and 1 elsewhere`;
    expectRule(() => b.npu.quantize(x, p([3], 'f32'), { ...mul, dtype: 'i8' }), `${wrongScales}, got [3]`);
    expectRule(() => b.npu.quantize(x, p([2, 8], 'f32'), { ...mul, dtype: 'i8' }), `${wrongScales}, got [2, 8]`);
    expectRule(() => b.npu.quantize(x, p([], 'f32'), { ...mul, dtype: 'i8' }), `${wrongScales}, got []`);
    expectRule(() => b.npu.quantize(p([4], 'f32'), p([2], 'f32'), { ...mul, dtype: 'i8', axis: -1 }), `${S}: [npu_quantize.9] scales must have shape [1] or [4], got [2]`);
    expectRule(() => b.npu.quantize(x, s, { ...mul, dtype: 'i8', zeroPoints: p([1], 'f32') }), `${S}: [npu_quantize.9] zero_points must have shape [8] (scales.shape), got [1]`);
  });

  it('[npu_quantize.11] NZ input is not supported; every tensor is ND', () => {
    const { b, p } = graph();
    expectRule(
      () => b.npu.quantize(p([2, 8], 'f32', nz(16)), p([1], 'f32'), { ...mul, dtype: 'i8' }),
      `${S}: [npu_quantize.11] x must be #nd (FRACTAL_NZ input is not supported), got #nz<c0=16>`,
    );
    const results = [T([2, 8], 'i8', nz(32))];
    expectRule(() => b.create('npu.quantize', [p([2, 8], 'f32'), p([1], 'f32')], { dtype: 'i8', div_mode: false }, { results, hints: ['y'] }), `${S}: [npu_quantize.11] result y must be #nd, got #nz<c0=32>`);
  });
});
