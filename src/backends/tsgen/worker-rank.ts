// A compiled rank in a worker thread (the runner the executor's worker entry loads for compiled
// runs): rebuild the graph, load the transpiled module sent by the main thread, run the rank.
import type { RankResult } from '../cpu/executor.ts';
import type { Collective } from '../cpu/kernel.ts';
import { moduleFromPlain, tensorFromPlain } from '../cpu/transfer.ts';
import type { RankJob } from '../cpu/workers.ts';
import { runCompiledRank, type CompiledPayload } from './compiled-rank.ts';
import { loadProgram } from './program.ts';

export async function runRankJob(job: RankJob, collective: Collective): Promise<RankResult> {
  const payload = job.runner!.data as CompiledPayload;
  return runCompiledRank({
    graph: moduleFromPlain(job.module).graph(job.graph),
    instantiate: loadProgram(payload.js),
    peakBytes: payload.peakBytes,
    freedValues: payload.freedValues,
    rank: job.rank,
    feeds: job.feeds.map(tensorFromPlain),
    collective,
  });
}
