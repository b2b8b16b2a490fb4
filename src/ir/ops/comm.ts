// comm.* ops (ir.md §5).
import type { OpDef } from './registry.ts';

export const COMM_OPS = {} satisfies Record<string, OpDef>;
