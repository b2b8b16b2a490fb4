// Typed builder methods for the layout.* ops.
import type { Builder } from '../builder.ts';

export class LayoutBuilder {
  constructor(readonly b: Builder) {}
}
