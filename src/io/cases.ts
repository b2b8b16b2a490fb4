// The golden-case runner (conformance/README.md "What a runner does"): each case becomes a
// one-node graph, verified and run by the CPU executor; its outputs are written to
// OUT/<case>/<output>.npy (or the error to OUT/<case>/error.txt) and compared with the expected
// files under the case's tolerances. An expect_error case passes only if the input is refused.
import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ExecutionMode, RunMode } from '../backends/backend.ts';
import { run } from '../backends/cpu/executor.ts';
import { DTYPE_INFO } from '../ir/dtype.ts';
import { FractalError, type Warning } from '../ir/diagnostics.ts';
import type { Tensor } from '../ir/storage.ts';
import { buildCaseGraph, CASE_OP_INFO } from './case-graph.ts';
import { findCases, loadCase, type CaseSpec } from './case-spec.ts';
import { npyFromTensor, readNpy, writeFileAtomic, writeNpy, type NpyArray } from './npy.ts';
import { mismatch } from './tolerance.ts';

export interface CaseResult {
  readonly name: string;
  readonly passed: boolean;
  /** `PASS <case>`, `PASS <case> (refused: [<rule>])` or `FAIL <case>: <why>`. */
  readonly line: string;
  /** The rule id of the error that refused the input, when one did. */
  readonly rule?: string | undefined;
  readonly warnings: readonly Warning[];
}

export interface CaseRunOptions {
  /** Where OUT/<case>/… is written. */
  readonly out: string;
  readonly mode?: RunMode;
  /** The interpreter (default) or the compiled mode. */
  readonly execution?: ExecutionMode;
  /** Called after each case, in order. */
  readonly onResult?: (r: CaseResult) => void;
}

export interface CaseSummary {
  readonly results: readonly CaseResult[];
  readonly passed: number;
  readonly failed: number;
}

/** Runs every case under the given paths (a case directory or a directory of cases). */
export async function runCases(paths: readonly string[], opts: CaseRunOptions): Promise<CaseSummary> {
  const results: CaseResult[] = [];
  for (const dir of findCases(paths)) {
    const r = await runCase(dir, opts);
    results.push(r);
    opts.onResult?.(r);
  }
  const passed = results.filter((r) => r.passed).length;
  return { results, passed, failed: results.length - passed };
}

export async function runCase(dir: string, opts: Omit<CaseRunOptions, 'onResult'>): Promise<CaseResult> {
  const fail = (name: string, why: string, warnings: readonly Warning[] = []): CaseResult => ({ name, passed: false, line: `FAIL ${name}: ${why}`, warnings });
  let spec: CaseSpec;
  try {
    spec = loadCase(dir);
  } catch (e) {
    return fail(basename(dir), errorText(e));
  }
  const outDir = join(opts.out, spec.name);
  const names = CASE_OP_INFO[spec.op].outputs;
  let outputs: Tensor[];
  let warnings: readonly Warning[] = [];
  try {
    mkdirSync(outDir, { recursive: true });
    // Only the files this runner writes are replaced, never anything else in OUT.
    for (const f of [...names.map((n) => `${n}.npy`), 'error.txt']) rmSync(join(outDir, f), { force: true });
  } catch (e) {
    return fail(spec.name, `cannot prepare ${outDir}: ${(e as Error).message}`);
  }
  try {
    const g = buildCaseGraph(spec);
    const runner = opts.execution === 'compiled' ? (await import('../backends/tsgen/compiled-backend.ts')).runCompiled : run;
    const r = await runner(g.module, g.feeds, { mode: opts.mode ?? 'inline' });
    warnings = r.warnings;
    outputs = r.outputs[0]!;
    const differing = r.outputs.findIndex((rank) => rank.some((t, i) => !sameBytes(t, outputs[i]!)));
    if (differing > 0) return fail(spec.name, `rank ${differing} computed a different output from rank 0`, warnings);
  } catch (e) {
    const text = errorText(e);
    try {
      writeFileAtomic(join(outDir, 'error.txt'), `${text}\n`);
    } catch (w) {
      return fail(spec.name, errorText(w));
    }
    const refused = e instanceof FractalError && (e.code === 'VERIFY' || e.code === 'RUNTIME');
    if (spec.expectError && refused) {
      const rule = (e as FractalError).rule;
      return { name: spec.name, passed: true, line: `PASS ${spec.name} (refused: ${rule ? `[${rule}]` : text})`, rule, warnings };
    }
    return fail(spec.name, text, warnings);
  }
  try {
    outputs.forEach((t, i) => writeNpy(join(outDir, `${names[i]}.npy`), npyFromTensor(t)));
  } catch (e) {
    return fail(spec.name, errorText(e), warnings);
  }
  if (spec.expectError) return fail(spec.name, `the input must be refused${spec.rule ? ` (${spec.rule})` : ''}, but it ran`, warnings);
  const why = compareCase(spec, names, outputs);
  return why === undefined ? { name: spec.name, passed: true, line: `PASS ${spec.name}`, warnings } : fail(spec.name, why, warnings);
}

/** Why the outputs do not match the expected files or any alternative (undefined when they match). */
function compareCase(spec: CaseSpec, names: readonly string[], outputs: readonly Tensor[]): string | undefined {
  const got = new Map(names.map((n, i) => [n, outputs[i]!]));
  for (const [name, tag] of Object.entries(spec.dtypes)) {
    const t = got.get(name);
    if (t && name in spec.outputs && DTYPE_INFO[t.type.dtype].tag !== tag) return `output ${name} has dtype ${DTYPE_INFO[t.type.dtype].tag}, expected ${tag}`;
  }
  const unknown = Object.keys(spec.outputs).find((n) => !got.has(n));
  if (unknown) return `the case expects an output ${unknown}, but the op gives ${names.join(', ')}`;
  const candidates = [spec.outputs, ...spec.alternatives.map((alt) => ({ ...spec.outputs, ...alt.outputs }))];
  let first: string | undefined;
  for (const files of candidates) {
    const why = compareFiles(spec, files, got);
    if (why === undefined) return undefined;
    first ??= why;
  }
  return candidates.length > 1 ? `${first} (and no alternative matches)` : first;
}

function compareFiles(spec: CaseSpec, files: Readonly<Record<string, string>>, got: Map<string, Tensor>): string | undefined {
  const problems: string[] = [];
  for (const [name, file] of Object.entries(files)) {
    const tol = spec.tolerance[name]!;
    let want: NpyArray;
    let magnitude: NpyArray | undefined;
    try {
      want = readNpy(join(spec.dir, file));
      if (tol.kind === 'ulp_of_magnitude') magnitude = readNpy(join(spec.dir, tol.magnitude));
    } catch (e) {
      return errorText(e);
    }
    const tag = spec.dtypes[name] ?? DTYPE_INFO[got.get(name)!.type.dtype].tag;
    const why = mismatch(npyFromTensor(got.get(name)!), want, tag, tol, magnitude);
    if (why) problems.push(`output ${name}: ${why}`);
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

function sameBytes(a: Tensor, b: Tensor): boolean {
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function errorText(e: unknown): string {
  if (e instanceof FractalError) return e.message;
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}
