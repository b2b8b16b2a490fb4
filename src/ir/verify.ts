// The verifier: structural rules of ir.md (§1.2 types, §2.3 counts, §2.4 attributes, §2.6
// graphs, §3.1 resources) and then each op's own rules, in order; the first failure throws.
import { attrToJs, coerceAttr, type Attrs } from './attr.ts';
import { FractalError, ruleError, show, type SourceLoc } from './diagnostics.ts';
import { checkInitializer } from './elements.ts';
import type { Graph } from './graph.ts';
import { isFloat } from './dtype.ts';
import { LEGAL_C0 } from './layout.ts';
import type { Module } from './module.ts';
import { valueNames } from './names.ts';
import type { Node } from './node.ts';
import { OpContext } from './ops/context.ts';
import { opDef, type OpDef } from './ops/registry.ts';
import type { TensorType } from './types.ts';
import type { Value } from './value.ts';

/** Why a type is illegal ([ir.1]), or undefined. */
export function typeProblem(t: TensorType): string | undefined {
  if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return 'dimensions must be integers >= 0';
  if (t.layout.kind === 'nz') {
    if (t.rank < 2) return '#nz needs rank >= 2';
    const legal = LEGAL_C0[t.dtype];
    if (!legal?.includes(t.layout.c0)) {
      return legal ? `#nz of ${t.dtype} needs c0 in {${legal.join(', ')}}` : `${t.dtype} has no #nz form`;
    }
  } else if (t.dtype === 'i4' && (t.rank < 1 || t.shape[t.rank - 1]! % 2 !== 0)) {
    return 'an #nd i4 tensor needs rank >= 1 and an even last dimension';
  }
  return undefined;
}

/** Checks attribute keys and kinds against the schema, returns them with defaults filled in. */
export function checkAttrs(def: OpDef, attrs: Attrs, subject: () => string): Attrs {
  const out: Record<string, Attrs[string]> = {};
  for (const [k, a] of Object.entries(attrs)) {
    const spec = Object.hasOwn(def.attrs, k) ? def.attrs[k] : undefined;
    if (!spec) throw ruleError('VERIFY', subject(), 'ir.3', `unknown attribute '${k}'`, k);
    const v = coerceAttr(spec.kind, a);
    if (!v) throw ruleError('VERIFY', subject(), 'ir.3', `attribute ${k} must be of kind ${spec.kind}`, `${a.k} ${show(attrToJs(a))}`);
    out[k] = v;
  }
  for (const [k, spec] of Object.entries(def.attrs)) {
    if (out[k]) continue;
    if (!spec.default) throw ruleError('VERIFY', subject(), 'ir.3', `attribute ${k} is required`, 'none');
    out[k] = spec.default;
  }
  return out;
}

/**
 * A `scalar` attribute of an op on float data is a float: an integer literal there is converted
 * (ir.md §2.4), so `clamp {max = 7}` on f32 reads and prints as `7.0`.
 */
function floatScalars(def: OpDef, attrs: Attrs, x: TensorType | undefined): Attrs {
  if (!x || !isFloat(x.dtype)) return attrs;
  const out: Record<string, Attrs[string]> = { ...attrs };
  for (const [k, spec] of Object.entries(def.attrs)) {
    const a = out[k];
    // A default left in place stays as declared, so the printer still omits it.
    if (spec.kind === 'scalar' && a?.k === 'int' && a !== spec.default) out[k] = { k: 'float', v: Number(a.v) };
  }
  return out;
}

/** Operand count and presence rules ([ir.2], or the op's NULLPTR rule for a missing operand). */
function checkArity(def: OpDef, node: Node, subject: () => string): void {
  const variadic = def.operands.some((o) => o.variadic);
  const n = node.operands.length;
  if (variadic ? n < 1 : n > def.operands.length) {
    throw ruleError('VERIFY', subject(), 'ir.2', `expects ${variadic ? 'at least 1' : `at most ${def.operands.length}`} operands`, n);
  }
  // An op with a NULLPTR rule checks presence in its own verify, where its spec orders that rule
  // (after [npu_quantize.5], [trans_quant_param.1]).
  if (!def.nullRule) def.operands.forEach((spec, i) => {
    if (!spec.optional && !node.operands[i]) {
      throw ruleError('VERIFY', subject(), 'ir.2', `operand ${spec.name} is required`, 'none');
    }
  });
  if (variadic && node.operands.some((v) => !v)) {
    throw ruleError('VERIFY', subject(), 'ir.2', 'operands must not be none', 'none');
  }
  if (node.results.length !== def.results.length) {
    throw ruleError('VERIFY', subject(), 'ir.2', `expects ${def.results.length} results`, node.results.length);
  }
}

export function subjectOf(node: Node, names?: Map<Value, string>): string {
  const r = node.results[0];
  const n = r && (names ?? (node.graph ? valueNames(node.graph) : undefined))?.get(r);
  return `${node.op} %${n ?? r?.hint ?? '?'}`;
}

/** Attaches `loc` to a FractalError that has none yet (the innermost location wins). */
function atLoc<T>(loc: SourceLoc | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (loc && e instanceof FractalError && !e.loc) e.loc = loc;
    throw e;
  }
}

/** Verifies one statement; a failure carries the statement's `loc` when it was parsed. */
export function verifyNode(node: Node, names?: Map<Value, string>): void {
  atLoc(node.loc, () => checkNode(node, names));
}

function checkNode(node: Node, names?: Map<Value, string>): void {
  const def = opDef(node.op);
  const subject = () => subjectOf(node, names);
  checkArity(def, node, subject);
  for (const r of node.results) {
    const p = typeProblem(r.type);
    if (p) throw ruleError('VERIFY', subject(), 'ir.1', p, r.type.toString());
  }
  node.attrs = floatScalars(def, checkAttrs(def, node.attrs, subject), node.operands[0]?.type);
  const g = node.graph;
  const ctx = new OpContext(
    def,
    node.operands.map((v) => v?.type ?? null),
    node.attrs,
    node.results.map((r) => r.type),
    g?.worldSize ?? 1,
    subject,
    g?.module?.resources,
  );
  def.verify(ctx);
}

/** Verifies a graph; failures carry the failing statement's, the return's or the header's `loc`. */
export function verifyGraph(g: Graph): void {
  atLoc(g.loc, () => checkGraph(g));
}

function checkGraph(g: Graph): void {
  const names = valueNames(g);
  const where = `graph @${g.name}`;
  if (!Number.isSafeInteger(g.worldSize) || g.worldSize < 1) {
    throw ruleError('VERIFY', where, 'ir.6', 'world_size must be an integer >= 1', g.worldSize);
  }
  const defined = new Set<Value>(g.params);
  for (const p of g.params) {
    const problem = typeProblem(p.type);
    if (problem) throw ruleError('VERIFY', where, 'ir.1', `parameter %${names.get(p)}: ${problem}`, p.type.toString());
  }
  for (const node of g.nodes) {
    atLoc(node.loc, () =>
      node.operands.forEach((v, i) => {
        if (v && !defined.has(v)) {
          throw ruleError('VERIFY', subjectOf(node, names), 'ir.4', `operand ${i} must be defined by an earlier statement or a parameter`, v.hint ? `%${v.hint}` : 'a later value');
        }
      }),
    );
    verifyNode(node, names);
    node.results.forEach((r) => defined.add(r));
  }
  atLoc(g.returnLoc, () => {
    if (g.outputs.length !== g.resultTypes.length) {
      throw ruleError('VERIFY', where, 'ir.5', `return must give ${g.resultTypes.length} values`, g.outputs.length);
    }
    g.outputs.forEach((v, i) => {
      if (!defined.has(v)) throw ruleError('VERIFY', where, 'ir.5', `return value ${i} must be defined in the graph`, show(v.hint));
      if (!v.type.equals(g.resultTypes[i]!)) {
        throw ruleError('VERIFY', where, 'ir.5', `return value ${i} must have type ${g.resultTypes[i]}`, v.type.toString());
      }
    });
  });
}

/** Verifies every graph and every resource of a module. */
export function verifyModule(m: Module): void {
  for (const r of m.resources.values()) atLoc(r.loc, () => {
    const where = `resource @${r.name}`;
    const problem = typeProblem(r.type);
    if (problem) throw ruleError('VERIFY', where, 'ir.1', problem, r.type.toString());
    if (r.init.kind === 'random') {
      const { seed, lo, hi } = r.init;
      if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw ruleError('VERIFY', where, 'ir.7', 'random seed must lie in [0, 2^32)', seed);
      if (typeof lo === 'number' && typeof hi === 'number' && !(Number.isFinite(lo) && Number.isFinite(hi))) {
        throw ruleError('VERIFY', where, 'ir.7', 'random lo and hi must be finite', `${lo}, ${hi}`);
      }
      if (lo > hi) throw ruleError('VERIFY', where, 'ir.7', 'random needs lo <= hi', `lo = ${lo}, hi = ${hi}`);
    }
    checkInitializer(r);
    if (r.perRank) {
      if (r.type.rank < 1) throw ruleError('VERIFY', where, 'ir.7', 'a per_rank resource needs rank >= 1', r.type.toString());
      for (const g of m.graphs) {
        const uses = g.nodes.some((n) => n.op === 'prim.constant' && n.attrs['value']?.v === r.name);
        if (uses && r.type.shape[0] !== g.worldSize) {
          throw ruleError('VERIFY', where, 'ir.7', `the leading dimension of a per_rank resource must equal world_size ${g.worldSize} of graph @${g.name}`, r.type.shape[0]);
        }
      }
    }
  });
  for (const g of m.graphs) verifyGraph(g);
}

/** Runs `fn` and rethrows anything that is not a FractalError as one (never a raw TypeError). */
export function guarded<T>(code: FractalError['code'], where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FractalError) throw e;
    if (e instanceof RangeError && /call stack/.test(e.message)) {
      throw new FractalError(code, `${where}: input is nested too deeply, got a stack overflow`, undefined, { cause: e });
    }
    throw new FractalError(code, `${where}: internal error: ${(e as Error)?.message ?? String(e)}`, undefined, { cause: e });
  }
}
