// A graph: parameters, statements in topological order, returned values and attributes.
import { FractalError, type SourceLoc } from './diagnostics.ts';
import type { Module } from './module.ts';
import type { Node } from './node.ts';
import type { TensorType } from './types.ts';
import { Value } from './value.ts';

export interface ParamInfo {
  /** `{weight = true}`: a runtime-fed weight that layout passes may convert (ir.md §2.6). */
  weight: boolean;
}

export class Graph {
  readonly params: Value[] = [];
  readonly paramInfo: ParamInfo[] = [];
  nodes: Node[] = [];
  outputs: Value[] = [];
  module: Module | undefined;
  /** Where a parsed graph's header and its `return` were written (for diagnostics). */
  loc?: SourceLoc;
  returnLoc?: SourceLoc;

  constructor(
    public name: string,
    /** Declared result types of the header. */
    public resultTypes: TensorType[] = [],
    public worldSize = 1,
  ) {}

  addParam(type: TensorType, hint?: string, info: ParamInfo = { weight: false }): Value {
    const v = new Value(type, hint, { kind: 'param', graph: this, index: this.params.length });
    this.params.push(v);
    this.paramInfo.push(info);
    return v;
  }

  /** Appends a node (or inserts it before `before`). */
  insert(node: Node, before?: Node): Node {
    node.graph = this;
    if (!before) this.nodes.push(node);
    else {
      const at = this.nodes.indexOf(before);
      if (at < 0) throw new FractalError('VERIFY', `graph @${this.name}: insertion point is not in the graph`);
      this.nodes.splice(at, 0, node);
    }
    return node;
  }

  /** Removes a node whose results are unused. */
  erase(node: Node): void {
    for (const r of node.results) {
      if (r.uses.length > 0 || this.outputs.includes(r)) {
        throw new FractalError('VERIFY', `graph @${this.name}: cannot erase ${node.op}, its results are still used`);
      }
    }
    node.dropOperandUses();
    this.nodes = this.nodes.filter((n) => n !== node);
    node.graph = undefined;
  }

  /** Points every use of `from` (operands and returned values) at `to`. */
  replaceAllUses(from: Value, to: Value): void {
    for (const u of [...from.uses]) u.node.setOperand(u.operand, to);
    this.outputs = this.outputs.map((v) => (v === from ? to : v));
  }

  isUsed(v: Value): boolean {
    return v.uses.length > 0 || this.outputs.includes(v);
  }

  setOutputs(values: Value[]): void {
    this.outputs = [...values];
    this.resultTypes = values.map((v) => v.type);
  }
}
