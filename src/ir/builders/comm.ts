// Typed builder methods for the comm.* ops (ir.md §5.4).
import type { Builder } from '../builder.ts';
import type { Value } from '../value.ts';

export class CommBuilder {
  constructor(readonly b: Builder) {}

  /** Sum of x over every rank of the graph (`reduce_op = "sum"`, `group = "world"`). */
  allReduce(x: Value, hint?: string): Value {
    return this.b.create('comm.all_reduce', [x], {}, { hints: [hint] }).result;
  }
}
