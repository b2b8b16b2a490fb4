// `fractal opt FILE --pipeline "…" [--print-after-change] [-o OUT]`: the mlir-opt of Fractal.
// Runs a pass pipeline (`default` is ir.md §9.1's) with the CPU backend as constant-fold's
// evaluator and prints the result. A failing pass names itself, the passes before it and the
// pipeline, and the IR before it goes to stderr so the failure reproduces from this command.
import { printModule } from '../ir/print.ts';
import { writeFileAtomic } from '../io/npy.ts';
import { optimize } from '../optimize.ts';
import { PipelineError } from '../passes/pass-manager.ts';
import type { RegisterCommand } from './main.ts';
import { readModuleFile } from './read-module.ts';

interface OptOptions {
  pipeline: string;
  printAfterChange?: boolean;
  printAfterAll?: boolean;
  stats?: boolean;
  output?: string;
}

export const register: RegisterCommand = (program, cli) => {
  program
    .command('opt')
    .description('run a pass pipeline over a module and print the result')
    .argument('<file>', 'textual IR (.fir) or the JSON form (.json)')
    .option('-p, --pipeline <passes>', 'comma-separated pass names; "default" is the default pipeline', 'default')
    .option('--print-after-change', 'print the IR to stderr after every pass that changed it')
    .option('--print-after-all', 'print the IR to stderr after every pass')
    .option('--stats', 'print per-pass timings and rule counts to stderr')
    .option('-o, --output <file>', 'write the result here instead of stdout')
    .action((file: string, opts: OptOptions) => {
      const module = readModuleFile(file);
      let result;
      try {
        result = optimize(module, opts.pipeline, { printAfterChange: opts.printAfterChange, printAfter: opts.printAfterAll });
      } catch (e) {
        if (e instanceof PipelineError) cli.err(`// IR before pass '${e.pass}':\n${e.irBefore}`);
        throw e;
      }
      for (const d of result.dumps) cli.err(`// ----- IR ${d.when} ${d.pass} (#${d.index}) -----\n${d.ir}`);
      for (const w of result.warnings) cli.warn(w.message);
      if (opts.stats) {
        result.stats.forEach((s, i) => {
          const counts = Object.entries(s.stats).map(([k, v]) => `${k}=${v}`).join(' ');
          cli.err(`${s.pass}: ${result.timings[i]!.ms.toFixed(2)} ms${s.changed ? ', changed' : ''}${counts ? `, ${counts}` : ''}\n`);
        });
      }
      const text = printModule(result.module);
      if (opts.output) writeFileAtomic(opts.output, text);
      else cli.out(text);
    });
};
