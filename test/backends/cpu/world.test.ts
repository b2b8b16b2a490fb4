import { describe, expect, it } from 'vitest';
import { FractalError } from '../../../src/ir/diagnostics.ts';
import type { Storage } from '../../../src/ir/storage.ts';
import { createSharedWorld, InlineWorld, SharedCollective, sharedWorldFailure } from '../../../src/backends/cpu/world.ts';
import type { Collective } from '../../../src/backends/cpu/kernel.ts';

/** Rank r contributes `len` uint16 values r*1000 + i; everybody checks what it received. */
async function gatherAll(collectives: (rank: number) => Collective, n: number, len: (r: number) => number) {
  return Promise.all(
    Array.from({ length: n }, (_, r) => collectives(r).allGather(r, Uint16Array.from({ length: len(r) }, (_, i) => r * 1000 + i))),
  );
}

function expectGathered(got: Storage[][], n: number, len: (r: number) => number) {
  expect(got).toHaveLength(n);
  for (const all of got) {
    expect(all.map((s) => s.constructor)).toEqual(new Array(n).fill(Uint16Array));
    all.forEach((s, r) => expect([...s]).toEqual(Array.from({ length: len(r) }, (_, i) => r * 1000 + i)));
  }
}

describe('InlineWorld', () => {
  it('gathers every rank in rank order, repeatedly, giving each rank its own copies', async () => {
    const world = new InlineWorld(3);
    for (let round = 0; round < 3; round++) expectGathered(await gatherAll(() => world, 3, () => 4), 3, () => 4);
    const got = await gatherAll(() => world, 3, () => 2);
    expect(got[0]![1]).not.toBe(got[2]![1]);
  });

  it('releases waiting ranks with an error when a rank fails, and refuses later calls', async () => {
    const world = new InlineWorld(3);
    const waiting = [world.allGather(0, new Int8Array(1)), world.allGather(2, new Int8Array(1))];
    world.abort(1, new Error('boom'));
    for (const w of waiting) await expect(w).rejects.toThrow(/stopped at a collective because rank 1 failed/);
    await expect(world.allGather(0, new Int8Array(1))).rejects.toBeInstanceOf(FractalError);
    expect(world.failure?.rank).toBe(1);
  });

  it('fails a rendezvous that a finished rank can never join', async () => {
    const world = new InlineWorld(2);
    const waiting = world.allGather(0, new Int8Array(1));
    world.leave(1);
    await expect(waiting).rejects.toThrow('rank 0: waiting at a collective for rank 1, which finished without joining it');
    await expect(world.allGather(0, new Int8Array(1))).rejects.toThrow(/rank 1, which finished/);
  });
});

describe('SharedCollective', () => {
  // Ranks of a shared world may live in one thread: waiting is Atomics.waitAsync.
  it('gathers through shared memory, in chunks when data exceeds a slot, with unequal sizes', async () => {
    for (const n of [1, 2, 4, 8]) {
      const init = createSharedWorld(n, { slotBytes: 6 });
      const ranks = Array.from({ length: n }, (_, r) => new SharedCollective(init, r));
      const len = (r: number) => 3 + 2 * r; // 6..36 bytes: one to six chunks
      for (let round = 0; round < 2; round++) expectGathered(await gatherAll((r) => ranks[r]!, n, len), n, len);
      expectGathered(await gatherAll((r) => ranks[r]!, n, () => 0), n, () => 0);
    }
  });

  it('keeps bigint containers intact', async () => {
    const init = createSharedWorld(2);
    const ranks = [0, 1].map((r) => new SharedCollective(init, r));
    const got = await Promise.all(ranks.map((c, r) => c.allGather(r, new BigUint64Array([2n ** 64n - 1n - BigInt(r)]))));
    expect(got[1]!.map((s) => s[0])).toEqual([2n ** 64n - 1n, 2n ** 64n - 2n]);
  });

  it('wakes waiting ranks when one aborts and records the first failure', async () => {
    const init = createSharedWorld(3);
    const ranks = [0, 1, 2].map((r) => new SharedCollective(init, r));
    const waiting = [ranks[0]!.allGather(0, new Int8Array(2)), ranks[2]!.allGather(2, new Int8Array(2))];
    ranks[1]!.abort();
    ranks[2]!.abort();
    for (const w of waiting) await expect(w).rejects.toThrow(/stopped at a collective because rank 1 failed/);
    expect(sharedWorldFailure(init)).toBe(1);
  });

  it('fails instead of waiting for a rank that finished', async () => {
    const init = createSharedWorld(2);
    const ranks = [0, 1].map((r) => new SharedCollective(init, r));
    const waiting = ranks[0]!.allGather(0, new Int8Array(1));
    ranks[1]!.leave();
    await expect(waiting).rejects.toThrow('rank 0: waiting at a collective for rank 1, which finished without joining it');
  });

  it('gives up after the timeout as a last resort', async () => {
    const init = createSharedWorld(2, { timeoutMs: 50 });
    const rank0 = new SharedCollective(init, 0);
    await expect(rank0.allGather(0, new Int8Array(1))).rejects.toThrow('rank 0: waited 50 ms at a collective for the other ranks, got 1 of 2 arrived');
  });
});
