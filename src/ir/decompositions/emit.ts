// A terse way for decompositions to emit one single-result primitive through the builder.
import type { Builder } from '../builder.ts';
import type { OpName } from '../ops/registry.ts';
import type { Value } from '../value.ts';

export function emit(b: Builder, op: OpName, operands: readonly (Value | null)[], attrs: Record<string, unknown> = {}, hint?: string): Value {
  return b.create(op, operands, attrs, { hints: [hint] }).result;
}
