// `fractal explain FILE --rule NAME`: why a rewrite rule does (not) match, at every candidate root.
import { explain } from '../passes/rewrite/explain.ts';
import { ruleByName } from '../passes/registry.ts';
import type { RegisterCommand } from './main.ts';
import { readModuleFile } from './read-module.ts';

export const register: RegisterCommand = (program, cli) => {
  program
    .command('explain')
    .description('say why a rewrite rule matches or not at each candidate statement')
    .argument('<file>', 'textual IR (.fir) or the JSON form (.json)')
    .requiredOption('-r, --rule <name>', 'the rule, e.g. fuse-dynamic-quant')
    .action((file: string, opts: { rule: string }) => {
      cli.out(`${explain(readModuleFile(file), ruleByName(opts.rule))}\n`);
    });
};
