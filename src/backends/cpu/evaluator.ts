// The CPU kernels as the evaluator passes are handed (src/passes/evaluator.ts): constant-fold and
// fold-trans-data compute through the same kernels as `fractal run`, so a folded constant has the
// bits the op would produce at run time. Structurally typed, so backends need not import passes.
import type { Warning } from '../../ir/diagnostics.ts';
import { FractalError } from '../../ir/diagnostics.ts';
import { valueNames } from '../../ir/names.ts';
import type { Node } from '../../ir/node.ts';
import type { Tensor } from '../../ir/storage.ts';
import type { Collective } from './kernel.ts';
import { KERNELS } from './kernels/index.ts';

/** Ranks are evaluated one after another, so there is no one to meet: collectives are left for run time. */
const NO_COLLECTIVE: Collective = {
  allGather: () => Promise.reject(new FractalError('RUNTIME', 'collectives are not evaluated at compile time')),
};

export const cpuEvaluator = {
  evaluate(node: Node, inputs: readonly (readonly (Tensor | null)[])[]): { outputs: Tensor[][]; warnings: Warning[][] } {
    const g = node.graph;
    const name = g ? valueNames(g).get(node.results[0]!) : undefined;
    const subject = `${node.op} %${name ?? node.results[0]?.hint ?? '?'}`;
    const outputs: Tensor[][] = [];
    const warnings: Warning[][] = [];
    inputs.forEach((ins, rank) => {
      const ws: Warning[] = [];
      const out = KERNELS[node.op](ins, {
        node,
        rank,
        worldSize: g?.worldSize ?? 1,
        collective: NO_COLLECTIVE,
        subject,
        warn: (rule, message) => ws.push({ rule, message }),
      });
      if (out instanceof Promise) {
        out.catch(() => {}); // its rejection is the reason we give up, not an unhandled error
        throw new FractalError('RUNTIME', `${subject}: needs the other ranks, evaluated at run time`);
      }
      outputs.push(out);
      warnings.push(ws);
    });
    return { outputs, warnings };
  },
};
