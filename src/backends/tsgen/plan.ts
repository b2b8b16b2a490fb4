// The compile-time plan of a graph (before any code is written): which statements become one
// step (element-wise primitives of one shape fused into one loop), the order of the steps, where
// every value lives, and which intermediates share a buffer because their lifetimes do not
// overlap.
//
// Value kinds: `param` (a feed), `constant` (materialised once per rank instance), `arena` (a view
// over a buffer allocated once per rank instance and reused), `dynamic` (a container returned
// by a call at run time), `alias` (a reshape: the same container as its operand's), `none` (no
// container is ever needed: a constant only inlined as a literal, or a fused intermediate).
import type { Graph } from '../../ir/graph.ts';
import type { Node } from '../../ir/node.ts';
import { containerLength, STORAGE_CTOR } from '../../ir/storage.ts';
import { shapesEqual, type TensorType } from '../../ir/types.ts';
import type { Value } from '../../ir/value.ts';

/** How a statement is executed. */
export type NodeClass = 'alias' | 'constant' | 'elementwise' | 'arena' | 'dynamic' | 'kernel';

export interface PlanValue {
  readonly id: number;
  readonly value: Value;
  readonly type: TensorType;
  kind: 'param' | 'constant' | 'arena' | 'dynamic' | 'alias' | 'none';
  /** The value whose container this one uses (itself unless an alias). */
  root: PlanValue;
  /** Parameter position, or the statement index of the prim.constant. */
  readonly source: number;
  /** Step that writes it (-1: parameters and constants). */
  def: number;
  /** Last step that reads its container (roots: including through aliases). */
  lastUse: number;
  /** f32 values read or written as bits get a Uint32Array view too (set while emitting). */
  bitsView: boolean;
  /** Arena buffer index. */
  slot: number;
}

export interface Step {
  readonly index: number;
  readonly kind: 'elementwise' | 'arena' | 'dynamic' | 'kernel';
  /** The statements of the step, in statement order (several for a fused group). */
  readonly nodes: readonly Node[];
  /** Statement index of each node. */
  readonly at: readonly number[];
  /**
   * Cheap element-wise statements (casts, abs, neg) outside the step that it recomputes from their
   * operands instead of reading their results: those results then need no buffer at all.
   */
  readonly recomputed: readonly Node[];
  /** Values whose containers the step reads. */
  readonly reads: readonly PlanValue[];
  /** Values the step writes (fused groups: only those used outside the group). */
  readonly writes: readonly PlanValue[];
}

export interface Plan {
  readonly values: readonly PlanValue[];
  readonly steps: readonly Step[];
  /** Byte size of each arena buffer. */
  readonly slots: readonly number[];
  /** The plan value of every IR value. */
  readonly of: (v: Value) => PlanValue;
}

export interface Classifier {
  classify(node: Node): NodeClass;
  /** Can values of this constant statement be inlined as literals into fused loops? */
  inlinable(node: Node): boolean;
  /** Is this element-wise statement cheap enough to recompute in every loop that reads it? */
  cheap(node: Node): boolean;
  /** The operand a (non element-wise) step computes per element in its own loop, if any. */
  loopOperand(node: Node): number | undefined;
}

interface Group {
  readonly nodes: Node[];
  readonly shape: readonly number[];
  position: number;
}

export function planGraph(graph: Graph, cls: Classifier): Plan {
  const nodeIndex = new Map(graph.nodes.map((n, i) => [n, i]));
  const indexOf = (n: Node) => nodeIndex.get(n)!;
  const classes = graph.nodes.map((n) => cls.classify(n));
  const values: PlanValue[] = [];
  const byValue = new Map<Value, PlanValue>();
  const add = (value: Value, kind: PlanValue['kind'], source: number) => {
    const pv: PlanValue = { id: values.length, value, type: value.type, kind, root: undefined!, source, def: -1, lastUse: -1, bitsView: false, slot: -1 };
    pv.root = pv;
    values.push(pv);
    byValue.set(value, pv);
    return pv;
  };
  const of = (v: Value) => byValue.get(v)!;
  graph.params.forEach((p, i) => add(p, 'param', i));
  graph.nodes.forEach((node, i) => {
    const c = classes[i]!;
    const kind = c === 'constant' ? 'constant' : c === 'alias' ? 'alias' : c === 'elementwise' || c === 'arena' ? 'arena' : 'dynamic';
    for (const r of node.results) add(r, kind, i);
    if (c === 'alias') of(node.results[0]!).root = of(node.operands[0]!).root;
  });

  const returned = (pv: PlanValue) => graph.outputs.some((o) => of(o).root === pv);
  // Pure statements whose results nothing live reads are dead, transitively (statement order is
  // topological, so a reverse sweep sees every reader first). Kernel statements always run: their
  // warnings and value checks are part of what a run reports.
  const dead = new Set<Node>();
  /** Live statements that read `v`, looking through aliases (which execute nothing). */
  const readers = (v: Value): Node[] =>
    v.uses.flatMap((u) => (classes[indexOf(u.node)] === 'alias' ? readers(u.node.results[0]!) : dead.has(u.node) ? [] : [u.node]));
  for (let n = graph.nodes.length - 1; n >= 0; n--) {
    const node = graph.nodes[n]!;
    const c = classes[n]!;
    if (c === 'kernel' || c === 'alias' || c === 'constant') continue;
    if (node.results.every((r) => readers(r).length === 0 && !returned(of(r)))) dead.add(node);
  }
  const readBy = new Map<Value, Node[]>();
  const readersOf = (v: Value) => {
    let r = readBy.get(v);
    if (!r) readBy.set(v, (r = readers(v)));
    return r;
  };

  // ---- fused groups ----
  const groupOf = new Map<Node, Group>();
  graph.nodes.forEach((node, n) => {
    if (classes[n] !== 'elementwise' || dead.has(node)) return;
    const shape = node.results[0]!.type.shape;
    // The group's loop runs where its last statement is: nobody outside it may read its values
    // earlier, and the joining statement may not read one of them through a reshape.
    const canJoin = (g: Group) =>
      g.nodes.every((m) => m.results.every((r) => readersOf(r).every((u) => u === node || groupOf.get(u) === g || indexOf(u) > n))) &&
      node.operands.every((v) => {
        const root = v && of(v).root.value.producer;
        return !root || g.nodes.includes(v.producer!) || !g.nodes.includes(root);
      });
    let group: Group | undefined;
    for (const v of node.operands) {
      const g = v?.producer ? groupOf.get(v.producer) : undefined;
      if (g && shapesEqual(g.shape, shape) && canJoin(g)) {
        group = g;
        break;
      }
    }
    if (group) {
      group.nodes.push(node);
      group.position = n;
    } else group = { nodes: [node], shape, position: n };
    groupOf.set(node, group);
  });

  // ---- steps, in execution order ----
  const units: { position: number; nodes: Node[]; kind: Step['kind'] }[] = [];
  const seen = new Set<Group>();
  graph.nodes.forEach((node, n) => {
    const c = classes[n]!;
    if (c === 'alias' || c === 'constant') return;
    if (dead.has(node)) {
      node.results.forEach((r) => (of(r).kind = 'none'));
      return;
    }
    if (c === 'elementwise') {
      const g = groupOf.get(node)!;
      if (!seen.has(g)) {
        seen.add(g);
        units.push({ position: g.position, nodes: g.nodes, kind: 'elementwise' });
      }
      return;
    }
    units.push({ position: n, nodes: [node], kind: c });
  });
  units.sort((a, b) => a.position - b.position);

  // Which values each unit reads, and which producers it recomputes instead.
  const planned = units.map((u) => {
    const members = new Set(u.nodes);
    const recomputed: Node[] = [];
    const reads: PlanValue[] = [];
    /** A value in a loop of shape `shape`: computed by a member, inlined, recomputed, or read. */
    const resolve = (v: Value, shape: readonly number[]): void => {
      const p = v.producer;
      if (p && (members.has(p) || recomputed.includes(p))) return;
      const pv = of(v);
      if (inlined(pv)) return;
      if (p && classes[indexOf(p)] === 'elementwise' && !dead.has(p) && cls.cheap(p) && shapesEqual(v.type.shape, shape)) {
        for (const w of p.operands) resolve(w!, shape);
        recomputed.push(p);
        return;
      }
      if (!reads.includes(pv)) reads.push(pv);
    };
    const loop = u.kind === 'arena' ? cls.loopOperand(u.nodes[0]!) : undefined;
    for (const m of u.nodes) {
      m.operands.forEach((v, k) => {
        if (!v) return;
        if (u.kind === 'elementwise') resolve(v, m.results[0]!.type.shape);
        else if (k === loop) resolve(v, v.type.shape);
        else if (!reads.includes(of(v))) reads.push(of(v));
      });
    }
    recomputed.sort((a, b) => indexOf(a) - indexOf(b));
    return { ...u, recomputed, reads };
  });

  // A unit runs if a later running unit reads one of its results' containers, or returns one.
  const running = new Set<(typeof planned)[number]>();
  const containerRead = new Set<PlanValue>();
  for (let k = planned.length - 1; k >= 0; k--) {
    const u = planned[k]!;
    if (u.kind === 'kernel' || u.nodes.some((m) => m.results.some((r) => containerRead.has(of(r)) || returned(of(r))))) {
      running.add(u);
      for (const pv of u.reads) containerRead.add(pv.root);
    }
  }

  const steps: Step[] = [];
  for (const u of planned) {
    if (!running.has(u)) {
      u.nodes.forEach((m) => m.results.forEach((r) => (of(r).kind = 'none')));
      continue;
    }
    const writes: PlanValue[] = [];
    for (const r of u.nodes.flatMap((m) => m.results)) {
      const pv = of(r);
      // A fused group stores only what is read outside it (or returned).
      if (u.kind === 'elementwise' && !containerRead.has(pv) && !returned(pv)) pv.kind = 'none';
      else writes.push(pv);
    }
    steps.push({ index: steps.length, kind: u.kind, nodes: u.nodes, at: u.nodes.map(indexOf), recomputed: u.recomputed, reads: u.reads, writes });
  }

  function inlined(pv: PlanValue): boolean {
    const r = pv.root;
    return r.kind === 'constant' && cls.inlinable(r.value.producer!);
  }

  // ---- lifetimes ----
  const END = steps.length;
  for (const s of steps) {
    for (const pv of s.reads) pv.root.lastUse = Math.max(pv.root.lastUse, s.index);
    for (const pv of s.writes) {
      pv.def = s.index;
      pv.lastUse = Math.max(pv.lastUse, s.index);
    }
  }
  for (const v of graph.outputs) of(v).root.lastUse = END;
  // Constants nobody reads as a container need none.
  for (const pv of values) if (pv.kind === 'constant' && pv.lastUse < 0) pv.kind = 'none';

  // ---- arena buffers: a buffer is reused by a value defined after the last read of its previous one ----
  const slots: number[] = [];
  const freeAt: number[] = [];
  for (const s of steps) {
    for (const pv of s.writes) {
      if (pv.kind !== 'arena') continue;
      const bytes = byteSize(pv.type);
      let best = -1;
      for (let k = 0; k < slots.length; k++) {
        if (freeAt[k]! >= s.index) continue;
        if (best < 0 || fits(slots[k]!, bytes, slots[best]!)) best = k;
      }
      if (best < 0) {
        best = slots.length;
        slots.push(0);
        freeAt.push(0);
      }
      slots[best] = Math.max(slots[best]!, bytes);
      freeAt[best] = pv.lastUse;
      pv.slot = best;
    }
  }
  return { values, steps, slots, of };
}

/** Is a buffer of `size` a better home for `need` bytes than one of `than`? The smallest that fits, else the largest. */
function fits(size: number, need: number, than: number): boolean {
  if (size >= need) return than < need || size < than;
  return than < need && size > than;
}

/** Bytes of a value's container. */
export function byteSize(t: TensorType): number {
  return containerLength(t.dtype, t.storageNumel) * STORAGE_CTOR[t.dtype].BYTES_PER_ELEMENT;
}
