// Typed builder methods for the comm.* ops.
import type { Builder } from '../builder.ts';

export class CommBuilder {
  constructor(readonly b: Builder) {}
}
