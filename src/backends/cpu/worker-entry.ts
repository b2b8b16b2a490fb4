// One rank in a worker thread: rebuild the module, run the graph on this rank's feeds, meet the
// other ranks through shared memory, post one reply (outputs transferred, not copied).
import { parentPort, workerData } from 'node:worker_threads';
import { FractalError } from '../../ir/diagnostics.ts';
import { planGraph, rankError, runRank, type RankResult } from './executor.ts';
import { KERNELS } from './kernels/index.ts';
import { moduleFromPlain, plainTensor, tensorFromPlain } from './transfer.ts';
import type { RankJob, RankReply } from './workers.ts';
import { SharedCollective } from './world.ts';

const job = workerData as RankJob;
const collective = new SharedCollective(job.world, job.rank);
const n = job.world.size;
let reply: RankReply;
let transfer: ArrayBuffer[] = [];
try {
  let r: RankResult;
  if (job.runner) {
    const { runRankJob } = (await import(job.runner.module)) as { runRankJob(job: RankJob, c: SharedCollective): Promise<RankResult> };
    r = await runRankJob(job, collective);
  } else {
    const plan = planGraph(moduleFromPlain(job.module).graph(job.graph), KERNELS);
    r = await runRank({ plan, rank: job.rank, worldSize: n, feeds: job.feeds.map(tensorFromPlain), collective });
  }
  collective.leave();
  reply = { ok: true, outputs: r.outputs.map(plainTensor), warnings: r.warnings, stats: r.stats };
  transfer = [...new Set(r.outputs.map((t) => t.data.buffer))].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
} catch (e) {
  collective.abort();
  const err: FractalError = rankError(e, job.rank, n);
  reply = { ok: false, error: { code: err.code, message: err.message, rule: err.rule } };
}
parentPort!.postMessage(reply, transfer);
