// Every pass is idempotent (ir.md §9.1): for each fixture under test/passes/fixtures/<pass>/
// whose RUN line runs that one pass, running it twice prints the same IR as running it once,
// and the second run reports no change.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cpuEvaluator } from '../../src/backends/cpu/evaluator.ts';
import { parseModule } from '../../src/ir/parse.ts';
import { printModule } from '../../src/ir/print.ts';
import { runPipeline } from '../../src/passes/pass-manager.ts';
import { readFixture } from '../helpers/fixtures.ts';

const DIR = fileURLToPath(new URL('./fixtures', import.meta.url));
const files = readdirSync(DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.fir'))
  .sort();

const cases = files.flatMap((f) => {
  const fx = readFixture(join(DIR, f));
  const pass = f.split(/[\\/]/)[0]!;
  if (fx.run.kind !== 'opt' || fx.run.pipeline.trim() !== pass) return [];
  return fx.chunks.filter((c) => !c.expectedError && /\bgraph\b/.test(c.text)).map((c) => ({ name: `${f} chunk ${c.index}`, pass, source: c.source }));
});

describe('every pass is idempotent', () => {
  it('has fixtures to check', () => expect(cases.length).toBeGreaterThan(10));
  for (const c of cases) {
    it(c.name, () => {
      const opts = { strict: true, evaluator: cpuEvaluator };
      const m = parseModule(c.source, c.name);
      runPipeline(m, c.pass, opts);
      const once = printModule(m);
      const again = runPipeline(m, c.pass, opts);
      expect(printModule(m)).toBe(once);
      expect(again.changed).toBe(false);
    });
  }
});
