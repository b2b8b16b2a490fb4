// The one way passes mutate a graph (DESIGN.md §5). It counts mutations (so the driver can tell a
// rule that changed nothing), gives values created by a rewrite the hints of the values they
// replace (ir.md §2.5, §9.3), and restores statement order when a replacement's users sat above it.
import type { Attr } from '../../ir/attr.ts';
import { Builder, type CreateOptions } from '../../ir/builder.ts';
import { FractalError } from '../../ir/diagnostics.ts';
import type { Graph } from '../../ir/graph.ts';
import type { Module, Resource } from '../../ir/module.ts';
import type { Node } from '../../ir/node.ts';
import { opDef, type OpName } from '../../ir/ops/registry.ts';
import type { TensorType } from '../../ir/types.ts';
import type { Value } from '../../ir/value.ts';
import { checkAttrs, subjectOf, verifyNode } from '../../ir/verify.ts';

/** A Builder whose every new statement is reported to the rewriter. */
class TrackingBuilder extends Builder {
  constructor(
    graph: Graph,
    at: Node | undefined,
    private readonly onCreate: (n: Node) => void,
  ) {
    super(graph, at);
  }

  override create(op: OpName, operands: readonly (Value | null | undefined)[], attrs: Readonly<Record<string, unknown>> = {}, opts: CreateOptions = {}): Node {
    const n = super.create(op, operands, attrs, opts);
    this.onCreate(n);
    return n;
  }
}

export class Rewriter {
  /** Mutations so far (created, erased, rewired or retyped statements, changed resources). */
  mutations = 0;
  private readonly created = new Set<Node>();
  private readonly hinted = new Set<Value>();
  private readonly replaced = new Set<Value>();
  private readonly builder: TrackingBuilder;

  constructor(
    readonly graph: Graph,
    /** New statements go before this one; undefined appends. */
    insertionPoint?: Node,
  ) {
    this.builder = new TrackingBuilder(graph, insertionPoint, (n) => {
      this.created.add(n);
      this.mutations++;
    });
  }

  get module(): Module {
    const m = this.graph.module;
    if (!m) throw new FractalError('VERIFY', `graph @${this.graph.name}: is not part of a module`);
    return m;
  }

  /** Creates statements at the insertion point: `rw.b.prim.add(x, y)`, `rw.b.npu.dynamicQuant(…)`. */
  get b(): Builder {
    return this.builder;
  }

  get insertionPoint(): Node | undefined {
    return this.builder.insertionPoint;
  }

  setInsertionPoint(before: Node | undefined): void {
    this.builder.insertionPoint = before;
  }

  /** Was `v` handed to `replace` (as the value replaced)? */
  wasReplaced(v: Value): boolean {
    return this.replaced.has(v);
  }

  /** Was `n` created through this rewriter? */
  isNew(n: Node): boolean {
    return this.created.has(n);
  }

  create(op: OpName, operands: readonly (Value | null | undefined)[], attrs: Readonly<Record<string, unknown>> = {}, opts: CreateOptions = {}): Node {
    return this.builder.create(op, operands, attrs, opts);
  }

  /**
   * Points every use of `from` (operands and returned values) at `to`. A value created by this
   * rewriter takes `from`'s name hint (the first replacement decides); existing values keep theirs.
   */
  replace(from: Value, to: Value): void {
    if (from === to) return;
    this.replaced.add(from);
    if (!from.type.equals(to.type)) {
      throw new FractalError('VERIFY', `graph @${this.graph.name}: cannot replace a value of type ${from.type} by one of type ${to.type}`);
    }
    const p = to.producer;
    if (p && this.created.has(p) && !this.hinted.has(to)) {
      to.hint = from.hint;
      this.hinted.add(to);
    }
    if (this.graph.isUsed(from)) this.mutations++;
    this.graph.replaceAllUses(from, to);
  }

  /** Replaces each result of `node` by the given value, then erases `node`. */
  replaceNode(node: Node, values: readonly Value[]): void {
    if (values.length !== node.results.length) {
      throw new FractalError('VERIFY', `${subjectOf(node)}: replacing ${node.results.length} results needs as many values, got ${values.length}`);
    }
    node.results.forEach((r, i) => this.replace(r, values[i]!));
    this.erase(node);
  }

  /** Removes a statement whose results are unused. */
  erase(node: Node): void {
    this.graph.erase(node);
    this.created.delete(node);
    this.mutations++;
  }

  setOperand(node: Node, i: number, v: Value | null): void {
    if (node.operands[i] === v) return;
    node.setOperand(i, v);
    this.mutations++;
  }

  /** Changes attributes in place (defaults filled in again) and re-verifies the statement. */
  setAttrs(node: Node, changes: Readonly<Record<string, Attr>>): void {
    const old = node.attrs;
    try {
      node.attrs = checkAttrs(opDef(node.op), { ...old, ...changes }, () => subjectOf(node));
      verifyNode(node);
    } catch (e) {
      node.attrs = old;
      throw e;
    }
    this.mutations++;
  }

  /** Retypes a value in place (e.g. a constant moved to NZ); the pass manager verifies afterwards. */
  setType(v: Value, type: TensorType): void {
    if (v.type.equals(type)) return;
    v.type = type;
    this.mutations++;
  }

  addResource(r: Resource): Resource {
    this.mutations++;
    return this.module.addResource(r);
  }

  /** Changes a resource in place (type, initializer, per_rank). */
  updateResource(name: string, changes: Partial<Omit<Resource, 'name'>>): void {
    const r = this.module.resources.get(name);
    if (!r) throw new FractalError('VERIFY', `resource @${name}: no such resource`);
    Object.assign(r, changes);
    this.mutations++;
  }

  removeResource(name: string): void {
    if (this.module.resources.delete(name)) this.mutations++;
  }

  /**
   * Keeps statements topologically ordered after a rewrite (ir.md §9.3): a statement that now
   * reads a value defined below it moves down, with its dependents, in stable order. Implemented
   * as the topological order that keeps every statement as early as its original place allows.
   */
  restoreOrder(): void {
    const g = this.graph;
    const pos = new Map(g.nodes.map((n, i) => [n, i]));
    const ordered = g.nodes.every((n, i) => n.operands.every((v) => !v?.producer || (pos.get(v.producer) ?? -1) < i));
    if (ordered) return;
    const pending = new Map<Node, number>();
    for (const n of g.nodes) {
      const deps = new Set(n.operands.map((v) => v?.producer).filter((p): p is Node => p !== undefined && pos.has(p)));
      pending.set(n, deps.size);
    }
    const ready = new MinHeap();
    for (const [n, d] of pending) if (d === 0) ready.push(pos.get(n)!);
    const out: Node[] = [];
    while (ready.size > 0) {
      const n = g.nodes[ready.pop()]!;
      out.push(n);
      for (const u of new Set(n.results.flatMap((r) => r.users))) {
        const left = pending.get(u)! - 1;
        pending.set(u, left);
        if (left === 0) ready.push(pos.get(u)!);
      }
    }
    if (out.length !== g.nodes.length) {
      throw new FractalError('VERIFY', `graph @${g.name}: [ir.4] a rewrite created a cycle, got ${g.nodes.length - out.length} statements on it`, 'ir.4');
    }
    g.nodes = out;
    this.mutations++;
  }
}

/** A binary min-heap of statement positions. */
class MinHeap {
  private readonly a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(x: number): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= a[i]!) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}
