// `fractal compile GRAPH [-o OUT.ts] [--pipeline P | --no-pipeline] [--graph NAME]`: runs the pass
// pipeline (default: the default pipeline) and writes the TypeScript module generated for the
// graph — the code `fractal run --mode compiled` runs. The module imports the compiled backend's
// runtime by a path relative to where it is written (to stdout: relative to the working
// directory), and is type-checked there before it is written.
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../io/npy.ts';
import { optimize } from '../optimize.ts';
import type { RegisterCommand } from './main.ts';
import { readModuleFile } from './read-module.ts';

interface CompileOptions {
  output?: string;
  pipeline: string | false;
  graph?: string;
}

const RUNTIME_FILE = fileURLToPath(new URL('../backends/tsgen/runtime.ts', import.meta.url));

/** The import specifier of runtime.ts from a file in `dir`. */
function runtimeSpecifier(dir: string): string {
  const rel = relative(dir, RUNTIME_FILE).split('\\').join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

export const register: RegisterCommand = (program, cli) => {
  program
    .command('compile')
    .description('write the TypeScript module the compiled mode generates for a graph')
    .argument('<graph>', 'textual IR (.fir) or the JSON form (.json)')
    .option('-o, --output <file>', 'the .ts file to write (default: stdout)')
    .option('-p, --pipeline <passes>', 'the passes to run first; "default" is the default pipeline', 'default')
    .option('--no-pipeline', 'compile the graph as written')
    .option('-g, --graph <name>', 'the graph to compile (default: the first)')
    .action(async (file: string, opts: CompileOptions) => {
      const module = readModuleFile(file);
      if (opts.pipeline !== false) {
        const result = optimize(module, opts.pipeline);
        for (const w of result.warnings) cli.warn(w.message);
      }
      // ts-morph is loaded only by this command and the compiled mode.
      const { emitGraph } = await import('../backends/tsgen/emit.ts');
      const { typeCheck } = await import('../backends/tsgen/load.ts');
      const graph = module.graph(opts.graph);
      const target = resolve(opts.output ?? 'graph.ts');
      const emitted = emitGraph(graph, { runtimeSpecifier: runtimeSpecifier(dirname(target)) });
      typeCheck(emitted.text, graph.name, target);
      if (opts.output) writeFileAtomic(opts.output, emitted.text);
      else cli.out(emitted.text);
      const s = emitted.stats;
      cli.err(
        `${opts.output ?? 'stdout'}: @${graph.name}, ${s.steps} steps (${s.fusedStatements} statements in fused loops, ${s.kernelSteps} through the interpreter's kernels), ` +
          `${s.arenaBuffers} buffers of ${s.arenaBytes} bytes\n`,
      );
    });
};
