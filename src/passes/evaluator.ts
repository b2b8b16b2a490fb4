// How passes compute with constants without importing a backend (DESIGN.md principle 2): the
// caller (CLI, src/index.ts, a test) hands the pass manager an Evaluator, usually one built on
// the CPU kernels.
import type { Warning } from '../ir/diagnostics.ts';
import type { Node } from '../ir/node.ts';
import type { Tensor } from '../ir/storage.ts';

export interface Evaluation {
  /** Per evaluated rank, one tensor per result of the node, in the node's result types. */
  readonly outputs: readonly (readonly Tensor[])[];
  /** Per evaluated rank, the warnings the op raised (ir.md §8.3), without a rank prefix. */
  readonly warnings: readonly (readonly Warning[])[];
}

export interface Evaluator {
  /**
   * Evaluates `node` (still in its graph, so its graph's `world_size` is known) on operand
   * tensors given per rank (null for an absent optional). `inputs` has one entry per rank to
   * evaluate: `world_size` entries when an operand differs per rank or the op combines ranks,
   * otherwise one. Synchronous; throws (anything) when the op cannot be evaluated now, which
   * leaves the op for run time.
   */
  evaluate(node: Node, inputs: readonly (readonly (Tensor | null)[])[]): Evaluation;
}
