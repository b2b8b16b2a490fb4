// Runs an npu/layout/comm kernel as the executor would: a Node with attributes (plain values
// converted by the op's schema, defaults filled in) and result types, one KernelContext per
// rank, the ranks' calls started together and meeting at a small Promise rendezvous.
import type { Kernel, KernelContext } from '../../../../src/backends/cpu/kernel.ts';
import { attrFromJs, type Attr } from '../../../../src/ir/attr.ts';
import type { Warning } from '../../../../src/ir/diagnostics.ts';
import type { DType } from '../../../../src/ir/dtype.ts';
import { ND, type Layout } from '../../../../src/ir/layout.ts';
import { Node } from '../../../../src/ir/node.ts';
import { opDef, withDefaults, type OpName } from '../../../../src/ir/ops/registry.ts';
import type { Storage, Tensor } from '../../../../src/ir/storage.ts';
import { TensorType } from '../../../../src/ir/types.ts';

export function tensor(shape: readonly number[], dtype: DType, data: Storage, layout: Layout = ND): Tensor {
  return { type: new TensorType(shape, dtype, layout), data };
}

export interface RankRun {
  /** outputs[rank][result] */
  readonly outputs: Tensor[][];
  /** warnings[rank] */
  readonly warnings: Warning[][];
}

/** Every rank's allGather of round k resolves once all ranks have contributed to round k. */
function rendezvous(size: number): KernelContext['collective'] {
  const rounds: { data: Storage[]; waiters: ((all: Storage[]) => void)[] }[] = [];
  const calls = new Array<number>(size).fill(0);
  return {
    allGather(rank, data) {
      const k = calls[rank]!++;
      const round = (rounds[k] ??= { data: [], waiters: [] });
      round.data[rank] = data;
      return new Promise((resolve) => {
        round.waiters.push(resolve);
        if (round.waiters.length === size) round.waiters.forEach((w) => w(round.data.map((d) => d.slice())));
      });
    },
  };
}

export async function runRanks(
  kernel: Kernel,
  op: OpName,
  inputsPerRank: readonly (readonly (Tensor | null)[])[],
  attrs: Readonly<Record<string, unknown>>,
  results: readonly TensorType[],
  hint = 'y',
): Promise<RankRun> {
  const def = opDef(op);
  const tagged: Record<string, Attr> = {};
  for (const [k, v] of Object.entries(attrs)) tagged[k] = attrFromJs(def.attrs[k]!.kind, v)!;
  const node = new Node(op, [], withDefaults(def, tagged), results, [hint]);
  const size = inputsPerRank.length;
  const collective = rendezvous(size);
  const warnings: Warning[][] = inputsPerRank.map(() => []);
  const outputs = await Promise.all(
    inputsPerRank.map(async (inputs, rank) => {
      const ctx: KernelContext = {
        node,
        rank,
        worldSize: size,
        collective,
        subject: `${op} %${hint}`,
        warn: (rule, message) => warnings[rank]!.push({ rule, message }),
      };
      return kernel(inputs, ctx);
    }),
  );
  return { outputs, warnings };
}

/** One rank: the results of `kernel` on `inputs`. */
export async function runOne(kernel: Kernel, op: OpName, inputs: readonly (Tensor | null)[], attrs: Readonly<Record<string, unknown>>, results: readonly TensorType[], hint = 'y'): Promise<Tensor[]> {
  return (await runRanks(kernel, op, [inputs], attrs, results, hint)).outputs[0]!;
}

/** f16 / bf16 bit patterns of plain numbers (each must be exactly representable). */
export const bitsOf = (values: readonly number[], to: (v: number) => number): Uint16Array => Uint16Array.from(values, to);
