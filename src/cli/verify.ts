// `fractal verify FILE`: prints `ok`, or the diagnostic (exit status 1).
import type { RegisterCommand } from './main.ts';
import { readModuleFile } from './read-module.ts';

export const register: RegisterCommand = (program, cli) => {
  program
    .command('verify')
    .description('parse and verify a module')
    .argument('<file>', 'textual IR (.fir) or the JSON form (.json)')
    .action((file: string) => {
      readModuleFile(file);
      cli.out('ok\n');
    });
};
