// The CPU executor (DESIGN.md "CPU backend", ir.md §4): orders a verified graph once into steps,
// checks the feeds, runs every rank (in this thread or in worker threads), frees each
// intermediate after its last consumer and returns every rank's outputs and warnings.
import type { Backend, Feed, Feeds, RunMode, RunOptions, RunResult, RunStats } from '../backend.ts';
import { FractalError, ruleError, type Warning } from '../../ir/diagnostics.ts';
import type { Graph } from '../../ir/graph.ts';
import type { Module } from '../../ir/module.ts';
import { valueNames } from '../../ir/names.ts';
import type { Node } from '../../ir/node.ts';
import type { OpName } from '../../ir/ops/registry.ts';
import { containerLength, STORAGE_CTOR, type Storage, type Tensor } from '../../ir/storage.ts';
import type { TensorType } from '../../ir/types.ts';
import type { Value } from '../../ir/value.ts';
import { verifyModule } from '../../ir/verify.ts';
import type { Collective, Kernel, KernelContext } from './kernel.ts';
import { KERNELS } from './kernels/index.ts';
import { plainModule } from './transfer.ts';
import { runInWorkers } from './workers.ts';
import { InlineWorld } from './world.ts';

/** Kernels by op; the default is the complete table `KERNELS`. */
export type KernelTable = Readonly<Partial<Record<OpName, Kernel>>>;

export interface FreeEvent {
  readonly rank: number;
  /** Printed name of the released value, without `%`. */
  readonly value: string;
  /** `<op> %<first result>` of the step after which it was released. */
  readonly after: string;
}

export interface CpuRunOptions extends RunOptions {
  /** Inline mode only: a kernel table to use instead of `KERNELS`. */
  readonly kernels?: KernelTable;
  /** Inline mode only: called whenever a value is released. */
  readonly onFree?: (event: FreeEvent) => void;
}

interface Step {
  readonly node: Node;
  readonly kernel: Kernel;
  readonly subject: string;
  /** Slot of each operand (null for an absent optional). */
  readonly inputs: readonly (number | null)[];
  readonly outputs: readonly number[];
  /** Slots whose last reader is this step (or unused results of it). */
  readonly frees: readonly number[];
}

/** A graph ordered once into steps over numbered value slots (parameters first). */
export interface Plan {
  readonly steps: readonly Step[];
  readonly slotNames: readonly string[];
  readonly slotTypes: readonly TensorType[];
  readonly outputs: readonly number[];
}

/** Steps in statement order (a verified graph is topologically ordered, [ir.4]). */
export function planGraph(graph: Graph, kernels: KernelTable): Plan {
  const names = valueNames(graph);
  const slot = new Map<Value, number>();
  const slotNames: string[] = [];
  const slotTypes: TensorType[] = [];
  /** Step that defines each slot (-1 for parameters). */
  const producer: number[] = [];
  const define = (v: Value, at: number) => {
    slot.set(v, slotNames.length);
    slotNames.push(names.get(v)!);
    slotTypes.push(v.type);
    producer.push(at);
  };
  graph.params.forEach((p) => define(p, -1));
  const lastUse = new Map<number, number>();
  const steps = graph.nodes.map((node, at) => {
    const subject = `${node.op} %${names.get(node.results[0]!) ?? '?'}`;
    const kernel = kernels[node.op];
    if (!kernel) throw new FractalError('RUNTIME', `${subject}: the CPU backend has no kernel for ${node.op}, got none`);
    const inputs = node.operands.map((v) => {
      if (!v) return null;
      const s = slot.get(v);
      if (s === undefined) throw ruleError('RUNTIME', subject, 'ir.4', 'operands must be defined by an earlier statement or a parameter', v.hint ?? 'a later value');
      lastUse.set(s, at);
      return s;
    });
    node.results.forEach((r) => define(r, at));
    return { node, kernel, subject, inputs, outputs: node.results.map((r) => slot.get(r)!), frees: [] as number[] };
  });
  const outputs = graph.outputs.map((v) => slot.get(v)!);
  const kept = new Set(outputs);
  for (let s = 0; s < slotNames.length; s++) {
    const at = lastUse.get(s) ?? producer[s]!;
    if (!kept.has(s) && at >= 0) steps[at]!.frees.push(s);
  }
  return { steps, slotNames, slotTypes, outputs };
}

export interface RankResult {
  readonly outputs: Tensor[];
  readonly warnings: Warning[];
  readonly stats: RunStats;
}

export interface RankRun {
  readonly plan: Plan;
  readonly rank: number;
  readonly worldSize: number;
  /** One tensor per parameter, already checked. */
  readonly feeds: readonly Tensor[];
  readonly collective: Collective;
  readonly onFree?: ((event: FreeEvent) => void) | undefined;
}

/** Runs one rank's program. Kernel failures that are not FractalErrors become RUNTIME errors naming the node. */
export async function runRank(run: RankRun): Promise<RankResult> {
  const { plan, rank, worldSize, collective } = run;
  const slots: (Tensor | undefined)[] = new Array(plan.slotNames.length);
  const warnings: Warning[] = [];
  // Live bytes by buffer, so views sharing one buffer (a reshape) count once.
  const live = new Map<Storage, number>();
  let liveBytes = 0;
  let peakLiveBytes = 0;
  let freedValues = 0;
  const hold = (t: Tensor) => {
    const n = live.get(t.data) ?? 0;
    live.set(t.data, n + 1);
    if (n === 0) liveBytes += t.data.byteLength;
  };
  const release = (t: Tensor) => {
    const n = live.get(t.data)!;
    if (n > 1) live.set(t.data, n - 1);
    else {
      live.delete(t.data);
      liveBytes -= t.data.byteLength;
    }
  };
  run.feeds.forEach((t, i) => {
    slots[i] = t;
    hold(t);
  });
  peakLiveBytes = liveBytes;
  for (const step of plan.steps) {
    const ctx: KernelContext = {
      node: step.node,
      rank,
      worldSize,
      collective,
      subject: step.subject,
      warn: (rule, message) => warnings.push({ rule, message: worldSize > 1 ? `rank ${rank}: ${message}` : message }),
    };
    const inputs = step.inputs.map((s) => (s === null ? null : slots[s]!));
    let out: Tensor[];
    try {
      const r = step.kernel(inputs, ctx);
      out = r instanceof Promise ? await r : r;
    } catch (e) {
      throw asRuntimeError(e, step.subject);
    }
    checkKernelOutputs(step, out, plan);
    step.outputs.forEach((s, i) => {
      slots[s] = out[i]!;
      hold(out[i]!);
    });
    peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
    for (const s of step.frees) {
      release(slots[s]!);
      slots[s] = undefined;
      freedValues++;
      run.onFree?.({ rank, value: plan.slotNames[s]!, after: step.subject });
    }
  }
  return { outputs: plan.outputs.map((s) => slots[s]!), warnings, stats: { peakLiveBytes, freedValues } };
}

function checkKernelOutputs(step: Step, out: unknown, plan: Plan): asserts out is Tensor[] {
  const bad = (what: string, got: unknown) => new FractalError('RUNTIME', `${step.subject}: internal error: the kernel ${what}, got ${got}`);
  if (!Array.isArray(out) || out.length !== step.outputs.length) {
    throw bad(`must return ${step.outputs.length} tensors`, Array.isArray(out) ? out.length : typeof out);
  }
  step.outputs.forEach((s, i) => {
    const t = out[i] as Tensor | undefined;
    const want = plan.slotTypes[s]!;
    if (!t?.type?.equals?.(want)) throw bad(`must return result ${i} of type ${want}`, t?.type ?? 'none');
    const len = containerLength(want.dtype, want.storageNumel);
    if (!(t.data instanceof STORAGE_CTOR[want.dtype]) || t.data.length !== len) {
      throw bad(`must return result ${i} as ${len} elements in a ${STORAGE_CTOR[want.dtype].name}`, `${t.data?.length} in a ${t.data?.constructor?.name}`);
    }
  });
}

/** FractalErrors pass through; anything else becomes a RUNTIME error naming the node. */
export function asRuntimeError(e: unknown, subject: string): FractalError {
  if (e instanceof FractalError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new FractalError('RUNTIME', `${subject}: kernel failed: ${msg}`, undefined, { cause: e });
}

// ---- feeds ----

const isStorage = (x: unknown): x is Storage => ArrayBuffer.isView(x);

/** Resolves feeds by parameter name into one tensor per parameter for every rank ([ir.8]). */
export function resolveFeeds(graph: Graph, feeds: Feeds): Tensor[][] {
  const where = `graph @${graph.name}`;
  const names = valueNames(graph);
  const params = graph.params.map((p) => names.get(p)!);
  const n = graph.worldSize;
  if (typeof feeds !== 'object' || feeds === null) throw ruleError('RUNTIME', where, 'ir.8', 'feeds must be an object of inputs by parameter name', feeds);
  const unknown = Object.keys(feeds).filter((k) => !params.includes(k));
  if (unknown.length > 0) {
    throw ruleError('RUNTIME', where, 'ir.8', `unknown input ${unknown.join(', ')} (the parameters are ${params.join(', ') || 'none'})`, unknown[0]);
  }
  const perRank: Tensor[][] = Array.from({ length: n }, () => []);
  graph.params.forEach((p, i) => {
    const name = params[i]!;
    if (!Object.hasOwn(feeds, name) || feeds[name] === undefined) throw ruleError('RUNTIME', where, 'ir.8', `input ${name} is missing`, 'none');
    const feed: Feed = feeds[name]!;
    if (Array.isArray(feed)) {
      if (feed.length !== n) {
        throw ruleError('RUNTIME', where, 'ir.8', `input ${name} must be one value for every rank or an array of ${n} (one per rank)`, `an array of ${feed.length}`);
      }
      feed.forEach((f, r) => perRank[r]!.push(checkFeed(f, p.type, n > 1 ? `input ${name} of rank ${r}` : `input ${name}`, where)));
    } else {
      const t = checkFeed(feed as Tensor | Storage, p.type, `input ${name}`, where);
      perRank.forEach((ts) => ts.push(t));
    }
  });
  return perRank;
}

function checkFeed(f: Tensor | Storage, type: TensorType, what: string, where: string): Tensor {
  let t: Tensor;
  if (isStorage(f)) t = { type, data: f };
  else if (typeof f === 'object' && f !== null && 'type' in f && 'data' in f) t = f;
  else throw ruleError('RUNTIME', where, 'ir.8', `${what} must be a tensor or a typed array`, typeof f);
  if (typeof t.type?.equals !== 'function' || !t.type.equals(type)) {
    throw ruleError('RUNTIME', where, 'ir.8', `${what} must have type ${type}`, String(t.type));
  }
  const Ctor = STORAGE_CTOR[type.dtype];
  const len = containerLength(type.dtype, type.storageNumel);
  if (!(t.data instanceof Ctor) || t.data.length !== len) {
    const got = isStorage(t.data) ? `${t.data.length} in a ${t.data.constructor.name}` : typeof t.data;
    throw ruleError('RUNTIME', where, 'ir.8', `${what} of type ${type} must hold ${len} elements in a ${Ctor.name}`, got);
  }
  return t;
}

// ---- running ----

/** Runs a graph of a verified module on every rank. */
export async function run(module: Module, feeds: Feeds, options: CpuRunOptions = {}): Promise<RunResult> {
  verifyModule(module);
  const graph = module.graph(options.graph);
  const perRank = resolveFeeds(graph, feeds);
  const mode: RunMode = options.mode ?? 'inline';
  let results: RankResult[];
  if (mode === 'inline') results = await runInline(planGraph(graph, options.kernels ?? KERNELS), perRank, options.onFree);
  else if (mode === 'workers') {
    if (options.kernels || options.onFree) throw new FractalError('RUNTIME', 'run: the kernels and onFree options work in inline mode only, got mode workers');
    planGraph(graph, KERNELS); // fails early on a missing kernel
    results = await runInWorkers(plainModule(module), graph.name, perRank, options.timeoutMs);
  } else throw new FractalError('RUNTIME', `run: mode must be inline or workers, got ${String(mode)}`);
  return {
    outputs: results.map((r) => r.outputs),
    warnings: results.flatMap((r) => r.warnings),
    stats: results.map((r) => r.stats),
  };
}

function runInline(plan: Plan, perRank: Tensor[][], onFree: CpuRunOptions['onFree']): Promise<RankResult[]> {
  return runRanksInline(perRank, (rank, feeds, collective) => runRank({ plan, rank, worldSize: perRank.length, feeds, collective, onFree }));
}

/**
 * Every rank as an async task of this thread, meeting in one InlineWorld; fails with the error of
 * the rank that failed first. `runOne` runs one rank (the interpreter's plan, or a compiled graph).
 */
export async function runRanksInline(
  perRank: readonly Tensor[][],
  runOne: (rank: number, feeds: Tensor[], collective: Collective) => Promise<RankResult>,
): Promise<RankResult[]> {
  const n = perRank.length;
  const world = new InlineWorld(n);
  const settled = await Promise.allSettled(
    perRank.map(async (feeds, rank) => {
      try {
        const r = await runOne(rank, feeds, world);
        world.leave(rank);
        return r;
      } catch (e) {
        world.abort(rank, e);
        throw e;
      }
    }),
  );
  if (world.failure) throw rankError(world.failure.error, world.failure.rank, n);
  return settled.map((s) => (s as PromiseFulfilledResult<RankResult>).value);
}

/** The error of a failed rank, its message prefixed `rank <r>: ` when world_size > 1. */
export function rankError(e: unknown, rank: number, worldSize: number): FractalError {
  const err = asRuntimeError(e, `rank ${rank}`);
  if (worldSize === 1 || err.message.startsWith(`rank ${rank}: `)) return err;
  return new FractalError(err.code, `rank ${rank}: ${err.message}`, err.rule, { cause: e });
}

export const cpuBackend: Backend = { name: 'cpu', run };
