// The typed graph builder. Every op it creates is verified at once, so an invalid node throws
// with the verifier's diagnostic where it was written.
import { attrFromJs, type Attr, type Attrs } from './attr.ts';
import { ruleError, show } from './diagnostics.ts';
import { Graph, type ParamInfo } from './graph.ts';
import { Module, type Initializer } from './module.ts';
import { Node } from './node.ts';
import { OpContext } from './ops/context.ts';
import { opDef, type OpName } from './ops/registry.ts';
import type { DType } from './dtype.ts';
import { bf16FromF64, f16FromF64 } from '../numerics/float.ts';
import { allocStorage, writeElement } from './storage.ts';
import { TensorType } from './types.ts';
import type { Value } from './value.ts';
import { CommBuilder } from './builders/comm.ts';
import { LayoutBuilder } from './builders/layout.ts';
import { NpuBuilder } from './builders/npu.ts';
import { PrimBuilder } from './builders/prim.ts';
import { checkAttrs, verifyNode } from './verify.ts';

export interface CreateOptions {
  /** Result types, for ops whose result type is not implied by operands and attributes. */
  results?: readonly TensorType[];
  /** Name hints of the results. */
  hints?: readonly (string | undefined)[];
}

export class Builder {
  constructor(
    readonly graph: Graph,
    /** New nodes go before this one; undefined appends. */
    public insertionPoint?: Node,
  ) {}

  /** A builder over a new graph in a new (or given) module. */
  static graph(name: string, opts: { worldSize?: number; module?: Module } = {}): Builder {
    const g = new Graph(name, [], opts.worldSize ?? 1);
    (opts.module ?? new Module()).addGraph(g);
    return new Builder(g);
  }

  /** Typed methods per op family: `b.prim.add(a, c)`, `b.npu.dynamicQuant(x, { smoothScales })`. */
  get prim(): PrimBuilder {
    return new PrimBuilder(this);
  }
  get npu(): NpuBuilder {
    return new NpuBuilder(this);
  }
  get layout(): LayoutBuilder {
    return new LayoutBuilder(this);
  }
  get comm(): CommBuilder {
    return new CommBuilder(this);
  }

  get module(): Module {
    return this.graph.module!;
  }

  param(type: TensorType, hint?: string, info: ParamInfo = { weight: false }): Value {
    return this.graph.addParam(type, hint, info);
  }

  /** Creates, verifies and inserts one op; plain JavaScript attributes follow the op's schema. */
  create(op: OpName, operands: readonly (Value | null | undefined)[], attrs: Readonly<Record<string, unknown>> = {}, opts: CreateOptions = {}): Node {
    const def = opDef(op);
    const subject = () => `${op} %${opts.hints?.[0] ?? '?'}`;
    const tagged: Record<string, Attr> = {};
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined) continue;
      const spec = def.attrs[k];
      if (!spec) throw ruleError('VERIFY', subject(), 'ir.3', `unknown attribute '${k}'`, k);
      const a = isAttr(v) ? v : attrFromJs(spec.kind, v);
      if (!a) throw ruleError('VERIFY', subject(), 'ir.3', `attribute ${k} must be of kind ${spec.kind}`, show(v));
      tagged[k] = a;
    }
    // Trailing absent optionals are dropped, as the printer omits them.
    const ops = operands.map((v) => v ?? null);
    while (ops.length > 0 && ops[ops.length - 1] === null) ops.pop();
    const full = checkAttrs(def, tagged, subject);
    const results = opts.results ?? this.infer(op, ops, full, subject);
    const node = new Node(op, ops, full, results, opts.hints);
    this.graph.insert(node, this.insertionPoint);
    try {
      verifyNode(node);
    } catch (e) {
      node.dropOperandUses();
      this.graph.nodes = this.graph.nodes.filter((n) => n !== node);
      throw e;
    }
    return node;
  }

  private infer(op: OpName, operands: (Value | null)[], attrs: Attrs, subject: () => string): TensorType[] {
    const def = opDef(op);
    const ctx = new OpContext(def, operands.map((v) => v?.type ?? null), attrs, undefined, this.graph.worldSize, subject, this.graph.module?.resources);
    const inferred = def.infer?.(ctx);
    if (!inferred) throw ruleError('VERIFY', subject(), 'ir.2', 'this op needs its result type given (opts.results)', 'none');
    return inferred;
  }

  /** Adds a resource and a `prim.constant` reading it. */
  constant(type: TensorType, init: Initializer, opts: { name?: string; perRank?: boolean; hint?: string } = {}): Value {
    const name = this.module.freshResourceName(opts.name ?? opts.hint ?? 'cst');
    this.module.addResource({ name, type, init, perRank: opts.perRank ?? false });
    const resultType = opts.perRank ? type.with({ shape: type.shape.slice(1) }) : type;
    try {
      return this.create('prim.constant', [], { value: { k: 'resource', v: name } }, { results: [resultType], hints: [opts.hint ?? name] }).result;
    } catch (e) {
      this.module.resources.delete(name); // an invalid constant leaves nothing behind
      throw e;
    }
  }

  /**
   * A constant whose every element is `value` (a `splat` resource), rank 0 unless a shape is
   * given. Floats are rounded once to the dtype; integers are stored exactly.
   */
  splat(dtype: DType, value: number | bigint, opts: { shape?: readonly number[]; hint?: string } = {}): Value {
    const data = allocStorage(dtype, 1);
    if (dtype === 'f16') data[0] = f16FromF64(Number(value));
    else if (dtype === 'bf16') data[0] = bf16FromF64(Number(value));
    else if (dtype === 'i64' || dtype === 'u64') data[0] = BigInt(value);
    else writeElement(dtype, data, 0, Number(value));
    return this.constant(new TensorType(opts.shape ?? [], dtype), { kind: 'splat', data }, { hint: opts.hint ?? 'cst' });
  }

  /** Sets the graph's returned values (and its declared result types). */
  return(...values: Value[]): Graph {
    this.graph.setOutputs(values);
    return this.graph;
  }
}

function isAttr(v: unknown): v is Attr {
  return typeof v === 'object' && v !== null && 'k' in v && 'v' in v;
}
