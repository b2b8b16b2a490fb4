// `fractal run GRAPH --input NAME=FILE.npy … --out DIR`: runs a graph on the CPU backend and
// writes every result as DIR/<name>.npy, <name> being the printed name of the returned value
// without `%` (DIR/rank<r>/<name>.npy per rank when world_size > 1). Inputs use the .npy
// containers of ir.md §4. With world_size > 1, a file with one more leading axis than the
// parameter's container is split across ranks, and `NAME@RANK=FILE` gives one rank's tensor.
// `--mode compiled` runs the module generated for the graph instead of the interpreter (same
// bits); `--ranks workers` runs each rank in its own worker thread.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Option } from 'commander';
import { EXECUTION_MODES, RUN_MODES, type ExecutionMode, type Feeds, type RunMode } from '../backends/backend.ts';
import { run } from '../backends/cpu/executor.ts';
import { FractalError, ruleError } from '../ir/diagnostics.ts';
import type { Graph } from '../ir/graph.ts';
import { valueNames } from '../ir/names.ts';
import type { Tensor } from '../ir/storage.ts';
import { feedsFromNpy, npyFromTensor, readNpy, tensorFromNpy, writeNpy } from '../io/npy.ts';
import type { RegisterCommand } from './main.ts';
import { readModuleFile } from './read-module.ts';

interface RunCommandOptions {
  input?: string[];
  out: string;
  graph?: string;
  mode: ExecutionMode;
  ranks: RunMode;
}

export const register: RegisterCommand = (program, cli) => {
  program
    .command('run')
    .description('run a graph on the CPU backend and write its results as .npy files')
    .argument('<graph>', 'textual IR (.fir) or the JSON form (.json)')
    .option('-i, --input <name=file>', 'an input: NAME=FILE.npy, or NAME@RANK=FILE.npy for one rank (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .requiredOption('-o, --out <dir>', 'directory for the results (rank<r>/ subdirectories when world_size > 1)')
    .option('-g, --graph <name>', 'the graph to run (default: the first)')
    .addOption(new Option('-m, --mode <mode>', 'the interpreter, or the module compiled for the graph').choices(EXECUTION_MODES).default('interp'))
    .addOption(new Option('-r, --ranks <where>', 'where ranks run').choices(RUN_MODES).default('inline'))
    .action(async (file: string, opts: RunCommandOptions) => {
      const module = readModuleFile(file);
      const graph = module.graph(opts.graph);
      const runner = opts.mode === 'compiled' ? (await import('../backends/tsgen/compiled-backend.ts')).runCompiled : run;
      const result = await runner(module, readInputs(graph, opts.input ?? []), { graph: graph.name, mode: opts.ranks });
      for (const w of result.warnings) cli.warn(w.message);
      const names = valueNames(graph);
      const n = graph.worldSize;
      result.outputs.forEach((outputs, rank) => {
        const dir = n > 1 ? join(opts.out, `rank${rank}`) : opts.out;
        try {
          mkdirSync(dir, { recursive: true });
        } catch (e) {
          throw new FractalError('IO', `${dir}: cannot create the directory, got ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        outputs.forEach((t, i) => {
          const path = join(dir, `${names.get(graph.outputs[i]!)}.npy`);
          writeNpy(path, npyFromTensor(t));
          cli.out(`${path}: ${t.type}\n`);
        });
      });
    });
};

/** Feeds from `NAME=FILE` and `NAME@RANK=FILE` arguments, read as the parameters' containers. */
function readInputs(graph: Graph, specs: readonly string[]): Feeds {
  const where = `graph @${graph.name}`;
  const names = valueNames(graph);
  const params = new Map(graph.params.map((p) => [names.get(p)!, p]));
  const n = graph.worldSize;
  const shared = new Map<string, Tensor | Tensor[]>();
  const perRank = new Map<string, (Tensor | undefined)[]>();
  for (const spec of specs) {
    const m = /^([^=@]+)(?:@(\d+))?=(.+)$/.exec(spec);
    if (!m) throw ruleError('RUNTIME', where, 'ir.8', '--input must be NAME=FILE.npy or NAME@RANK=FILE.npy', spec);
    const [, name, rankText, path] = m as unknown as [string, string, string | undefined, string];
    const param = params.get(name);
    if (!param) throw ruleError('RUNTIME', where, 'ir.8', `unknown input ${name} (the parameters are ${[...params.keys()].join(', ') || 'none'})`, name);
    if (shared.has(name) || (rankText === undefined && perRank.has(name))) {
      throw ruleError('RUNTIME', where, 'ir.8', `input ${name} is given more than once`, spec);
    }
    const arr = readNpy(path);
    if (rankText === undefined) {
      shared.set(name, feedsFromNpy(arr, param.type, n, path));
      continue;
    }
    const rank = Number(rankText);
    if (rank >= n) throw ruleError('RUNTIME', where, 'ir.8', `the rank of input ${name} must lie in [0, ${n})`, rank);
    const ranks = perRank.get(name) ?? new Array<Tensor | undefined>(n);
    if (ranks[rank]) throw ruleError('RUNTIME', where, 'ir.8', `input ${name} is given more than once for rank ${rank}`, spec);
    ranks[rank] = tensorFromNpy(arr, param.type, path);
    perRank.set(name, ranks);
  }
  const feeds: Record<string, Tensor | Tensor[]> = Object.fromEntries(shared);
  for (const [name, ranks] of perRank) {
    const missing = [...ranks.keys()].find((r) => !ranks[r]);
    if (missing !== undefined) throw ruleError('RUNTIME', where, 'ir.8', `input ${name} needs a tensor for every rank (${name}@${missing}=FILE is missing)`, `${ranks.filter(Boolean).length} of ${n}`);
    feeds[name] = ranks as Tensor[];
  }
  return feeds;
}
