// `fractal case DIR... [--out OUT] [--mode interp|compiled]`: runs golden cases (conformance/README.md) — a case directory
// or a directory of cases — printing `PASS <case>` / `FAIL <case>: why` per case and a final
// `N passed, N failed`; exit status 1 when any case failed. Outputs go to OUT/<case>/ (a fresh
// temporary directory when --out is not given).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option } from 'commander';
import { EXECUTION_MODES, type ExecutionMode } from '../backends/backend.ts';
import { runCases } from '../io/cases.ts';
import type { RegisterCommand } from './main.ts';

export const register: RegisterCommand = (program, cli) => {
  program
    .command('case')
    .description('run golden test cases and compare with their expected outputs')
    .argument('<dirs...>', 'case directories, or directories of cases')
    .option('-o, --out <dir>', 'where OUT/<case>/<output>.npy or error.txt are written (default: a temporary directory)')
    .addOption(new Option('-m, --mode <mode>', 'run each case with the interpreter or the compiled module').choices(EXECUTION_MODES).default('interp'))
    .action(async (dirs: string[], opts: { out?: string; mode: ExecutionMode }) => {
      const out = opts.out ?? mkdtempSync(join(tmpdir(), 'fractal-cases-'));
      const summary = await runCases(dirs, {
        out,
        execution: opts.mode,
        onResult: (r) => {
          cli.out(`${r.line}\n`);
          for (const w of r.warnings) cli.warn(`${r.name}: ${w.message}`);
        },
      });
      cli.err(`outputs in ${out}\n`);
      cli.out(`${summary.passed} passed, ${summary.failed} failed\n`);
      if (summary.failed > 0) cli.exitCode = 1;
    });
};
