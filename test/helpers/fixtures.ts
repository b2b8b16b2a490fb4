// `.fir` test fixtures in the mlir-opt style: a `// RUN:` line, chunks split at `// -----`
// lines, `// CHECK…:` lines (filecheck.ts) and `// expected-error@+N {{text}}` annotations
// (`@-N` for a line above, no offset for the annotation's own line).
import { readFileSync } from 'node:fs';

export type RunSpec =
  | { readonly kind: 'verify' }
  | { readonly kind: 'print' }
  | { readonly kind: 'opt'; readonly pipeline: string }
  | { readonly kind: 'unknown'; readonly text: string };

export interface ExpectedError {
  /** 1-based file line the error must be reported at. */
  readonly line: number;
  /** Text the error message must contain. */
  readonly text: string;
  /** Line of the annotation itself. */
  readonly annotationLine: number;
}

export interface Chunk {
  /** 0-based position among the file's chunks. */
  readonly index: number;
  /** 1-based file line of the chunk's first line. */
  readonly firstLine: number;
  /** The chunk's text. */
  readonly text: string;
  /**
   * The chunk preceded by blank lines so that the parser's line numbers are the file's lines
   * (parse this, not `text`).
   */
  readonly source: string;
  readonly expectedError?: ExpectedError;
}

export interface Fixture {
  readonly file: string;
  readonly run: RunSpec;
  readonly chunks: readonly Chunk[];
}

const SPLIT = /^\s*\/\/ -----\s*$/;
const RUN = /\/\/\s*RUN:\s*(.*)$/;
const EXPECTED = /\/\/\s*expected-error(?:@([+-]\d+))?\s*\{\{(.*)\}\}/;

export function readFixture(path: string): Fixture {
  return parseFixture(readFileSync(path, 'utf8'), path);
}

export function parseFixture(text: string, file: string): Fixture {
  const lines = text.split('\n');
  const runLine = lines.map((l) => RUN.exec(l)).find((m) => m);
  if (!runLine) throw new Error(`${file}: no '// RUN:' line`);
  const chunks: Chunk[] = [];
  let start = 0;
  const flush = (end: number) => {
    const body = lines.slice(start, end);
    const errors = body.flatMap((l, i) => {
      const m = EXPECTED.exec(l);
      if (!m) return [];
      const annotationLine = start + i + 1;
      return [{ line: annotationLine + Number(m[1] ?? 0), text: m[2]!, annotationLine }];
    });
    if (errors.length > 1) throw new Error(`${file}:${errors[1]!.annotationLine}: one expected-error per chunk (a chunk stops at its first error)`);
    const chunkText = body.join('\n');
    chunks.push({
      index: chunks.length,
      firstLine: start + 1,
      text: chunkText,
      source: '\n'.repeat(start) + chunkText,
      ...(errors[0] ? { expectedError: errors[0] } : {}),
    });
  };
  lines.forEach((l, i) => {
    if (!SPLIT.test(l)) return;
    flush(i);
    start = i + 1;
  });
  flush(lines.length);
  return { file, run: parseRun(runLine[1]!.trim()), chunks };
}

/** `verify`, `print` or `opt --pipeline "<pipeline>"` (also `'…'`, bare, or `--pipeline=…`). */
export function parseRun(text: string): RunSpec {
  if (text === 'verify' || text === 'print') return { kind: text };
  const opt = /^opt\s+--pipeline(?:\s+|=)(?:"([^"]*)"|'([^']*)'|(\S+))\s*$/.exec(text);
  if (opt) return { kind: 'opt', pipeline: opt[1] ?? opt[2] ?? opt[3]! };
  return { kind: 'unknown', text };
}
