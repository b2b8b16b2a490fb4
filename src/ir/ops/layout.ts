// layout.* ops (ir.md §5).
import type { OpDef } from './registry.ts';

export const LAYOUT_OPS = {} satisfies Record<string, OpDef>;
