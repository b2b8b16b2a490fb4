// `fractal print FILE [--json]`: parse, verify and print the canonical text (or the JSON form).
import { moduleToJson } from '../ir/json.ts';
import { printModule } from '../ir/print.ts';
import type { RegisterCommand } from './main.ts';
import { readModuleFile } from './read-module.ts';

export const register: RegisterCommand = (program, cli) => {
  program
    .command('print')
    .description('parse and verify a module, then print its canonical text')
    .argument('<file>', 'textual IR (.fir) or the JSON form (.json)')
    .option('--json', 'print the JSON form instead')
    .action((file: string, opts: { json?: boolean }) => {
      const m = readModuleFile(file);
      cli.out(opts.json ? `${JSON.stringify(moduleToJson(m), null, 2)}\n` : printModule(m));
    });
};
