// Typed builder methods for the npu.* ops.
import type { Builder } from '../builder.ts';

export class NpuBuilder {
  constructor(readonly b: Builder) {}
}
