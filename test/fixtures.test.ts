// Every `test/**/*.fir` fixture, one vitest case per chunk (format: test/helpers/fixtures.ts).
//   RUN: verify          each chunk parses and verifies, or fails as its expected-error says
//   RUN: print           CHECK lines against the printed module
//   RUN: opt --pipeline  CHECK lines against the module printed after the pipeline
// Every chunk that verifies must also round-trip through the printer.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FractalError } from '../src/ir/diagnostics.ts';
import type { Module } from '../src/ir/module.ts';
import { parseModule } from '../src/ir/parse.ts';
import { printModule } from '../src/ir/print.ts';
import { optimize } from '../src/optimize.ts';
import { fileCheck } from './helpers/filecheck.ts';
import { parseFixture, type Chunk, type Fixture } from './helpers/fixtures.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const files = readdirSync(join(ROOT, 'test'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.fir'))
  .map((f) => join('test', f))
  .sort();

const isBlank = (chunk: Chunk) => chunk.text.split('\n').every((l) => /^\s*(\/\/.*)?$/.test(l));

for (const file of files) {
  const fixture = parseFixture(readFileSync(join(ROOT, file), 'utf8'), file);
  describe(file, () => {
    const run = fixture.run;
    if (run.kind === 'unknown') {
      it('has a known RUN kind', () => {
        throw new Error(`${file}: unknown RUN line '${run.text}' (expected verify, print or opt --pipeline "…")`);
      });
      return;
    }
    for (const chunk of fixture.chunks) {
      if (isBlank(chunk)) continue;
      it(`chunk ${chunk.index} (line ${chunk.firstLine})`, () => runChunk(fixture, chunk));
    }
  });
}

async function runChunk(fx: Fixture, chunk: Chunk): Promise<void> {
  const { file, run } = fx;
  const transform = async (m: Module): Promise<Module> => (run.kind === 'opt' ? optimize(m, run.pipeline, { strict: true }).module : m);
  const expected = chunk.expectedError;
  if (expected) {
    let error: unknown;
    try {
      await transform(parseModule(chunk.source, file));
    } catch (e) {
      error = e;
    }
    const where = `${file}:${expected.annotationLine}`;
    if (!(error instanceof FractalError)) {
      throw new Error(`${where}: expected an error containing "${expected.text}", ${error ? `got ${String(error)}` : 'but the chunk succeeded'}`);
    }
    if (!error.message.includes(expected.text)) {
      throw new Error(`${where}: expected an error containing\n  ${expected.text}\ngot\n  ${error.message}`);
    }
    // A pipeline error need not point into the text; parse and verify errors always do.
    if (run.kind === 'opt' && !error.loc) return;
    if (error.loc?.line !== expected.line) {
      throw new Error(`${where}: expected the error at line ${expected.line}, got ${error.loc ? `line ${error.loc.line}` : 'no location'}: ${error.message}`);
    }
    return;
  }
  const m = parseModule(chunk.source, file);
  const printed = printModule(m);
  expect(printModule(parseModule(printed, `${file} (printed)`)), 'print/parse round trip').toBe(printed);
  if (run.kind === 'verify') return;
  const out = run.kind === 'print' ? printed : printModule(await transform(m));
  fileCheck(out, chunk.text, { firstLine: chunk.firstLine, file });
}
