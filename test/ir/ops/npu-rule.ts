// Test helpers for the npu.* verifier tests: a graph builder with terse parameters, and an
// assertion that a call fails with one exact VERIFY message (whose rule id it also checks).
import { expect } from 'vitest';
import { Builder } from '../../../src/ir/builder.ts';
import { FractalError } from '../../../src/ir/diagnostics.ts';
import type { DType } from '../../../src/ir/dtype.ts';
import type { Layout } from '../../../src/ir/layout.ts';
import { TensorType } from '../../../src/ir/types.ts';
import type { Value } from '../../../src/ir/value.ts';

export const T = (shape: number[], dtype: DType, layout?: Layout): TensorType => new TensorType(shape, dtype, layout);

export function graph(worldSize = 1): { b: Builder; p: (shape: number[], dtype: DType, layout?: Layout) => Value } {
  const b = Builder.graph('g', { worldSize });
  let i = 0;
  return { b, p: (shape, dtype, layout) => b.param(T(shape, dtype, layout), `p${i++}`) };
}

export function expectRule(fn: () => unknown, message: string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(FractalError);
  const fe = error as FractalError;
  expect(fe.message).toBe(message);
  expect(fe.code).toBe('VERIFY');
  expect(fe.rule).toBe(/\[([^\]]+)\]/.exec(message)?.[1]);
}
