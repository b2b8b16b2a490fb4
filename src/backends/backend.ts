// What a backend offers: run a graph of a module on named feeds, for every rank (ir.md §4).
import type { Warning } from '../ir/diagnostics.ts';
import type { Module } from '../ir/module.ts';
import type { Storage, Tensor } from '../ir/storage.ts';

/**
 * One parameter's value: a tensor of exactly the parameter's type (or its bare storage
 * container, which takes the parameter's type), fed to every rank, or an array with one per rank.
 */
export type Feed = Tensor | Storage | readonly (Tensor | Storage)[];

/** Feeds by parameter name: the printed name without `%`. */
export type Feeds = Readonly<Record<string, Feed>>;

/** Where ranks run: all in this thread as async tasks, or each in its own worker thread. */
export type RunMode = 'inline' | 'workers';

export const RUN_MODES: readonly RunMode[] = ['inline', 'workers'];

/**
 * How the CPU backend executes a graph: the interpreter (one kernel per statement) or the
 * TypeScript module generated for the graph (src/backends/tsgen). Both give the same bits.
 */
export type ExecutionMode = 'interp' | 'compiled';

export const EXECUTION_MODES: readonly ExecutionMode[] = ['interp', 'compiled'];

export interface RunOptions {
  /** The graph to run; default the module's first. */
  readonly graph?: string;
  /** Default `inline`. Both modes give the same bits. */
  readonly mode?: RunMode;
  /** Last resort against a rank that never reaches a collective (workers mode), in ms. */
  readonly timeoutMs?: number;
}

export interface RunStats {
  /** Largest number of bytes held by live values at once (feeds and constants included). */
  readonly peakLiveBytes: number;
  /** Values released after their last consumer ran. */
  readonly freedValues: number;
}

export interface RunResult {
  /** outputs[rank][i]: the graph's i-th result on that rank. */
  readonly outputs: Tensor[][];
  /** In order of occurrence within a rank, ranks in order; prefixed `rank <r>: ` when world_size > 1. */
  readonly warnings: Warning[];
  /** One entry per rank. */
  readonly stats: RunStats[];
}

export interface Backend {
  readonly name: string;
  run(module: Module, feeds: Feeds, options?: RunOptions): Promise<RunResult>;
}
