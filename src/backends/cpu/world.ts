// Where ranks meet (ir.md §4): the Collective implementations of the CPU backend.
//
// * InlineWorld: every rank is an async task in one thread; the k-th allGather of every rank
//   meets at one promise.
// * SharedCollective: every rank is a worker thread; ranks exchange bytes through one
//   SharedArrayBuffer (a fixed slot per rank, data larger than a slot goes in chunks) and meet at
//   an Atomics barrier. Waiting is `Atomics.waitAsync`, so a waiting worker still hears messages.
//
// A rank that fails aborts the world: every rank waiting at (or later reaching) a rendezvous is
// released with an error, and the run reports the error of the rank that failed first. A rank
// that finishes while others wait for it at a rendezvous is an error too, never a hang.
import { FractalError } from '../../ir/diagnostics.ts';
import type { Storage } from '../../ir/storage.ts';
import type { Collective } from './kernel.ts';

type StorageCtor = { new (buf: ArrayBufferLike, off: number, len: number): Storage; BYTES_PER_ELEMENT: number };

/** `Atomics.waitAsync` (ES2024, in Node since 16): the ES2022 lib this project compiles against lacks it. */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number, timeout: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

const copyOf = (s: Storage): Storage => s.slice() as Storage;

const abortedError = (rank: number, failed: number) =>
  new FractalError('RUNTIME', `rank ${rank}: stopped at a collective because rank ${failed} failed`);

const leftError = (rank: number, done: number) =>
  new FractalError('RUNTIME', `rank ${rank}: waiting at a collective for rank ${done}, which finished without joining it`);

interface Round {
  readonly data: (Storage | undefined)[];
  arrived: number;
  readonly waiters: { rank: number; resolve(v: Storage[]): void; reject(e: unknown): void }[];
}

/** All ranks in one thread, as concurrent async tasks. */
export class InlineWorld implements Collective {
  private readonly calls: number[];
  private readonly rounds = new Map<number, Round>();
  private readonly done = new Set<number>();
  /** The first rank that failed and its error. */
  failure: { rank: number; error: unknown } | undefined;

  constructor(readonly size: number) {
    this.calls = new Array<number>(size).fill(0);
  }

  allGather(rank: number, data: Storage): Promise<Storage[]> {
    if (this.failure) return Promise.reject(abortedError(rank, this.failure.rank));
    const k = this.calls[rank]!++;
    let round = this.rounds.get(k);
    if (!round) {
      round = { data: new Array(this.size), arrived: 0, waiters: [] };
      this.rounds.set(k, round);
    }
    round.data[rank] = data;
    round.arrived++;
    const missing = [...this.done].find((r) => round.data[r] === undefined);
    if (missing !== undefined) return Promise.reject(leftError(rank, missing));
    const p = new Promise<Storage[]>((resolve, reject) => round.waiters.push({ rank, resolve, reject }));
    if (round.arrived === this.size) {
      this.rounds.delete(k);
      const all = round.data as Storage[];
      // Every rank receives its own copies, as it would from another thread.
      round.waiters.forEach((w) => w.resolve(all.map(copyOf)));
    }
    return p;
  }

  /** Records a failing rank (the first one wins) and releases every waiting rank with an error. */
  abort(rank: number, error: unknown): void {
    this.failure ??= { rank, error };
    for (const round of this.rounds.values()) {
      round.waiters.forEach((w) => w.reject(abortedError(w.rank, rank)));
    }
    this.rounds.clear();
  }

  /** A rank finished its graph: nobody may wait for it any more. */
  leave(rank: number): void {
    this.done.add(rank);
    for (const [k, round] of this.rounds) {
      if (round.data[rank] !== undefined) continue;
      this.rounds.delete(k);
      round.waiters.forEach((w) => w.reject(leftError(w.rank, rank)));
    }
  }
}

// ---- shared memory ----

/** Int32 control words. */
const COUNT = 0; // ranks arrived at the current barrier
const GEN = 1; // barrier generation
const ABORT = 2; // 1 once a rank failed
const FAILED = 3; // the rank that failed first
const DONE = 4; // DONE + r: rank r finished

/** What every thread of a shared world needs (structured-cloneable). */
export interface SharedWorldInit {
  readonly size: number;
  readonly control: SharedArrayBuffer;
  /** Per-rank byte counts of the current exchange (float64, so sizes may exceed 2^31). */
  readonly sizes: SharedArrayBuffer;
  /** `size` slots of `slotBytes` each. */
  readonly data: SharedArrayBuffer;
  readonly slotBytes: number;
  /** Last resort: a rank waiting longer than this at a barrier fails the run. */
  readonly timeoutMs: number;
}

export function createSharedWorld(size: number, opts: { slotBytes?: number; timeoutMs?: number } = {}): SharedWorldInit {
  const slotBytes = opts.slotBytes ?? 1 << 20;
  return {
    size,
    control: new SharedArrayBuffer(4 * (DONE + size)),
    sizes: new SharedArrayBuffer(8 * size),
    data: new SharedArrayBuffer(slotBytes * size),
    slotBytes,
    timeoutMs: opts.timeoutMs ?? 300_000,
  };
}

/** Marks rank `rank` as failed (the first call wins) and wakes every waiting rank. */
export function abortSharedWorld(init: SharedWorldInit, rank: number): void {
  const ctl = new Int32Array(init.control);
  if (Atomics.compareExchange(ctl, ABORT, 0, 1) === 0) Atomics.store(ctl, FAILED, rank);
  Atomics.notify(ctl, GEN);
}

/** The rank that failed first, if any. */
export function sharedWorldFailure(init: SharedWorldInit): number | undefined {
  const ctl = new Int32Array(init.control);
  return Atomics.load(ctl, ABORT) ? Atomics.load(ctl, FAILED) : undefined;
}

/** One rank's end of a shared world. */
export class SharedCollective implements Collective {
  private readonly ctl: Int32Array;
  private readonly sizes: Float64Array;
  private readonly bytes: Uint8Array;

  constructor(
    readonly init: SharedWorldInit,
    readonly rank: number,
  ) {
    this.ctl = new Int32Array(init.control);
    this.sizes = new Float64Array(init.sizes);
    this.bytes = new Uint8Array(init.data);
  }

  async allGather(rank: number, data: Storage): Promise<Storage[]> {
    if (rank !== this.rank) throw new FractalError('RUNTIME', `rank ${this.rank}: allGather called for rank ${rank}`);
    const { size, slotBytes } = this.init;
    const mine = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.sizes[rank] = mine.length;
    await this.barrier();
    const lens = Array.from(this.sizes);
    const out = lens.map((n, r) => (r === rank ? mine : new Uint8Array(n)));
    const longest = Math.max(...lens);
    // At least one round, so every rank has read `sizes` before anyone writes the next ones.
    let off = 0;
    do {
      const n = Math.max(0, Math.min(slotBytes, mine.length - off));
      this.bytes.set(mine.subarray(off, off + n), rank * slotBytes);
      await this.barrier();
      for (let r = 0; r < size; r++) {
        if (r === rank) continue;
        const m = Math.min(slotBytes, lens[r]! - off);
        if (m > 0) out[r]!.set(this.bytes.subarray(r * slotBytes, r * slotBytes + m), off);
      }
      await this.barrier();
      off += slotBytes;
    } while (off < longest);
    const Ctor = data.constructor as unknown as StorageCtor;
    return out.map((b, r) => (r === rank ? data : new Ctor(b.buffer, 0, b.byteLength / Ctor.BYTES_PER_ELEMENT)));
  }

  /** This rank failed: wake everybody. */
  abort(): void {
    abortSharedWorld(this.init, this.rank);
  }

  /** This rank finished its graph. */
  leave(): void {
    Atomics.store(this.ctl, DONE + this.rank, 1);
    Atomics.notify(this.ctl, GEN);
  }

  private async barrier(): Promise<void> {
    const { ctl } = this;
    const { size, timeoutMs } = this.init;
    this.checkAbort();
    const gen = Atomics.load(ctl, GEN);
    if (Atomics.add(ctl, COUNT, 1) === size - 1) {
      Atomics.store(ctl, COUNT, 0);
      Atomics.add(ctl, GEN, 1);
      Atomics.notify(ctl, GEN);
      return;
    }
    const deadline = Date.now() + timeoutMs;
    // A pending waitAsync does not keep a worker's event loop alive; this timer does.
    const alive = setInterval(() => undefined, 1 << 30);
    try {
      while (Atomics.load(ctl, GEN) === gen) {
        this.checkAbort();
        for (let r = 0; r < size; r++) {
          if (Atomics.load(ctl, DONE + r)) {
            this.abort();
            throw leftError(this.rank, r);
          }
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          this.abort();
          throw new FractalError('RUNTIME', `rank ${this.rank}: waited ${timeoutMs} ms at a collective for the other ranks, got ${Atomics.load(ctl, COUNT)} of ${size} arrived`);
        }
        const w = waitAsync(ctl, GEN, gen, left);
        if (w.async) await w.value;
      }
    } finally {
      clearInterval(alive);
    }
  }

  private checkAbort(): void {
    if (Atomics.load(this.ctl, ABORT)) throw abortedError(this.rank, Atomics.load(this.ctl, FAILED));
  }
}
