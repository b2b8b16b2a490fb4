// The `fractal` command-line program: one file per command under src/cli/, registered below.
import { Command, CommanderError } from 'commander';
import { FractalError } from '../ir/diagnostics.ts';

/** What a command writes to and how it reports its exit status. */
export interface Cli {
  out(text: string): void;
  err(text: string): void;
  /** Prints `warning: <message>` on stderr (ir.md §8.3); never changes the exit status. */
  warn(message: string): void;
  /** Exit status when the command returns normally (e.g. 1 when some golden cases failed). */
  exitCode: number;
}

export type RegisterCommand = (program: Command, cli: Cli) => void;

/** The commands. Adding one is one line: its file exports `register: RegisterCommand`. */
const COMMANDS: (() => Promise<{ register: RegisterCommand }>)[] = [
  () => import('./print.ts'),
  () => import('./verify.ts'),
  () => import('./run.ts'),
  () => import('./case.ts'),
  () => import('./opt.ts'),
  () => import('./explain.ts'),
  () => import('./compile.ts'),
];

export async function buildProgram(cli: Cli): Promise<Command> {
  const program = new Command('fractal')
    .description('Graph compiler and op-IR toolkit for Ascend quantized inference operators')
    .exitOverride()
    .configureOutput({ writeOut: (s) => cli.out(s), writeErr: (s) => cli.err(s) });
  for (const load of COMMANDS) (await load()).register(program, cli);
  return program;
}

function processCli(): Cli {
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    warn: (m) => void process.stderr.write(`warning: ${m}\n`),
    exitCode: 0,
  };
}

/**
 * Runs the program on `argv` (the arguments after the program name) and returns the exit
 * status: a FractalError prints `error: <message>` (and where it was written) and gives 1.
 */
export async function main(argv: readonly string[], cli: Cli = processCli()): Promise<number> {
  try {
    const program = await buildProgram(cli);
    await program.parseAsync([...argv], { from: 'user' });
    return cli.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof FractalError) {
      // PARSE messages start with their position; other errors of parsed text get it after.
      const at = e.loc && e.code !== 'PARSE' ? `  at ${e.loc.source}:${e.loc.line}:${e.loc.col}\n` : '';
      cli.err(`error: ${e.message}\n${at}`);
      return 1;
    }
    cli.err(`error: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}
