// A statement: one op with positional operands (absent optionals are null), attributes with
// defaults filled in, and one or more results.
import type { Attr, Attrs } from './attr.ts';
import { AttrReader } from './attr-reader.ts';
import { FractalError } from './diagnostics.ts';
import type { Graph } from './graph.ts';
import type { OpName } from './ops/registry.ts';
import { Value } from './value.ts';
import type { TensorType } from './types.ts';

export class Node extends AttrReader {
  readonly operands: (Value | null)[];
  readonly results: Value[];
  graph: Graph | undefined;
  /** Where a parsed statement was written (for diagnostics and expected-error fixtures). */
  loc?: { readonly source: string; readonly line: number; readonly col: number };

  constructor(
    readonly op: OpName,
    operands: readonly (Value | null)[],
    public attrs: Attrs,
    resultTypes: readonly TensorType[],
    hints: readonly (string | undefined)[] = [],
  ) {
    super();
    this.operands = [...operands];
    this.operands.forEach((v, i) => v?.uses.push({ node: this, operand: i }));
    this.results = resultTypes.map((t, i) => new Value(t, hints[i], { kind: 'result', node: this, index: i }));
  }

  get result(): Value {
    return this.results[0]!;
  }

  /** Rewires operand i to `v`, keeping use-lists right. */
  setOperand(i: number, v: Value | null): void {
    const old = this.operands[i];
    if (old) {
      const at = old.uses.findIndex((u) => u.node === this && u.operand === i);
      if (at >= 0) old.uses.splice(at, 1);
    }
    this.operands[i] = v;
    v?.uses.push({ node: this, operand: i });
  }

  /** Drops this node's uses of its operands (before erasing it). */
  dropOperandUses(): void {
    this.operands.forEach((_, i) => this.setOperand(i, null));
  }

  override attr(name: string): Attr {
    const a = this.attrs[name];
    if (!a) throw new FractalError('VERIFY', `${this.op}: attribute '${name}' is missing`, 'ir.3');
    return a;
  }
}
