// Bad input is answered, never crashed on (DESIGN.md principle 7): every text gives a module or
// a FractalError — no TypeError, no stack overflow, no hang.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FractalError } from '../../src/ir/diagnostics.ts';
import { moduleFromJson } from '../../src/ir/json.ts';
import { parseModule } from '../../src/ir/parse.ts';
import { printModule } from '../../src/ir/print.ts';

const example = readFileSync(new URL('../../examples/tp_linear.fir', import.meta.url), 'utf8');
const HEAD = 'graph @g(%x: tensor<f32>) -> (tensor<f32>) {\n  return %x\n}\n\nresources {\n';

/** Parses `text`; returns the FractalError's message, 'ok', or rethrows anything else. */
function outcome(text: string): string {
  try {
    parseModule(text);
    return 'ok';
  } catch (e) {
    if (e instanceof FractalError) return e.message;
    throw e;
  }
}

/** A deterministic byte soup (xorshift), so a failure reproduces. */
function garbage(n: number, seed: number): string {
  let s = seed >>> 0 || 1;
  const codes = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    codes[i] = (s >>> 0) % 0x3000;
  }
  return Buffer.from(codes.buffer).toString('utf16le');
}

describe('hostile input gives a FractalError', () => {
  it('100000 unclosed [ in a dense literal', () => {
    expect(outcome(`${HEAD}  @r = dense<${'['.repeat(100_000)}>`)).toMatch(/:6:100014: expected an element \(a number, true, false or a hex pattern\), got '>'/);
  });

  it('100000 nested lists against a rank-1 type, then against a rank-100000 type', () => {
    const lists = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    expect(outcome(`${HEAD}  @r = dense<${lists}> : tensor<1xi8>\n}\n`)).toBe('resource @r: [ir.7] dense nesting must match shape [1], got a list at depth 2');
    const deep = `${HEAD}  @r = dense<${lists}> : tensor<${'1x'.repeat(100_000)}i8>\n}\n`;
    expect(printModule(parseModule(deep))).toBe(deep);
  });

  it('100000 nested [ in an attribute', () => {
    const text = `graph @g(%x: tensor<4xf32>) -> (tensor<f32>) {\n  %m = prim.reduce_max(%x) {axes = ${'['.repeat(100_000)}`;
    // 32 levels are accepted; the 33rd '[' is refused.
    const col = '  %m = prim.reduce_max(%x) {axes = '.length + 32 + 1;
    expect(outcome(text)).toBe(`<input>:2:${col}: expected attribute arrays nested at most 32 deep, got '['`);
  });

  it('10 MB of garbage, brackets, digits, or one comment', () => {
    const mb = 10 * 1024 * 1024;
    for (const text of [garbage(mb / 2, 1), garbage(mb / 2, 2), '('.repeat(mb), '9'.repeat(mb), `//${'x'.repeat(mb)}`, '\u0000'.repeat(mb)]) {
      expect(outcome(text)).toMatch(/^<input>:1:\d+: expected /);
    }
  });

  it('a 3 MB graph of valid statements parses', () => {
    const n = 50_000;
    const body = Array.from({ length: n }, (_, i) => `  %v${i + 1} = prim.abs(%v${i}) : (tensor<4xf32>) -> tensor<4xf32>\n`).join('');
    const text = `graph @g(%v0: tensor<4xf32>) -> (tensor<4xf32>) {\n${body}  return %v${n}\n}\n`;
    expect(text.length).toBeGreaterThan(3_000_000);
    expect(parseModule(text).graph().nodes).toHaveLength(n);
  });

  it('every truncation of the example', () => {
    // Only the final newline may go.
    expect(outcome(example.slice(0, -1))).toBe('ok');
    for (let k = 0; k < example.length - 1; k++) {
      const r = outcome(example.slice(0, k));
      expect(r, `prefix of ${k} characters`).not.toBe('ok');
    }
  });

  it('random token soups (fast-check)', () => {
    const token = fc.constantFrom(
      'graph', '@g', '@w', '(', ')', '{', '}', '[', ']', '<', '>', ',', '=', ':', '->', '%x', '%0', '%y',
      'tensor', 'tensor<', '4x4xf32', 'f32', 'i4', '#nz', '#nz<c0=16>', 'c0', 'none', 'return', 'resources',
      'dense<', 'splat<', 'iota<>', 'random<', 'seed', 'lo', 'hi', 'per_rank', '1', '-1', '0x7F', '1.5e3',
      'inf', '-inf', 'nan', 'true', '"s"', 'prim.add', 'prim.constant', 'npu.dynamic_quant', 'value', 'axes',
      'attributes', 'world_size', '\u0000', '\n', ' ', '//', '"', '%', '@', '#', '-', '\ud800',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
        outcome(tokens.join(' '));
        outcome(tokens.join(''));
      }),
      { numRuns: 3000, seed: 42 },
    );
  });

  it('mutations of a valid module (fast-check)', () => {
    fc.assert(
      fc.property(fc.nat(example.length - 1), fc.nat(example.length), fc.string({ maxLength: 8 }), (at, len, insert) => {
        outcome(example.slice(0, at) + insert + example.slice(at + Math.min(len, 12)));
      }),
      { numRuns: 3000, seed: 7 },
    );
  });

  it('hostile JSON', () => {
    let deep: unknown = { int: '1' };
    for (let i = 0; i < 100_000; i++) deep = { array: [deep] };
    const base = { fractal: 1, resources: [], graphs: [{ name: 'g', world_size: 1, params: [], results: [], nodes: [{ op: 'prim.iota', operands: [], attrs: { shape: deep }, results: [] }], return: [] }] };
    for (const obj of [null, 1, [], { fractal: 1 }, { fractal: 1, graphs: [null], resources: [] }, base]) {
      expect(() => moduleFromJson(obj)).toThrow(FractalError);
    }
  });
});
