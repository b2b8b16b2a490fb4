// Plain, structured-cloneable forms of modules and tensors, to hand a graph and its buffers to a
// worker thread (classes do not survive postMessage; typed arrays, bigints and plain objects do).
// Resource data stays binary, so a rank in a worker reads exactly the bits of the main thread.
import type { Attrs } from '../../ir/attr.ts';
import type { DType } from '../../ir/dtype.ts';
import { Graph } from '../../ir/graph.ts';
import { nz, ND, type Layout } from '../../ir/layout.ts';
import { Module, type Initializer } from '../../ir/module.ts';
import { Node } from '../../ir/node.ts';
import type { OpName } from '../../ir/ops/registry.ts';
import type { Storage, Tensor } from '../../ir/storage.ts';
import { TensorType } from '../../ir/types.ts';
import type { Value } from '../../ir/value.ts';

export interface PlainType {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly layout: Layout;
}

export interface PlainTensor {
  readonly type: PlainType;
  readonly data: Storage;
}

interface PlainValue {
  readonly type: PlainType;
  readonly hint: string | undefined;
}

interface PlainNode {
  readonly op: OpName;
  /** Value ids: parameters first, then every node's results in order; null for an absent operand. */
  readonly operands: readonly (number | null)[];
  readonly attrs: Attrs;
  readonly results: readonly PlainValue[];
}

interface PlainGraph {
  readonly name: string;
  readonly worldSize: number;
  readonly params: readonly (PlainValue & { readonly weight: boolean })[];
  readonly nodes: readonly PlainNode[];
  readonly outputs: readonly number[];
}

export interface PlainModule {
  readonly graphs: readonly PlainGraph[];
  readonly resources: readonly { name: string; type: PlainType; init: Initializer; perRank: boolean }[];
}

const plainType = (t: TensorType): PlainType => ({ shape: [...t.shape], dtype: t.dtype, layout: t.layout });

export const typeFromPlain = (p: PlainType): TensorType => new TensorType(p.shape, p.dtype, p.layout.kind === 'nd' ? ND : nz(p.layout.c0));

export const plainTensor = (t: Tensor): PlainTensor => ({ type: plainType(t.type), data: t.data });

export const tensorFromPlain = (p: PlainTensor): Tensor => ({ type: typeFromPlain(p.type), data: p.data });

export function plainModule(m: Module): PlainModule {
  return {
    graphs: m.graphs.map((g) => {
      const ids = new Map<Value, number>();
      const id = (v: Value) => {
        ids.set(v, ids.size);
        return { type: plainType(v.type), hint: v.hint };
      };
      const params = g.params.map((p, i) => ({ ...id(p), weight: g.paramInfo[i]?.weight ?? false }));
      const nodes = g.nodes.map((n) => ({
        op: n.op,
        operands: n.operands.map((v) => (v ? ids.get(v)! : null)),
        attrs: n.attrs,
        results: n.results.map(id),
      }));
      return { name: g.name, worldSize: g.worldSize, params, nodes, outputs: g.outputs.map((v) => ids.get(v)!) };
    }),
    resources: [...m.resources.values()].map((r) => ({ name: r.name, type: plainType(r.type), init: r.init, perRank: r.perRank })),
  };
}

export function moduleFromPlain(p: PlainModule): Module {
  const m = new Module();
  for (const r of p.resources) m.addResource({ name: r.name, type: typeFromPlain(r.type), init: r.init, perRank: r.perRank });
  for (const pg of p.graphs) {
    const g = m.addGraph(new Graph(pg.name, [], pg.worldSize));
    const values: Value[] = pg.params.map((v) => g.addParam(typeFromPlain(v.type), v.hint, { weight: v.weight }));
    for (const pn of pg.nodes) {
      const node = new Node(
        pn.op,
        pn.operands.map((i) => (i === null ? null : values[i]!)),
        pn.attrs,
        pn.results.map((r) => typeFromPlain(r.type)),
        pn.results.map((r) => r.hint),
      );
      g.insert(node);
      values.push(...node.results);
    }
    g.setOutputs(pg.outputs.map((i) => values[i]!));
  }
  return m;
}
