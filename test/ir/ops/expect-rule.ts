// Asserts that building or verifying fails with one rule and exactly one message.
import { expect } from 'vitest';
import { FractalError } from '../../../src/ir/diagnostics.ts';

export function expectRule(fn: () => unknown, rule: string, message: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected [${rule}] ${message}`).toBeInstanceOf(FractalError);
  const err = caught as FractalError;
  expect(err.message).toBe(message);
  expect(err.rule).toBe(rule);
  expect(err.code).toBe('VERIFY');
}
