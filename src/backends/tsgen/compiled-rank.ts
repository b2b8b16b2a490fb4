// One rank of a compiled graph (the part of the compiled backend a worker thread needs too): a
// rank instance is created from the generated module's instantiate() with the graph's constants on
// that rank, and runs with the executor's contract — the interpreter's kernels for the steps that
// call them, warnings prefixed `rank <r>: ` when world_size > 1, failures as RUNTIME errors
// naming the statement.
import { FractalError, type Warning } from '../../ir/diagnostics.ts';
import { constantTensor } from '../../ir/constants.ts';
import type { Graph } from '../../ir/graph.ts';
import { valueNames } from '../../ir/names.ts';
import type { Storage, Tensor } from '../../ir/storage.ts';
import { asRuntimeError, type RankResult } from '../cpu/executor.ts';
import type { Collective } from '../cpu/kernel.ts';
import { KERNELS } from '../cpu/kernels/index.ts';
import type { Instantiate, RankIo, RankProgram } from './runtime.ts';

/** What a worker thread receives to run a compiled rank (worker-rank.ts). */
export interface CompiledPayload {
  readonly js: string;
  readonly peakBytes: number;
  readonly freedValues: number;
}

/** What a rank needs to run a compiled graph. */
export interface CompiledRank {
  readonly graph: Graph;
  readonly instantiate: Instantiate;
  /** For the run's stats: EmittedGraph's figures. */
  readonly peakBytes: number;
  readonly freedValues: number;
  readonly rank: number;
  readonly feeds: readonly Tensor[];
  readonly collective: Collective;
  /** A rank instance to run on (default: a new one). */
  readonly program?: RankProgram;
}

/** A new rank instance: its buffers, and the constants of the graph on that rank. */
export function instantiateRank(graph: Graph, instantiate: Instantiate, rank: number): RankProgram {
  return instantiate({
    rank,
    worldSize: graph.worldSize,
    constant: (node) => {
      const n = graph.nodes[node]!;
      const r = graph.module?.resources.get(n.str('value'));
      if (!r) throw new FractalError('RUNTIME', `${n.op}: [ir.3] value must name a resource of the module, got @${n.str('value')}`, 'ir.3');
      return constantTensor(r, rank).data;
    },
  });
}

/** Runs one rank of a compiled graph. Failures become RUNTIME errors naming the statement. */
export async function runCompiledRank(job: CompiledRank): Promise<RankResult> {
  const { graph, rank, collective } = job;
  const worldSize = graph.worldSize;
  const warnings: Warning[] = [];
  let names: Map<unknown, string> | undefined;
  const subject = (i: number) => {
    const node = graph.nodes[i];
    if (!node) return `graph @${graph.name}`;
    names ??= valueNames(graph);
    return `${node.op} %${names.get(node.results[0]!) ?? '?'}`;
  };
  const io: RankIo = {
    kernel: (i, inputs) => {
      const node = graph.nodes[i]!;
      const tensors = inputs.map((data, k) => (data === null ? null : { type: node.operands[k]!.type, data }));
      const out = KERNELS[node.op](tensors, {
        node,
        rank,
        worldSize,
        collective,
        subject: subject(i),
        warn: (rule, message) => warnings.push({ rule, message: worldSize > 1 ? `rank ${rank}: ${message}` : message }),
      });
      return out instanceof Promise ? out.then(storages) : storages(out);
    },
    allGather: (data) => collective.allGather(rank, data),
    fail: (i, e) => asRuntimeError(e, subject(i)),
  };
  const program = job.program ?? instantiateRank(graph, job.instantiate, rank);
  const out = await program(
    job.feeds.map((t) => t.data),
    io,
  );
  const feedBytes = [...new Set(job.feeds.map((t) => t.data))].reduce((a, d) => a + d.byteLength, 0);
  return {
    outputs: graph.outputs.map((v, i) => ({ type: v.type, data: out[i]! })),
    warnings,
    stats: { peakLiveBytes: feedBytes + job.peakBytes, freedValues: job.freedValues },
  };
}

const storages = (ts: Tensor[]): Storage[] => ts.map((t) => t.data);
