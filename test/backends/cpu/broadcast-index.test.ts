import { describe, expect, it } from 'vitest';
import { broadcastPlan, stridePlan } from '../../../src/backends/cpu/broadcast-index.ts';

/** Every (input index) of the walk, in walk order. */
function walk(plan: ReturnType<typeof stridePlan>, j: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < plan.outer; r++) for (let t = 0; t < plan.inner; t++) out.push(plan.bases[j]![r]! + t * plan.steps[j]!);
  return out;
}

describe('broadcastPlan', () => {
  it('merges a non-broadcast walk into one run', () => {
    const plan = broadcastPlan([2, 3, 4], [[2, 3, 4]]);
    expect([plan.outer, plan.inner, plan.steps[0]]).toEqual([1, 24, 1]);
  });

  it('maps each output element to its input element', () => {
    // out [2, 3]: a [2, 1] repeats along columns, b [3] along rows
    const plan = broadcastPlan([2, 3], [[2, 1], [3]]);
    expect(walk(plan, 0)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(walk(plan, 1)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('handles a scalar, size-1 output axes and empty outputs', () => {
    expect(walk(broadcastPlan([3, 1, 2], [[]]), 0)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(walk(broadcastPlan([1, 1], [[1, 1]]), 0)).toEqual([0]);
    expect(broadcastPlan([0, 5], [[1, 5]]).outer).toBe(0);
  });
});

describe('stridePlan', () => {
  it('walks arbitrary strides from an offset', () => {
    // A [2, 2] window of a [3, 4] row-major array starting at (1, 1)
    expect(walk(stridePlan([2, 2], [[4, 1]], [5]), 0)).toEqual([5, 6, 9, 10]);
    // a transpose of [2, 3]
    expect(walk(stridePlan([3, 2], [[1, 3]]), 0)).toEqual([0, 3, 1, 4, 2, 5]);
  });
});
