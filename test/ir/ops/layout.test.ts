// layout.trans_data (layout.md §4): result types from the caller and [trans_data.1–3].
import { describe, expect, it } from 'vitest';
import { Builder } from '../../../src/ir/builder.ts';
import type { DType } from '../../../src/ir/dtype.ts';
import { ND, nz, type Layout } from '../../../src/ir/layout.ts';
import { TensorType } from '../../../src/ir/types.ts';
import { expectRule } from './expect-rule.ts';

const t = (shape: number[], dtype: DType, layout?: Layout) => new TensorType(shape, dtype, layout);

describe('layout builders', () => {
  it('toNz uses the 32-byte default c0 of each dtype', () => {
    const b = Builder.graph('g');
    const expected: [DType, number][] = [['f16', 16], ['bf16', 16], ['i8', 32], ['u8', 32], ['i4', 64], ['f32', 8], ['i32', 8]];
    for (const [d, c0] of expected) {
      const y = b.layout.toNz(b.param(t([64, 32], d), 'w'), undefined, 'w_nz');
      expect(y.type.toString()).toBe(`tensor<64x32x${d}, #nz<c0=${c0}>>`);
    }
  });

  it('toNz takes an explicit c0, toNd goes back, transData takes any result type', () => {
    const b = Builder.graph('g');
    const w = b.param(t([2, 17, 5], 'f32'), 'w');
    const w16 = b.layout.toNz(w, 16);
    expect(w16.type.toString()).toBe('tensor<2x17x5xf32, #nz<c0=16>>');
    expect(b.layout.toNd(w16).type.toString()).toBe('tensor<2x17x5xf32>');
    expect(b.layout.transData(w, t([2, 17, 5], 'f32')).type.toString()).toBe('tensor<2x17x5xf32>');
    expect(b.graph.nodes.map((n) => n.op)).toEqual(['layout.trans_data', 'layout.trans_data', 'layout.trans_data']);
  });

  it('needs a result type through b.create', () => {
    const b = Builder.graph('g');
    const w = b.param(t([4, 4], 'f16'), 'w');
    expect(() => b.create('layout.trans_data', [w], {}, { hints: ['y'] })).toThrow(/\[ir\.2\]/);
  });
});

describe('[trans_data.1] same dtype from the list, same logical shape', () => {
  it('rejects a dtype without an NZ form (toNz leaves it #nd for the verifier to name)', () => {
    const b = Builder.graph('g');
    expectRule(() => b.layout.toNz(b.param(t([4, 4], 'i64'), 'w'), undefined, 'y'), 'trans_data.1', 'layout.trans_data %y: [trans_data.1] x must be one of f16, bf16, f32, i8, u8, i4, i32, got i64');
    expectRule(() => b.layout.toNd(b.param(t([4, 4], 'i1'), 'w'), 'y'), 'trans_data.1', 'layout.trans_data %y: [trans_data.1] x must be one of f16, bf16, f32, i8, u8, i4, i32, got i1');
  });

  it('rejects a dtype change', () => {
    const b = Builder.graph('g');
    expectRule(() => b.layout.transData(b.param(t([64, 32], 'i8'), 'w'), t([64, 32], 'u8', nz(32)), 'y'), 'trans_data.1', "layout.trans_data %y: [trans_data.1] y must have x's dtype i8, got u8");
  });

  it('rejects a shape change', () => {
    const b = Builder.graph('g');
    expectRule(() => b.layout.transData(b.param(t([64, 32], 'i8'), 'w'), t([32, 64], 'i8', nz(32)), 'y'), 'trans_data.1', "layout.trans_data %y: [trans_data.1] y must have x's logical shape [64, 32], got [32, 64]");
  });
});

describe('[trans_data.2] rank >= 2', () => {
  it('rejects rank 1 even ND to ND', () => {
    const b = Builder.graph('g');
    expectRule(() => b.layout.transData(b.param(t([8], 'f16'), 'v'), t([8], 'f16', ND), 'y'), 'trans_data.2', 'layout.trans_data %y: [trans_data.2] x must have rank >= 2, got 1');
  });
});

describe('[trans_data.3] NZ to NZ keeps c0', () => {
  it('gives the message of ir.md §8.1', () => {
    const b = Builder.graph('g');
    const w = b.param(t([64, 32], 'i32', nz(8)), 'w');
    expectRule(() => b.layout.toNz(w, 16, 'w_nz'), 'trans_data.3', 'layout.trans_data %w_nz: [trans_data.3] NZ to NZ must keep c0 = 8, got c0 = 16');
  });

  it('allows NZ to NZ with the same c0 (a copy)', () => {
    const b = Builder.graph('g');
    const w = b.param(t([64, 32], 'f32', nz(16)), 'w');
    expect(b.layout.toNz(w, 16).type.toString()).toBe('tensor<64x32xf32, #nz<c0=16>>');
  });

  it('leaves an illegal c0 to the type rules [ir.1]', () => {
    const b = Builder.graph('g');
    expect(() => b.layout.toNz(b.param(t([4, 4], 'i8'), 'w'), 16)).toThrow(/\[ir\.1\]/);
  });
});
