// Typed builder methods for the prim.* ops.
import type { Builder } from '../builder.ts';

export class PrimBuilder {
  constructor(readonly b: Builder) {}
}
