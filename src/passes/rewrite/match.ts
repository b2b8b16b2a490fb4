// The matcher: backtracking over either/optional branches and commutative operand orders, with
// bindings undone on the way back. Each complete match is offered to an `accept` callback (the
// structural checks and the rule's guard); a rejection resumes the search for another binding.
// When tracing, the failure that got furthest is kept, for `explain`.
import { FractalError } from '../../ir/diagnostics.ts';
import { printAttr } from '../../ir/print.ts';
import { readElement } from '../../ir/storage.ts';
import type { Graph } from '../../ir/graph.ts';
import type { Resource } from '../../ir/module.ts';
import type { Node } from '../../ir/node.ts';
import { bf16ToF32, f16ToF64 } from '../../numerics/float.ts';
import type { Value } from '../../ir/value.ts';
import { ANY_OPERANDS, type ConstantPattern, type OpPattern, type Pattern, type Predicate, type Rule, type TypeConstraint } from './pattern.ts';

/** What guards and predicates see: the bindings so far. */
export interface MatchView {
  has(name: string): boolean;
  /** The value bound to a capture, a constant or an op pattern's `as`. */
  value(name: string): Value;
  /** The statement bound to an op pattern's `as`. */
  node(name: string): Node;
}

export class Match implements MatchView {
  constructor(
    readonly rule: string,
    readonly graph: Graph,
    /** The anchor, then each extra root (undefined where an optional root found nothing). */
    readonly roots: readonly (Node | undefined)[],
    /** Matched statements (roots and interior); the rewrite replaces or erases them. */
    readonly nodes: ReadonlySet<Node>,
    /** Statements only inspected (constants, `leaf` ops); they stay. */
    readonly leaves: ReadonlySet<Node>,
    private readonly values: ReadonlyMap<string, Value>,
    private readonly named: ReadonlyMap<string, Node>,
  ) {}

  has(name: string): boolean {
    return this.values.has(name);
  }
  value(name: string): Value {
    const v = this.values.get(name);
    if (!v) throw ruleBug(this.rule, `nothing is bound to '${name}'`);
    return v;
  }
  maybeValue(name: string): Value | undefined {
    return this.values.get(name);
  }
  node(name: string): Node {
    const n = this.named.get(name);
    if (!n) throw ruleBug(this.rule, `no statement is bound to '${name}'`);
    return n;
  }
  maybeNode(name: string): Node | undefined {
    return this.named.get(name);
  }
  /** The resource read by a constant bound to `name`. */
  resource(name: string): Resource {
    const r = constantResource(this.value(name));
    if (!r) throw ruleBug(this.rule, `'${name}' is not a prim.constant`);
    return r;
  }
  /** The splat value of a constant bound to `name`, or undefined when its elements differ. */
  splat(name: string): number | bigint | boolean | undefined {
    return splatValue(this.value(name));
  }
  /** The matched statement that comes last in the graph: rewrites insert before it (ir.md §9.3). */
  get last(): Node {
    // A single root comes after everything it reads.
    if (this.roots.length === 1) return this.roots[0]!;
    const nodes = this.graph.nodes;
    for (let i = nodes.length - 1; ; i--) if (this.nodes.has(nodes[i]!)) return nodes[i]!;
  }
}

/** A mistake in a rule (asking for a name its pattern does not bind). */
function ruleBug(rule: string, what: string): FractalError {
  return new FractalError('VERIFY', `rule ${rule}: ${what}`);
}

/** The resource behind a `prim.constant` result. */
export function constantResource(v: Value): Resource | undefined {
  const p = v.producer;
  if (p?.op !== 'prim.constant') return undefined;
  return p.graph?.module?.resources.get(p.attrs['value']?.v as string);
}

/** The common value of a constant's elements (floats exactly), or undefined when they differ. */
export function splatValue(v: Value): number | bigint | boolean | undefined {
  const r = constantResource(v);
  if (!r || (r.init.kind !== 'splat' && r.init.kind !== 'dense')) return undefined;
  const { dtype } = r.type;
  const data = r.init.data;
  const count = r.init.kind === 'splat' ? 1 : r.type.numel;
  if (count === 0) return undefined;
  const first = readElement(dtype, data, 0);
  for (let i = 1; i < count; i++) {
    const e = readElement(dtype, data, i);
    // f16/bf16 containers hold bits; elsewhere Object.is keeps -0 apart from 0.
    if (!Object.is(e, first)) return undefined;
  }
  if (dtype === 'f16') return f16ToF64(first as number);
  if (dtype === 'bf16') return bf16ToF32(first as number);
  if (dtype === 'i1') return first !== 0;
  return first;
}

function splatEquals(want: number | bigint | boolean, got: number | bigint | boolean): boolean {
  if (typeof want === 'bigint' || typeof got === 'bigint') {
    const w = typeof want === 'number' && Number.isInteger(want) ? BigInt(want) : want;
    const g = typeof got === 'number' && Number.isInteger(got) ? BigInt(got) : got;
    return w === g;
  }
  return Object.is(want, got);
}

/** How values are named in explanations. */
export type Namer = (v: Value) => string;

export const hintNamer: Namer = (v) => `%${v.hint ?? '?'}`;

const nodeName = (n: Node, name: Namer): string => `${n.op} ${n.results[0] ? name(n.results[0]) : ''}`.trim();

/**
 * Checks a complete match against the graph: interior values (results of matched non-root
 * statements) must not be used outside the match or returned, and no input of the match may
 * depend on a matched statement (fusing would create a cycle).
 */
export function checkStructure(m: Match, name: Namer = hintNamer): true | string {
  const roots = new Set(m.roots.filter((r): r is Node => r !== undefined));
  for (const n of m.nodes) {
    if (roots.has(n)) continue;
    for (const r of n.results) {
      const outside = r.uses.find((u) => !m.nodes.has(u.node));
      if (outside) return `interior value ${name(r)} (${n.op}) is also used by ${nodeName(outside.node, name)} outside the match`;
      if (m.graph.outputs.includes(r)) return `interior value ${name(r)} (${n.op}) is returned by the graph`;
    }
  }
  // With one root there is no cycle to create: an input that depended on an interior value
  // would be an outside use, and one that depended on the root would already be a cycle.
  if (m.roots.length === 1) return true;
  const pos = new Map(m.graph.nodes.map((n, i) => [n, i]));
  let first = Infinity;
  for (const n of m.nodes) first = Math.min(first, pos.get(n) ?? Infinity);
  const seen = new Set<Node>();
  const stack: Node[] = [];
  for (const n of m.nodes) {
    for (const v of n.operands) {
      const p = v?.producer;
      if (p && !m.nodes.has(p)) stack.push(p);
    }
  }
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n) || (pos.get(n) ?? -1) < first) continue;
    seen.add(n);
    for (const v of n.operands) {
      const p = v?.producer;
      if (!p) continue;
      if (m.nodes.has(p)) return `input ${nodeName(n, name)} depends on the matched ${nodeName(p, name)}: fusing would create a cycle`;
      stack.push(p);
    }
  }
  return true;
}

export interface MatchOptions {
  /** Structural checks and the guard; a string rejects this binding and the search goes on. */
  readonly accept: (m: Match) => true | string;
  /** Keep the furthest failure, naming values with this. */
  readonly trace?: Namer;
  /** Complete matches offered to `accept` before giving up. */
  readonly maxCandidates?: number;
}

export interface MatchOutcome {
  readonly match: Match | undefined;
  /** With `trace`: why nothing was accepted, e.g. `prim.cast %y > operand 0: expected prim.clamp, got prim.mul %q`. */
  readonly failure: string | undefined;
}

/** Tries `rule` with its anchor at `root`. */
export function matchAt(rule: Rule, root: Node, opts: MatchOptions): MatchOutcome {
  const m = new Matcher(rule, root, opts);
  return m.run();
}

class Matcher {
  private readonly values = new Map<string, Value>();
  private readonly named = new Map<string, Node>();
  private readonly nodes = new Set<Node>();
  private readonly leaves = new Set<Node>();
  private readonly roots: (Node | undefined)[] = [];
  private readonly trail: (() => void)[] = [];
  private path: readonly string[] = [];
  private best: { progress: number; text: string } | undefined;
  private candidates = 0;
  private found: Match | undefined;
  private readonly view: MatchView;

  constructor(
    private readonly rule: Rule,
    private readonly root: Node,
    private readonly opts: MatchOptions,
  ) {
    this.view = {
      has: (n) => this.values.has(n),
      value: (n) => {
        const v = this.values.get(n);
        if (!v) throw ruleBug(rule.name, `nothing is bound to '${n}' yet`);
        return v;
      },
      node: (n) => {
        const x = this.named.get(n);
        if (!x) throw ruleBug(rule.name, `no statement is bound to '${n}' yet`);
        return x;
      },
    };
  }

  run(): MatchOutcome {
    const g = this.root.graph;
    const anchor = this.root.results[this.rule.pattern.result];
    if (g && anchor) {
      this.roots.push(this.root);
      this.value(this.rule.pattern, anchor, () => this.extraRoots(0));
    }
    return { match: this.found, failure: this.found ? undefined : (this.best?.text ?? 'no candidate') };
  }

  // ---- bookkeeping ----------------------------------------------------------------------

  private get progress(): number {
    return this.trail.length;
  }

  private undoTo(mark: number): void {
    while (this.trail.length > mark) this.trail.pop()!();
  }

  private fail(reason: () => string): false {
    if (this.opts.trace && (!this.best || this.progress > this.best.progress)) {
      const where = this.path.length > 0 ? `${this.path.join(' > ')}: ` : '';
      this.best = { progress: this.progress, text: where + reason() };
    }
    return false;
  }

  private name(v: Value): string {
    return (this.opts.trace ?? hintNamer)(v);
  }

  /** Runs `fn` with `segment` appended to the explanation path, restoring it for `k`. */
  private within(segment: string | undefined, fn: (k: () => boolean) => boolean, k: () => boolean): boolean {
    if (!this.opts.trace || segment === undefined) return fn(k);
    const outer = this.path;
    const inner = [...outer, segment];
    this.path = inner;
    const ok = fn(() => {
      this.path = outer;
      const r = k();
      this.path = inner;
      return r;
    });
    this.path = outer;
    return ok;
  }

  private bindValue(name: string | undefined, v: Value, k: () => boolean): boolean {
    if (name === undefined) return k();
    const had = this.values.get(name);
    if (had) return had === v ? k() : this.fail(() => `'${name}' is already ${this.name(had)}, got ${this.name(v)}`);
    this.values.set(name, v);
    this.trail.push(() => this.values.delete(name));
    return k();
  }

  private addNode(set: Set<Node>, n: Node): void {
    if (set.has(n)) return;
    set.add(n);
    this.trail.push(() => set.delete(n));
  }

  // ---- patterns ---------------------------------------------------------------------------

  private value(p: Pattern, v: Value | null, k: () => boolean): boolean {
    switch (p.kind) {
      case 'none':
        return v === null ? k() : this.fail(() => `expected no operand, got ${this.name(v)}`);
      case 'either': {
        for (const b of p.branches) if (this.value(b, v, k)) return true;
        return false;
      }
      case 'optional': {
        if (v === null) return k();
        if (this.value(p.inner, v, k)) return true;
        const inner = p.inner;
        if (p.through === undefined || inner.kind !== 'op' || inner.operands === ANY_OPERANDS) return false;
        return this.value(inner.operands[p.through]!, v, k);
      }
      case 'capture': {
        if (v === null) return this.fail(() => `expected ${p.name ?? 'a value'}, got no operand`);
        const t = this.typeProblem(p.type, v);
        if (t) return this.fail(() => `${p.name ?? 'value'} ${this.name(v)}: ${t}`);
        const w = this.check(p.where, v);
        if (w) return this.fail(() => `${p.name ?? 'value'} ${this.name(v)}: ${w}`);
        return this.bindValue(p.name, v, k);
      }
      case 'constant':
        return this.constant(p, v, k);
      case 'op':
        return this.op(p, v, k);
    }
  }

  private constant(p: ConstantPattern, v: Value | null, k: () => boolean): boolean {
    const what = p.name ? `constant ${p.name}` : 'a constant';
    if (v === null) return this.fail(() => `expected ${what}, got no operand`);
    const prod = v.producer;
    if (prod?.op !== 'prim.constant') {
      return this.fail(() => `expected ${what}, got ${prod ? `${prod.op} ${this.name(v)}` : `parameter ${this.name(v)}`}`);
    }
    const t = this.typeProblem(p.type, v);
    if (t) return this.fail(() => `${what} ${this.name(v)}: ${t}`);
    if (p.splat !== undefined) {
      const got = splatValue(v);
      if (got === undefined || !splatEquals(p.splat, got)) {
        return this.fail(() => `${what} ${this.name(v)}: expected every element to be ${String(p.splat)}, got ${got === undefined ? 'differing elements' : String(got)}`);
      }
    }
    const w = this.check(p.where, v);
    if (w) return this.fail(() => `${what} ${this.name(v)}: ${w}`);
    const mark = this.progress;
    this.addNode(this.leaves, prod);
    if (this.bindValue(p.name, v, k)) return true;
    this.undoTo(mark);
    return false;
  }

  private op(p: OpPattern, v: Value | null, k: () => boolean): boolean {
    const want = p.ops.join(' or ');
    if (v === null) return this.fail(() => `expected ${want}, got no operand`);
    const n = v.producer;
    if (!n) return this.fail(() => `expected ${want}, got parameter ${this.name(v)}`);
    if (!p.ops.includes(n.op)) return this.fail(() => `expected ${want}, got ${n.op} ${this.name(v)}`);
    if (v.def.kind !== 'result' || v.def.index !== p.result) {
      return this.fail(() => `expected result ${p.result} of ${n.op}, got result ${v.def.index}`);
    }
    if (p.as !== undefined) {
      const had = this.named.get(p.as);
      if (had) return had === n ? k() : this.fail(() => `'${p.as}' is already ${nodeName(had, (x) => this.name(x))}, got ${nodeName(n, (x) => this.name(x))}`);
    }
    const here = () => nodeName(n, (x) => this.name(x));
    const t = this.typeProblem(p.type, v);
    if (t) return this.fail(() => `${here()}: ${t}`);
    for (const [key, matcher] of Object.entries(p.attrs)) {
      const a = n.attrs[key];
      if (!a || !matcher.test(a, n)) {
        return this.fail(() => `${here()}: attribute ${key}: expected ${matcher.describe}, got ${a ? printAttr(a) : 'none'}`);
      }
    }
    const w = this.check(p.where, n);
    if (w) return this.fail(() => `${here()}: ${w}`);

    const mark = this.progress;
    this.addNode(p.leaf ? this.leaves : this.nodes, n);
    if (p.as !== undefined) {
      const as = p.as;
      this.named.set(as, n);
      this.trail.push(() => this.named.delete(as));
    }
    const bound = (k2: () => boolean) => this.bindValue(p.as, v, k2);
    if (p.operands === ANY_OPERANDS) {
      const ok = bound(k);
      if (!ok) this.undoTo(mark);
      return ok;
    }
    const operands = p.operands;
    const count = Math.max(n.operands.length, operands.length);
    const orders = p.commutative && count === 2 ? [[0, 1], [1, 0]] : [[...Array(count).keys()]];
    const ok = bound(() =>
      orders.some((order) => {
        const m = this.progress;
        const r = this.operands(operands, n, here, order, 0, k);
        if (!r) this.undoTo(m);
        return r;
      }),
    );
    if (!ok) this.undoTo(mark);
    return ok;
  }

  private operands(pats: readonly Pattern[], n: Node, here: () => string, order: readonly number[], i: number, k: () => boolean): boolean {
    if (i === order.length) return k();
    const at = order[i]!;
    const pat: Pattern = pats[i] ?? { kind: 'none' };
    const seg = this.opts.trace ? `${here()} > operand ${at}` : undefined;
    return this.within(seg, (k2) => this.value(pat, n.operands[at] ?? null, k2), () => this.operands(pats, n, here, order, i + 1, k));
  }

  private extraRoots(i: number): boolean {
    const extra = this.rule.extraRoots ?? [];
    if (i === extra.length) return this.complete();
    const { pattern, optional } = extra[i]!;
    const sources = new Set<Value>(this.values.values());
    for (const n of [...this.nodes, ...this.leaves]) n.results.forEach((r) => sources.add(r));
    const seen = new Set<Node>();
    for (const bound of sources) {
      for (const u of [...bound.uses]) {
        const cand = u.node;
        if (seen.has(cand) || this.nodes.has(cand) || !pattern.ops.includes(cand.op)) continue;
        seen.add(cand);
        const mark = this.progress;
        this.roots.push(cand);
        const ok = this.value(pattern, cand.results[pattern.result] ?? null, () => this.extraRoots(i + 1));
        this.roots.pop();
        if (ok) return true;
        this.undoTo(mark);
      }
    }
    if (optional) {
      this.roots.push(undefined);
      const ok = this.extraRoots(i + 1);
      this.roots.pop();
      if (ok) return true;
    }
    return this.fail(() => `no user of the matched values matches root ${i + 1} (${pattern.ops.join(' or ')})`);
  }

  private complete(): boolean {
    const limit = this.opts.maxCandidates ?? 64;
    if (this.candidates++ >= limit) {
      this.best = { progress: Infinity, text: `gave up after ${limit} rejected bindings of the pattern` };
      return true;
    }
    const m = new Match(this.rule.name, this.root.graph!, [...this.roots], new Set(this.nodes), new Set(this.leaves), new Map(this.values), new Map(this.named));
    const verdict = this.opts.accept(m);
    if (verdict === true) {
      this.found = m;
      return true;
    }
    // The first rejection of a complete match is the most telling failure there is.
    if (this.opts.trace && this.best?.progress !== Infinity) this.best = { progress: Infinity, text: verdict };
    return false;
  }

  // ---- checks ---------------------------------------------------------------------------

  private check<T>(pred: Predicate<T> | undefined, x: T): string | undefined {
    if (!pred) return undefined;
    const r = pred(x, this.view);
    return r === true ? undefined : r === false ? 'does not satisfy the predicate' : r;
  }

  private typeProblem(c: TypeConstraint | undefined, v: Value): string | undefined {
    if (!c) return undefined;
    const t = v.type;
    if (c.dtype !== undefined) {
      const ok = typeof c.dtype === 'string' ? t.dtype === c.dtype : c.dtype.includes(t.dtype);
      if (!ok) return `expected dtype ${typeof c.dtype === 'string' ? c.dtype : c.dtype.join(' or ')}, got ${t.dtype}`;
    }
    if (c.rank !== undefined && t.rank !== c.rank) return `expected rank ${c.rank}, got ${t.rank}`;
    if (c.layout !== undefined && t.layout.kind !== c.layout) return `expected layout #${c.layout}, got #${t.layout.kind}`;
    if (c.shape !== undefined && !(c.shape.length === t.rank && c.shape.every((d, i) => d === t.shape[i]))) {
      return `expected shape [${c.shape.join(', ')}], got [${t.shape.join(', ')}]`;
    }
    return undefined;
  }
}
