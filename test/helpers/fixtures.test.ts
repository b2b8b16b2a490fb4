import { describe, expect, it } from 'vitest';
import { parseFixture, parseRun } from './fixtures.ts';

describe('parseFixture', () => {
  const text = [
    '// RUN: verify', // 1
    'graph @a() {', // 2
    '}', // 3
    '// -----', // 4
    '// expected-error@+2 {{first}}', // 5
    '', // 6
    'bad', // 7
    '  // -----  ', // 8
    'x // expected-error {{same line}}', // 9
    '// expected-error@-1 {{above}}', // 10
  ].join('\n');

  it('splits at // ----- lines, keeping file line numbers', () => {
    const f = parseFixture(text.replace('// expected-error@-1 {{above}}', ''), 'f.fir');
    expect(f.run).toEqual({ kind: 'verify' });
    expect(f.chunks.map((c) => c.firstLine)).toEqual([1, 5, 9]);
    expect(f.chunks[1]!.expectedError).toEqual({ line: 7, text: 'first', annotationLine: 5 });
    expect(f.chunks[2]!.expectedError).toEqual({ line: 9, text: 'same line', annotationLine: 9 });
    // The parser sees the chunk at its file lines.
    expect(f.chunks[1]!.source.split('\n')[6]).toBe('bad');
  });

  it('@-N points above; one expected error per chunk', () => {
    expect(() => parseFixture(text, 'f.fir')).toThrow('f.fir:10: one expected-error per chunk');
    const f = parseFixture('// RUN: print\nx\n// expected-error@-1 {{above}}', 'g.fir');
    expect(f.chunks[0]!.expectedError).toEqual({ line: 2, text: 'above', annotationLine: 3 });
  });

  it('needs a RUN line', () => {
    expect(() => parseFixture('graph', 'h.fir')).toThrow("h.fir: no '// RUN:' line");
  });
});

describe('parseRun', () => {
  it.each([
    ['verify', { kind: 'verify' }],
    ['print', { kind: 'print' }],
    ['opt --pipeline "canonicalize, cse"', { kind: 'opt', pipeline: 'canonicalize, cse' }],
    ["opt --pipeline 'dce'", { kind: 'opt', pipeline: 'dce' }],
    ['opt --pipeline=default', { kind: 'opt', pipeline: 'default' }],
    ['frobnicate', { kind: 'unknown', text: 'frobnicate' }],
  ])('%s', (text, spec) => expect(parseRun(text)).toEqual(spec));
});
