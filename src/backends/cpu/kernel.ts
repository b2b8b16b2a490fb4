// The kernel interface of the CPU reference backend: one pure typed-array implementation per op
// plus a thin wrapper of this type (DESIGN.md: tfjs-style kernels).
import type { Node } from '../../ir/node.ts';
import type { Storage, Tensor } from '../../ir/storage.ts';

/** How ranks meet: every rank contributes a buffer and receives all ranks' buffers in rank order. */
export interface Collective {
  allGather(rank: number, data: Storage): Promise<Storage[]>;
}

export interface KernelContext {
  readonly node: Node;
  readonly rank: number;
  readonly worldSize: number;
  readonly collective: Collective;
  /** `<op> %<first result>`, for RUNTIME errors and warnings. */
  readonly subject: string;
  /** Records a warning (ir.md §8.3); it never stops execution. */
  warn(rule: string, message: string): void;
}

/** Inputs are positional (null for an absent optional); returns one tensor per result. */
export type Kernel = (inputs: readonly (Tensor | null)[], ctx: KernelContext) => Tensor[] | Promise<Tensor[]>;
