// Differential testing of the compiled mode: a module runs with the interpreter and with its
// generated module (ranks inline, and in worker threads when asked), and both must agree on
// everything a caller sees — every rank's outputs bit for bit with their types, the warnings in
// order, or the error (code, rule and message). Also seeded feeds for any graph, each parameter
// filled for the role it plays in the op that reads it.
import { expect } from 'vitest';
import type { Feeds, RunMode, RunResult } from '../../src/backends/backend.ts';
import { run } from '../../src/backends/cpu/executor.ts';
import { runCompiled } from '../../src/backends/tsgen/compiled-backend.ts';
import { FractalError } from '../../src/ir/diagnostics.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { ndToNz } from '../../src/ir/layout-convert.ts';
import type { Module } from '../../src/ir/module.ts';
import { valueNames } from '../../src/ir/names.ts';
import { opDef } from '../../src/ir/ops/registry.ts';
import type { Tensor } from '../../src/ir/storage.ts';
import type { Value } from '../../src/ir/value.ts';
import { bytesOf, rng, seededStorage, type Role } from './seeded-inputs.ts';

export type Outcome = { readonly ok: true; readonly result: RunResult } | { readonly ok: false; readonly error: FractalError };

type Runner = typeof run;

async function outcomeOf(runner: Runner, module: Module, feeds: Feeds, graph: string | undefined, mode: RunMode): Promise<Outcome> {
  try {
    return { ok: true, result: await runner(module, feeds, { graph, mode }) };
  } catch (e) {
    if (e instanceof FractalError) return { ok: false, error: e };
    throw e;
  }
}

/** A comparable summary: outputs as type and bytes (hex), warnings, or the error. */
function summary(o: Outcome): unknown {
  if (!o.ok) return { code: o.error.code, rule: o.error.rule, message: o.error.message };
  return {
    outputs: o.result.outputs.map((rank) => rank.map((t) => `${t.type} ${Buffer.from(bytesOf(t.data)).toString('hex')}`)),
    warnings: o.result.warnings,
  };
}

export interface AgreeOptions {
  readonly graph?: string;
  /** Also run both ways with every rank in its own worker thread. */
  readonly workers?: boolean;
}

/**
 * Runs `module` with the interpreter and in compiled mode and expects the same outputs (types
 * and bytes on every rank), warnings, or error. Returns the interpreter's outcome.
 */
export async function expectCompiledAgrees(module: Module, feeds: Feeds, opts: AgreeOptions = {}): Promise<Outcome> {
  const modes: RunMode[] = opts.workers ? ['inline', 'workers'] : ['inline'];
  const reference = await outcomeOf(run, module, feeds, opts.graph, 'inline');
  const want = summary(reference);
  for (const mode of modes) {
    if (mode !== 'inline') expect(summary(await outcomeOf(run, module, feeds, opts.graph, mode)), `interpreter, ranks ${mode}`).toEqual(want);
    expect(summary(await outcomeOf(runCompiled, module, feeds, opts.graph, mode)), `compiled, ranks ${mode}`).toEqual(want);
  }
  return reference;
}

/** The operand name (OpDef schema) under which the first statement reading `v` reads it (through reshapes). */
function operandName(v: Value): { op: string; name: string; axis: number | undefined; user: Value[] } | undefined {
  const use = v.uses[0];
  if (!use) return undefined;
  if (use.node.op === 'prim.reshape') return operandName(use.node.results[0]!);
  const def = opDef(use.node.op);
  const spec = def.operands[Math.min(use.operand, def.operands.length - 1)];
  const axis = use.node.attrs['axis']?.k === 'int' ? use.node.int('axis') : undefined;
  return { op: use.node.op, name: spec?.name ?? '', axis, user: use.node.operands.filter((x): x is Value => x !== null) };
}

const SCALES = ['smooth_scales', 'scales', 'dequant_scale', 'pertoken_scale', 'scale', 'offset'];

function roleOf(v: Value, seed: number): Role | 'gather-index' {
  const use = operandName(v);
  if (use?.op === 'prim.gather' && use.name === 'indices') return 'gather-index';
  // The operand it feeds, or else its own name (a decomposed op's parameters keep theirs).
  const name = use && use.name !== 'x' ? use.name : (v.hint ?? '');
  if (name === 'indices' || name === 'row_idx') return 'permutation';
  if (name === 'expert_idx') return 'expert';
  if (name === 'weight') return 'weight4';
  if (name === 'bias') return 'bias';
  if (name === 'zero_points') return 'zero-point';
  // Odd seeds feed scales like data: zeros, NaN, ±Inf.
  if (SCALES.includes(name)) return seed % 2 ? 'data' : 'scale';
  return 'data';
}

/** Gather indices within the gathered axis. */
function gatherIndices(v: Value, seed: number): Int32Array {
  const use = operandName(v)!;
  const x = use.user[0]!;
  const axis = ((use.axis ?? 0) + x.type.rank) % x.type.rank;
  const dim = x.type.shape[axis]!;
  const r = rng(seed);
  return Int32Array.from({ length: v.type.numel }, () => Math.floor(r() * dim));
}

/** Seeded feeds for every parameter of `graph`, a different tensor per rank (NZ feeds in their storage, padding zero). */
export function seededFeeds(graph: Graph, seed: number): Feeds {
  const names = valueNames(graph);
  const feeds: Record<string, Tensor[]> = {};
  graph.params.forEach((p, i) => {
    const role = roleOf(p, seed);
    feeds[names.get(p)!] = Array.from({ length: graph.worldSize }, (_, rank) => {
      const s = seed + 8 * (1 + rank * 31 + i * 7);
      const nd = p.type.with({ layout: { kind: 'nd' } });
      let data = role === 'gather-index' ? gatherIndices(p, s) : seededStorage(nd, role, s);
      if (p.type.layout.kind === 'nz') data = ndToNz(data, p.type.shape, p.type.dtype, p.type.layout.c0);
      return { type: p.type, data };
    });
  });
  return feeds;
}
