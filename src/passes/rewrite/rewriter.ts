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
  /** Set when a mutation may have put a use above its definition (checked by restoreOrder). */
  private maybeDisordered = false;
  private readonly origin: Node | undefined;
  private readonly builder: TrackingBuilder;

  constructor(
    readonly graph: Graph,
    /** New statements go before this one; undefined appends. */
    insertionPoint?: Node,
  ) {
    this.origin = insertionPoint;
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
    this.maybeDisordered = true;
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
    const isNew = p !== undefined && this.created.has(p);
    if (isNew && !this.hinted.has(to)) {
      to.hint = from.hint;
      this.hinted.add(to);
    }
    // Safe without a check: a new value replacing a result of the statement it was inserted
    // before, a parameter, or an operand of the replaced value's own statement.
    const fp = from.producer;
    const safe = isNew ? fp !== undefined && fp === this.origin : !p || (fp !== undefined && fp.operands.includes(to));
    if (!safe) this.maybeDisordered = true;
    // Counted even when `from` is unused: its statement is then erased as replaced.
    this.mutations++;
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

  /** Removes statements whose results are used only among themselves, in one walk of the graph. */
  eraseAll(nodes: Iterable<Node>): void {
    const g = this.graph;
    const set = new Set(nodes);
    if (set.size === 0) return;
    for (const n of set) {
      if (n.graph !== g) throw new FractalError('VERIFY', `graph @${g.name}: cannot erase ${n.op}, it is not in the graph`);
      for (const r of n.results) {
        if (g.outputs.includes(r) || r.uses.some((u) => !set.has(u.node))) {
          throw new FractalError('VERIFY', `graph @${g.name}: cannot erase ${n.op}, its results are still used`);
        }
      }
    }
    for (const n of set) {
      n.dropOperandUses();
      n.graph = undefined;
      this.created.delete(n);
    }
    g.nodes = g.nodes.filter((n) => !set.has(n));
    this.mutations += set.size;
  }

  setOperand(node: Node, i: number, v: Value | null): void {
    if (node.operands[i] === v) return;
    node.setOperand(i, v);
    this.maybeDisordered = true;
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
   * Keeps statements topologically ordered after a rewrite (ir.md §9.3): a statement that reads
   * a value defined below it moves down, with its dependents, in stable order, to just after the
   * run of new statements that defines what it needs.
   */
  restoreOrder(): void {
    if (!this.maybeDisordered) return;
    this.maybeDisordered = false;
    const g = this.graph;
    const nodes = g.nodes;
    const placed = new Set<Node>();
    const ready = (n: Node) => n.operands.every((v) => !v?.producer || placed.has(v.producer));
    const out: Node[] = [];
    let pending: Node[] = [];
    nodes.forEach((n, i) => {
      if (ready(n)) {
        out.push(n);
        placed.add(n);
      } else pending.push(n);
      const next = nodes[i + 1];
      if (pending.length === 0 || (next && this.created.has(next))) return;
      for (let progress = true; progress; ) {
        progress = false;
        const still: Node[] = [];
        for (const p of pending) {
          if (ready(p)) {
            out.push(p);
            placed.add(p);
            progress = true;
          } else still.push(p);
        }
        pending = still;
      }
    });
    if (pending.length > 0) {
      throw new FractalError('VERIFY', `graph @${g.name}: [ir.4] a rewrite created a cycle, got ${pending.length} statements on it`, 'ir.4');
    }
    if (out.some((n, i) => n !== nodes[i])) {
      g.nodes = out;
      this.mutations++;
    }
  }
}

