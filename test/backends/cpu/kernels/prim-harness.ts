// Calls a prim kernel the way the executor does: a Node with attributes (defaults filled in)
// and result types, a minimal single-rank KernelContext, inputs as Tensors.
import type { Kernel, KernelContext } from '../../../../src/backends/cpu/kernel.ts';
import type { Attr } from '../../../../src/ir/attr.ts';
import type { DType } from '../../../../src/ir/dtype.ts';
import { Node } from '../../../../src/ir/node.ts';
import { opDef, withDefaults, type OpName } from '../../../../src/ir/ops/registry.ts';
import type { Storage, Tensor } from '../../../../src/ir/storage.ts';
import { TensorType } from '../../../../src/ir/types.ts';

export function tensor(shape: readonly number[], dtype: DType, data: Storage): Tensor {
  return { type: new TensorType(shape, dtype), data };
}

/** Runs `kernel` as op `op` with result type `result` (named `%hint`); returns result 0. */
export function runKernel(
  kernel: Kernel,
  op: OpName,
  inputs: readonly Tensor[],
  attrs: Record<string, Attr>,
  result: TensorType,
  hint = 'y',
): Tensor {
  const node = new Node(op, [], withDefaults(opDef(op), attrs), [result], [hint]);
  const ctx: KernelContext = {
    node,
    rank: 0,
    worldSize: 1,
    collective: { allGather: async (_rank, data) => [data] },
    subject: `${op} %${hint}`,
    warn: () => {},
  };
  const out = kernel(inputs, ctx);
  if (out instanceof Promise) throw new Error('prim kernels are synchronous');
  return out[0]!;
}

/** The bits of an f32 array. */
export const bitsOfF32 = (a: Storage): number[] => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

/** An f32 array from bit patterns. */
export const f32FromBitsArray = (bits: readonly number[]): Float32Array => new Float32Array(new Uint32Array(bits).buffer);
