// constant-fold (ir.md §9.2): a statement other than prim.constant and comm.* whose operands all
// come from prim.constant is evaluated by the evaluator the pass is handed, and each result is
// replaced by a prim.constant of a new `dense` resource named after the result's hint. With a
// per_rank operand the op is evaluated on every rank into a per_rank resource. If evaluation
// fails (or no evaluator was given, or the op is larger than the size limit) the op stays for run
// time. One forward walk folds whole constant chains, since a folded result is a constant by the
// time its users are reached.
import { FractalError, type Warning } from '../ir/diagnostics.ts';
import type { Graph } from '../ir/graph.ts';
import { constantTensor } from '../ir/constants.ts';
import { nzToNd } from '../ir/layout-convert.ts';
import type { Node } from '../ir/node.ts';
import { allocStorage, containerLength, readElement, writeElement, type Storage, type Tensor } from '../ir/storage.ts';
import type { TensorType } from '../ir/types.ts';
import { subjectOf } from '../ir/verify.ts';
import type { Evaluator } from './evaluator.ts';
import type { Pass, PassContext } from './pass.ts';
import { constantResource } from './rewrite/match.ts';
import { Rewriter } from './rewrite/rewriter.ts';

/** Ops that combine values across ranks besides comm.* (ir.md §4): evaluated on every rank. */
const COMBINES_RANKS: ReadonlySet<string> = new Set(['npu.quant_matmul_all_reduce']);

interface Counts {
  folded: number;
  failed: number;
  'too-large': number;
}

function foldable(n: Node): boolean {
  return n.op !== 'prim.constant' && !n.op.startsWith('comm.') && n.operands.every((v) => v === null || v.producer?.op === 'prim.constant');
}

/** The logical ND elements of a tensor (NZ storage unpacked, padding dropped). */
function logicalElements(t: Tensor): Storage {
  return t.type.layout.kind === 'nz' ? nzToNd(t.data, t.type.shape, t.type.dtype, t.type.layout.c0) : t.data;
}

/** Concatenates per-rank logical elements along a new leading axis. */
function stack(type: TensorType, parts: readonly Storage[]): Storage {
  if (parts.length === 1) return parts[0]!;
  const numel = type.numel;
  const out = allocStorage(type.dtype, numel * parts.length);
  if (type.dtype === 'i4' && numel % 2 === 1) {
    // An NZ i4 matrix may have an odd element count: ranks then meet inside a byte.
    parts.forEach((p, r) => {
      for (let k = 0; k < numel; k++) writeElement('i4', out, r * numel + k, readElement('i4', p, k));
    });
    return out;
  }
  const step = containerLength(type.dtype, numel);
  parts.forEach((p, r) => (out as unknown as { set(a: ArrayLike<unknown>, at: number): void }).set(p as ArrayLike<unknown>, r * step));
  return out;
}

function checkOutputs(node: Node, outputs: readonly (readonly Tensor[])[], ranks: number): void {
  const bad = (what: string) => new FractalError('RUNTIME', `${subjectOf(node)}: the evaluator ${what}`);
  if (outputs.length !== ranks) throw bad(`returned ${outputs.length} ranks for ${ranks}`);
  for (const ts of outputs) {
    if (ts.length !== node.results.length) throw bad(`returned ${ts.length} results for ${node.results.length}`);
    ts.forEach((t, i) => {
      const want = node.results[i]!.type;
      if (!t.type.equals(want) || t.data.length !== containerLength(want.dtype, want.storageNumel)) {
        throw bad(`returned result ${i} as ${t.type} with ${t.data.length} elements for ${want}`);
      }
    });
  }
}

function foldNode(g: Graph, node: Node, evaluator: Evaluator, ctx: PassContext, counts: Counts): void {
  const resources = node.operands.map((v) => (v ? constantResource(v) : undefined));
  const perRank = resources.some((r) => r?.perRank);
  const ranks = perRank || COMBINES_RANKS.has(node.op) ? g.worldSize : 1;
  const size = [...node.operands.map((v) => v?.type.storageNumel ?? 0), ...node.results.map((r) => r.type.storageNumel)].reduce((a, b) => a + b, 0);
  if (size * ranks > ctx.foldLimit) {
    counts['too-large']++;
    return;
  }
  const shared = resources.map((r) => (r && !r.perRank ? constantTensor(r, 0) : null));
  const inputs = Array.from({ length: ranks }, (_, rank) => resources.map((r, i) => (r ? (shared[i] ?? constantTensor(r, rank)) : null)));
  let outputs: readonly (readonly Tensor[])[];
  let warnings: readonly (readonly Warning[])[];
  try {
    ({ outputs, warnings } = evaluator.evaluate(node, inputs));
  } catch {
    counts.failed++;
    return;
  }
  checkOutputs(node, outputs, ranks);
  // Without a per_rank operand every rank computed the same thing: keep rank 0's.
  const kept = perRank ? ranks : 1;
  for (let r = 0; r < kept; r++) {
    for (const w of warnings[r] ?? []) ctx.warn(perRank && g.worldSize > 1 ? { rule: w.rule, message: `rank ${r}: ${w.message}` } : w);
  }
  const rw = new Rewriter(g, node);
  node.results.forEach((res, i) => {
    const parts = outputs.slice(0, kept).map((ts) => logicalElements(ts[i]!));
    const type = perRank ? res.type.with({ shape: [g.worldSize, ...res.type.shape] }) : res.type;
    const hint = res.hint ?? 'cst';
    const c = rw.b.constant(type, { kind: 'dense', data: stack(res.type, parts) }, { name: hint, perRank, hint });
    rw.replace(res, c);
  });
  rw.erase(node);
  counts.folded++;
}

export const constantFold: Pass = {
  name: 'constant-fold',
  summary: 'evaluates statements whose operands are all constants into new dense constants',
  run(module, ctx) {
    const counts: Counts = { folded: 0, failed: 0, 'too-large': 0 };
    const evaluator = ctx.evaluator;
    if (evaluator) {
      for (const g of module.graphs) {
        for (const node of [...g.nodes]) if (foldable(node)) foldNode(g, node, evaluator, ctx, counts);
      }
    }
    const stats = Object.fromEntries(Object.entries(counts).filter(([, v]) => v > 0));
    return { changed: counts.folded > 0, stats };
  },
};
