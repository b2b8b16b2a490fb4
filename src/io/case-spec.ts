// A golden case directory (conformance/README.md): `case.json` says which operator to run, with
// which attributes, input files, dtype tags, expected files and tolerances. Reading it checks
// every field it relies on, so a malformed case is an IO error naming the file and field.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FractalError } from '../ir/diagnostics.ts';
import { FLOAT_TAGS, type Tolerance } from './tolerance.ts';

export const CASE_OPS = [
  'dynamic_quant',
  'npu_quantize',
  'quant_matmul_all_reduce',
  'convert_weight_to_int4pack',
  'moe_init_routing_quant',
  'trans_quant_param',
  'nd_to_nz',
  'nz_to_nd',
] as const;

export type CaseOp = (typeof CASE_OPS)[number];

export interface CaseSpec {
  readonly name: string;
  readonly dir: string;
  readonly op: CaseOp;
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Input name -> file name in `dir`. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Output name -> expected file name in `dir` (empty for expect_error). */
  readonly outputs: Readonly<Record<string, string>>;
  readonly dtypes: Readonly<Record<string, string>>;
  readonly tolerance: Readonly<Record<string, Tolerance>>;
  readonly expectError: boolean;
  /** The broken rule an expect_error case names (prose in the conformance set). */
  readonly rule: string | undefined;
  readonly alternatives: readonly { readonly outputs: Readonly<Record<string, string>>; readonly why: string }[];
  readonly int4LogicalShapes: Readonly<Record<string, readonly number[]>>;
  readonly description: string;
}

/** Case directories under the given paths: a path holding case.json is a case, else its children that do, sorted by name. */
export function findCases(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p) || !statSync(p).isDirectory()) throw new FractalError('IO', `${p}: not a case directory or a directory of cases, got ${existsSync(p) ? 'a file' : 'nothing'}`);
    if (existsSync(join(p, 'case.json'))) {
      out.push(p);
      continue;
    }
    const children = readdirSync(p, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(p, e.name, 'case.json')))
      .map((e) => e.name)
      .sort();
    if (children.length === 0) throw new FractalError('IO', `${p}: no case.json in it or in its subdirectories, got none`);
    out.push(...children.map((c) => join(p, c)));
  }
  return out;
}

export function loadCase(dir: string): CaseSpec {
  const path = join(dir, 'case.json');
  const fail = (what: string, got: unknown): never => {
    throw new FractalError('IO', `${path}: ${what}, got ${typeof got === 'string' ? got : JSON.stringify(got)}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return fail('cannot read it as JSON', (e as Error).message);
  }
  if (!isObject(raw)) return fail('must hold a JSON object', raw);
  const c = raw;
  const op = c['op'];
  if (!CASE_OPS.includes(op as CaseOp)) fail(`op must be one of ${CASE_OPS.join(', ')}`, op);
  const files = (field: string, required: boolean): Record<string, string> => {
    const v = c[field] ?? (required ? undefined : {});
    if (!isObject(v) || !Object.values(v).every((f) => typeof f === 'string' && f.length > 0 && basename(f) === f)) {
      return fail(`${field} must map names to file names in the case directory`, v);
    }
    return v as Record<string, string>;
  };
  const attrs = c['attrs'] ?? {};
  if (!isObject(attrs)) fail('attrs must be an object', attrs);
  const dtypes = c['dtypes'] ?? {};
  if (!isObject(dtypes) || !Object.values(dtypes).every((t) => typeof t === 'string')) fail('dtypes must map names to dtype tags', dtypes);
  const expectError = c['expect_error'] ?? false;
  if (typeof expectError !== 'boolean') fail('expect_error must be true or false', expectError);
  const outputs = files('outputs', false);
  const tolerance: Record<string, Tolerance> = {};
  const tolRaw = c['tolerance'] ?? {};
  if (!isObject(tolRaw)) fail('tolerance must be an object', tolRaw);
  for (const name of Object.keys(outputs)) tolerance[name] = parseTolerance((tolRaw as Record<string, unknown>)[name] ?? { kind: 'exact' }, name, fail);
  const alternatives = c['alternatives'] ?? [];
  if (!Array.isArray(alternatives)) fail('alternatives must be a list', alternatives);
  const alts = (alternatives as unknown[]).map((a, i) => {
    if (!isObject(a) || !isObject(a['outputs'])) return fail(`alternatives[${i}] must have outputs`, a);
    const o = a['outputs'];
    for (const [k, f] of Object.entries(o)) {
      if (!(k in outputs) || typeof f !== 'string' || basename(f) !== f) fail(`alternatives[${i}].outputs must map output names to file names`, o);
    }
    return { outputs: o as Record<string, string>, why: String(a['why'] ?? '') };
  });
  const shapes = c['int4_logical_shapes'] ?? {};
  if (!isObject(shapes) || !Object.values(shapes).every(isShape)) fail('int4_logical_shapes must map names to shapes', shapes);
  return {
    name: basename(dir),
    dir,
    op: op as CaseOp,
    attrs: attrs as Record<string, unknown>,
    inputs: files('inputs', true),
    outputs,
    dtypes: dtypes as Record<string, string>,
    tolerance,
    expectError: expectError as boolean,
    rule: typeof c['rule'] === 'string' ? c['rule'] : undefined,
    alternatives: alts,
    int4LogicalShapes: shapes as Record<string, number[]>,
    description: typeof c['description'] === 'string' ? c['description'] : '',
  };
}

function parseTolerance(t: unknown, name: string, fail: (what: string, got: unknown) => never): Tolerance {
  if (!isObject(t)) return fail(`tolerance.${name} must be an object`, t);
  if (t['kind'] === 'exact') return { kind: 'exact' };
  if (t['kind'] !== 'ulp' && t['kind'] !== 'ulp_of_magnitude') return fail(`tolerance.${name}.kind must be exact, ulp or ulp_of_magnitude`, t['kind']);
  const dtype = t['dtype'];
  const maxUlp = t['max_ulp'];
  if (typeof dtype !== 'string' || !FLOAT_TAGS.includes(dtype)) fail(`tolerance.${name}.dtype must be one of ${FLOAT_TAGS.join(', ')}`, dtype);
  if (typeof maxUlp !== 'number' || !(maxUlp >= 0)) fail(`tolerance.${name}.max_ulp must be a number >= 0`, maxUlp);
  if (t['kind'] === 'ulp') return { kind: 'ulp', dtype: dtype as 'float32', max_ulp: maxUlp as number };
  const magnitude = t['magnitude'];
  if (typeof magnitude !== 'string' || basename(magnitude) !== magnitude) fail(`tolerance.${name}.magnitude must name a file in the case directory`, magnitude);
  return { kind: 'ulp_of_magnitude', dtype: dtype as 'float32', max_ulp: maxUlp as number, magnitude: magnitude as string };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isShape = (v: unknown): boolean => Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);
