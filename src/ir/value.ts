// SSA values with use-lists and name hints (DESIGN.md principle 1).
import type { Graph } from './graph.ts';
import type { Node } from './node.ts';
import type { TensorType } from './types.ts';

export type ValueDef =
  | { readonly kind: 'param'; readonly graph: Graph; readonly index: number }
  | { readonly kind: 'result'; readonly node: Node; readonly index: number };

/** One operand slot of a node that reads a value. */
export interface Use {
  readonly node: Node;
  readonly operand: number;
}

export class Value {
  readonly uses: Use[] = [];
  constructor(
    public type: TensorType,
    /** Name hint: printed as `%hint` when free (ir.md §2.5); undefined prints a number. */
    public hint: string | undefined,
    public def: ValueDef,
  ) {}

  /** The node that defines this value, or undefined for a parameter. */
  get producer(): Node | undefined {
    return this.def.kind === 'result' ? this.def.node : undefined;
  }

  get users(): Node[] {
    return [...new Set(this.uses.map((u) => u.node))];
  }
}
