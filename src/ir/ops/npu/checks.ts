// Checks shared by the npu.* verifiers. Each names the operand or result (`x`, `result y`), what
// the rule expects and the value seen (ir.md §8.1).
import type { DType } from '../../dtype.ts';
import { layoutToString } from '../../layout.ts';
import { shapesEqual, type TensorType } from '../../types.ts';
import type { OpContext } from '../context.ts';

/** `a`, `a or b`, `a, b or c`. */
export function oneOf(items: readonly (string | number)[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** The NULLPTR rule: every named operand is present. */
export function checkPresent(ctx: OpContext, rule: string, names: readonly string[]): void {
  for (const name of names) ctx.check(ctx.operand(name) !== null, rule, `operand ${name} is required`, 'none');
}

export function checkDtype(ctx: OpContext, rule: string, what: string, t: TensorType, allowed: readonly DType[]): void {
  ctx.check(allowed.includes(t.dtype), rule, `${what} must be ${oneOf(allowed)}`, t.dtype);
}

export function checkShape(ctx: OpContext, rule: string, what: string, t: TensorType, expected: readonly number[], why?: string): void {
  if (!shapesEqual(t.shape, expected)) {
    ctx.fail(rule, `${what} must have shape ${shapeText(expected)}${why ? ` (${why})` : ''}`, t.shape);
  }
}

/** Format rules: every tensor given is `#nd`. */
export function checkNd(ctx: OpContext, rule: string, tensors: readonly (readonly [string, TensorType | null])[]): void {
  for (const [what, t] of tensors) {
    if (t?.isNz) ctx.fail(rule, `${what} must be #nd`, layoutToString(t.layout));
  }
}

export const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Last dimension (0 for a scalar), for shape arithmetic on operands not yet rank-checked. */
export const lastDim = (t: TensorType): number => t.shape[t.rank - 1] ?? 0;
