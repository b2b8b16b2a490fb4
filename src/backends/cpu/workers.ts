// Ranks in worker threads: one worker per rank runs the graph on its own feeds and meets the
// others through a shared-memory world (world.ts). The worker is a TypeScript module, loaded
// through a JS shim that registers tsx (Node 20 cannot load .ts workers by itself).
import { Worker } from 'node:worker_threads';
import { FractalError, type ErrorCode, type Warning } from '../../ir/diagnostics.ts';
import type { Tensor } from '../../ir/storage.ts';
import type { RunStats } from '../backend.ts';
import { plainTensor, tensorFromPlain, type PlainModule, type PlainTensor } from './transfer.ts';
import { abortSharedWorld, createSharedWorld, sharedWorldFailure, type SharedWorldInit } from './world.ts';

/**
 * Runs ranks some other way than the interpreter (the compiled backend): the URL of a module
 * exporting `runRankJob(job: RankJob, collective: Collective): Promise<RankResult>`, and the
 * (structured-cloneable) data it needs, handed to it as `job.runner.data`.
 */
export interface RankRunner {
  readonly module: string;
  readonly data: unknown;
}

/** What a rank's worker receives as workerData. */
export interface RankJob {
  readonly module: PlainModule;
  readonly graph: string;
  readonly rank: number;
  readonly world: SharedWorldInit;
  readonly feeds: readonly PlainTensor[];
  readonly runner?: RankRunner;
}

/** The one message a rank's worker sends back. */
export type RankReply =
  | { readonly ok: true; readonly outputs: PlainTensor[]; readonly warnings: Warning[]; readonly stats: RunStats }
  | { readonly ok: false; readonly error: { code: ErrorCode; message: string; rule: string | undefined } };

const SHIM = new URL('./worker-shim.mjs', import.meta.url);

interface RankOutcome {
  readonly outputs: Tensor[];
  readonly warnings: Warning[];
  readonly stats: RunStats;
}

/** Runs every rank in its own worker; fails with the error of the rank that failed first. */
export async function runInWorkers(module: PlainModule, graph: string, feeds: Tensor[][], timeoutMs?: number, runner?: RankRunner): Promise<RankOutcome[]> {
  const n = feeds.length;
  const world = createSharedWorld(n, timeoutMs === undefined ? {} : { timeoutMs });
  const workers: Worker[] = [];
  const errors = new Map<number, FractalError>();
  const runs = feeds.map(
    (rankFeeds, rank) =>
      new Promise<RankOutcome | undefined>((resolve) => {
        const job: RankJob = { module, graph, rank, world, feeds: rankFeeds.map(plainTensor), ...(runner ? { runner } : {}) };
        let replied = false;
        const fail = (e: FractalError) => {
          if (!errors.has(rank)) errors.set(rank, e);
          abortSharedWorld(world, rank);
          resolve(undefined);
          // The first failure has reported: stop the other ranks now rather than when they next meet.
          if (sharedWorldFailure(world) === rank) for (const w of workers) void w.terminate();
        };
        let worker: Worker;
        try {
          worker = new Worker(SHIM, { workerData: job });
        } catch (e) {
          fail(new FractalError('RUNTIME', `rank ${rank}: cannot start a worker thread, got ${(e as Error).message}`));
          return;
        }
        workers.push(worker);
        worker.once('message', (reply: RankReply) => {
          replied = true;
          if (reply.ok) resolve({ outputs: reply.outputs.map(tensorFromPlain), warnings: reply.warnings, stats: reply.stats });
          else fail(new FractalError(reply.error.code, reply.error.message, reply.error.rule));
        });
        worker.once('error', (e) => fail(new FractalError('RUNTIME', `rank ${rank}: worker thread failed: ${e.message}`, undefined, { cause: e })));
        worker.once('exit', (code) => {
          if (!replied) fail(new FractalError('RUNTIME', `rank ${rank}: worker thread exited without a result, got exit code ${code}`));
        });
      }),
  );
  try {
    const outcomes = await Promise.all(runs);
    if (errors.size > 0) {
      const first = sharedWorldFailure(world);
      const rank = first !== undefined && errors.has(first) ? first : Math.min(...errors.keys());
      throw errors.get(rank)!;
    }
    return outcomes as RankOutcome[];
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
