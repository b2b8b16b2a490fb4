// npu.* ops (ir.md §5).
import type { OpDef } from './registry.ts';

export const NPU_OPS = {} satisfies Record<string, OpDef>;
