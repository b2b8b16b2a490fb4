// The compiled mode of the CPU backend: the graph's generated module (emit.ts, load.ts) runs every
// rank, with the executor's contract — feeds checked by name ([ir.8]), ranks inline or in worker
// threads meeting through the executor's worlds, warnings prefixed `rank <r>: `, the first
// failing rank's error — and the same bits. Rank instances (buffers and constants) are kept per
// compiled graph and rank, and reused by later runs.
import type { Backend, Feeds, RunMode, RunOptions, RunResult } from '../backend.ts';
import { FractalError } from '../../ir/diagnostics.ts';
import type { Graph } from '../../ir/graph.ts';
import type { Module } from '../../ir/module.ts';
import { verifyModule } from '../../ir/verify.ts';
import { resolveFeeds, runRanksInline, type RankResult } from '../cpu/executor.ts';
import { plainModule } from '../cpu/transfer.ts';
import { runInWorkers } from '../cpu/workers.ts';
import { instantiateRank, runCompiledRank, type CompiledPayload } from './compiled-rank.ts';
import type { CompiledGraph } from './load.ts';
import type { RankProgram } from './runtime.ts';

/** Idle rank instances per compiled graph and rank. */
const idle = new WeakMap<CompiledGraph, Map<number, RankProgram[]>>();

async function withInstance<T>(graph: Graph, compiled: CompiledGraph, rank: number, use: (p: RankProgram) => Promise<T>): Promise<T> {
  let byRank = idle.get(compiled);
  if (!byRank) idle.set(compiled, (byRank = new Map()));
  const pool = byRank.get(rank) ?? [];
  byRank.set(rank, pool);
  const program = pool.pop() ?? instantiateRank(graph, compiled.instantiate, rank);
  try {
    return await use(program);
  } finally {
    // Every step writes all of its outputs, so an instance is reusable even after a failed run.
    pool.push(program);
  }
}

/** The module a worker loads to run a compiled rank (worker-rank.ts). */
const WORKER_RUNNER = new URL('./worker-rank.ts', import.meta.url).href;

/** Runs a graph of a verified module in compiled mode on every rank. */
export async function runCompiled(module: Module, feeds: Feeds, options: RunOptions = {}): Promise<RunResult> {
  verifyModule(module);
  const graph = module.graph(options.graph);
  const perRank = resolveFeeds(graph, feeds);
  // The compiler (ts-morph) is loaded on first use, not by importing this module.
  const { compileGraph } = await import('./load.ts');
  const compiled = compileGraph(module, graph.name);
  const mode: RunMode = options.mode ?? 'inline';
  let results: RankResult[];
  const { peakBytes, freedValues } = compiled.emitted;
  if (mode === 'inline') {
    results = await runRanksInline(perRank, (rank, rankFeeds, collective) =>
      withInstance(graph, compiled, rank, (program) =>
        runCompiledRank({ graph, instantiate: compiled.instantiate, peakBytes, freedValues, rank, feeds: rankFeeds, collective, program }),
      ),
    );
  } else if (mode === 'workers') {
    const data: CompiledPayload = { js: compiled.js, peakBytes, freedValues };
    results = await runInWorkers(plainModule(module), graph.name, perRank, options.timeoutMs, { module: WORKER_RUNNER, data });
  } else throw new FractalError('RUNTIME', `run: mode must be inline or workers, got ${String(mode)}`);
  return {
    outputs: results.map((r) => r.outputs),
    warnings: results.flatMap((r) => r.warnings),
    stats: results.map((r) => r.stats),
  };
}

export const compiledBackend: Backend = { name: 'cpu-compiled', run: runCompiled };
