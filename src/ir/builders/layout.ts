// Typed builder methods for the layout.* ops (layout.md §4).
import type { Builder } from '../builder.ts';
import { ND, defaultC0, nz } from '../layout.ts';
import type { TensorType } from '../types.ts';
import type { Value } from '../value.ts';

export class LayoutBuilder {
  constructor(readonly b: Builder) {}

  /** Converts x to `type` (same dtype and logical shape, the layout it names). */
  transData(x: Value, type: TensorType, hint?: string): Value {
    return this.b.create('layout.trans_data', [x], {}, { results: [type], hints: [hint] }).result;
  }

  /** ND (or NZ) to `#nz<c0>`; c0 defaults to the 32-byte rule of the dtype (ir.md §1.2). */
  toNz(x: Value, c0?: number, hint?: string): Value {
    const c = c0 ?? defaultC0(x.type.dtype);
    // A dtype without an NZ form keeps #nd here, so the verifier names it by [trans_data.1].
    return this.transData(x, x.type.with({ layout: c === undefined ? ND : nz(c) }), hint);
  }

  /** NZ to ND of the same logical shape. */
  toNd(x: Value, hint?: string): Value {
    return this.transData(x, x.type.with({ layout: ND }), hint);
  }
}
