import { describe, expect, it } from 'vitest';
import { broadcastShapes, broadcastsTo } from '../../src/ir/broadcast.ts';

describe('broadcastShapes', () => {
  it('aligns at the right and takes the non-1 size', () => {
    expect(broadcastShapes([8, 64], [64])).toEqual([8, 64]);
    expect(broadcastShapes([8, 1], [1, 32])).toEqual([8, 32]);
    expect(broadcastShapes([2, 1, 4], [3, 1])).toEqual([2, 3, 4]);
    expect(broadcastShapes([], [5])).toEqual([5]);
    expect(broadcastShapes([], [])).toEqual([]);
  });

  it('pairs 0 with 0 or 1 only', () => {
    expect(broadcastShapes([0, 3], [1, 3])).toEqual([0, 3]);
    expect(broadcastShapes([0], [0])).toEqual([0]);
    expect(broadcastShapes([0], [2])).toBeUndefined();
  });

  it('rejects unequal sizes that are not 1', () => {
    expect(broadcastShapes([2, 3], [4])).toBeUndefined();
    expect(broadcastShapes([3, 2], [2, 3])).toBeUndefined();
  });

  it('takes any number of shapes', () => {
    expect(broadcastShapes([4, 1, 1], [5, 1], [6])).toEqual([4, 5, 6]);
    expect(broadcastShapes([4, 1], [1, 5], [3, 1, 1])).toEqual([3, 4, 5]);
    expect(broadcastShapes()).toEqual([]);
  });
});

describe('broadcastsTo', () => {
  it('stretches only the 1s of the source', () => {
    expect(broadcastsTo([4], [3, 4])).toBe(true);
    expect(broadcastsTo([3, 1], [3, 4])).toBe(true);
    expect(broadcastsTo([], [2, 2])).toBe(true);
    expect(broadcastsTo([1], [0])).toBe(true);
  });

  it('never shrinks the target or drops axes', () => {
    expect(broadcastsTo([3, 4], [1, 4])).toBe(false);
    expect(broadcastsTo([2, 3], [3])).toBe(false);
    expect(broadcastsTo([3], [3, 4])).toBe(false);
    expect(broadcastsTo([0], [2])).toBe(false);
  });
});
