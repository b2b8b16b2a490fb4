import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Builder } from '../../src/ir/builder.ts';
import { FractalError } from '../../src/ir/diagnostics.ts';
import { nz } from '../../src/ir/layout.ts';
import { parseModule, parseModuleUnverified, parseType } from '../../src/ir/parse.ts';
import { printAttr, printModule } from '../../src/ir/print.ts';
import { TensorType } from '../../src/ir/types.ts';

const example = (name: string) => readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8');

/** The error a thunk throws (fails the test if it throws nothing or something else). */
function errorOf(fn: () => unknown): FractalError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FractalError) return e;
    throw e;
  }
  throw new Error('expected a FractalError');
}

describe('canonical texts round-trip unchanged', () => {
  it.each(['tp_linear.fir', 'tp_linear_fused.fir'])('examples/%s (ir.md §10)', (name) => {
    const text = example(name);
    expect(printModule(parseModule(text, name))).toBe(text);
  });

  it('the canonical form of ir.md §2.7', () => {
    const text = [
      'graph @name(%a: tensor<4x8xf32>, %w: tensor<8x8xi8> {weight = true}) -> (tensor<4x8xf32>) attributes {world_size = 2} {',
      '  %r = prim.add(%a, %a) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>',
      '  return %r',
      '}',
      '',
      'resources {',
      '  @c0 = splat<0.5> : tensor<f32>',
      '}',
      '',
    ].join('\n');
    const m = parseModule(text);
    expect(m.graph().paramInfo.map((p) => p.weight)).toEqual([false, true]);
    expect(m.graph().worldSize).toBe(2);
    expect(printModule(m)).toBe(text);
  });
});

describe('what the parser builds', () => {
  const m = parseModule(example('tp_linear.fir'), 'tp_linear.fir');
  const g = m.graph('tp_linear');

  it('statements, their operands, hints and locations', () => {
    expect(g.nodes).toHaveLength(21);
    expect(g.nodes.map((n) => n.results[0]!.hint).slice(0, 4)).toEqual(['xf', 'ax', 'amax', 'inv_max']);
    const mul = g.nodes[4]!;
    expect(mul.op).toBe('prim.mul');
    expect(mul.operands).toEqual([g.nodes[2]!.result, g.nodes[3]!.result]);
    // Statement k is written on line k + 2, indented by two spaces.
    g.nodes.forEach((n, k) => expect(n.loc).toEqual({ source: 'tp_linear.fir', line: k + 2, col: 3 }));
    expect(g.outputs).toEqual([g.nodes[20]!.result]);
    expect(g.resultTypes.map(String)).toEqual(['tensor<8x32xf16>']);
  });

  it('attributes are tagged, with defaults filled in by the verifier', () => {
    const reduce = g.nodes[2]!;
    expect(reduce.attrs['axes']).toEqual({ k: 'array', v: [{ k: 'int', v: 1n }] });
    expect(reduce.attrs['keepdims']).toEqual({ k: 'bool', v: false });
    expect(g.nodes[10]!.attrs['min']).toEqual({ k: 'float', v: -128 });
    expect(g.nodes[0]!.attrs['to']).toEqual({ k: 'dtype', v: 'f32' });
  });

  it('resources: splat bits, per_rank and random bounds', () => {
    const inv = m.resources.get('inv127')!;
    expect(inv.init.kind).toBe('splat');
    // ir.md §10: 0.007874015718698502 is f32(1/127) = 0x3C010204.
    const bits = new Uint32Array((inv.init as { data: Float32Array }).data.buffer)[0];
    expect(bits).toBe(0x3c010204);
    expect(m.resources.get('w0')).toMatchObject({ perRank: true, init: { kind: 'random', seed: 3, lo: -128, hi: 127 } });
    expect(m.resources.get('dscale')!.init).toEqual({ kind: 'random', seed: 5, lo: 0.001, hi: 0.01 });
    expect([...m.resources.keys()]).toEqual(['inv127', 'c127', 'w0', 'dscale']);
  });

  it('types: the shape-dtype token and layouts', () => {
    expect(parseType('tensor<0xf32>')).toEqual(new TensorType([0], 'f32'));
    expect(parseType('tensor<f32>').shape).toEqual([]);
    expect(parseType('tensor<8x64xf16>').shape).toEqual([8, 64]);
    expect(parseType('tensor<64x32xi8, #nz<c0=32>>')).toEqual(new TensorType([64, 32], 'i8', nz(32)));
    expect(parseType('tensor< 2x3xbf16 , #nd >').toString()).toBe('tensor<2x3xbf16>');
  });

  it('integer attributes are exact at any size, floats are float64', () => {
    const t = `graph @g(%x: tensor<4xi64>) -> (tensor<4xi64>) {
  %c = prim.clamp(%x) {max = 9223372036854775807, min = -9223372036854775808} : (tensor<4xi64>) -> tensor<4xi64>
  return %c
}
`;
    const node = parseModule(t).graph().nodes[0]!;
    expect(node.attrs['min']).toEqual({ k: 'int', v: -(2n ** 63n) });
    expect(node.attrs['max']).toEqual({ k: 'int', v: 2n ** 63n - 1n });
    expect(printModule(parseModule(t))).toBe(t);
  });

  it('an attribute key is never a prototype key', () => {
    const t = `graph @g(%x: tensor<f32>) -> (tensor<f32>) {
  %y = prim.abs(%x) {__proto__ = 1} : (tensor<f32>) -> tensor<f32>
  return %y
}
`;
    const attrs = parseModuleUnverified(t).graph().nodes[0]!.attrs;
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
    expect(Object.keys(attrs)).toEqual(['__proto__']);
  });
});

describe('printer', () => {
  it('names values per ir.md §2.5: hints when free, _1… on clashes, numbers for the rest', () => {
    const b = Builder.graph('g');
    const t = new TensorType([2], 'f32');
    const x = b.param(t, 'x');
    const p = b.param(t);
    const x2 = b.create('prim.add', [x, p], {}, { hints: ['x'] }).result;
    const x3 = b.create('prim.add', [x2, x2], {}, { hints: ['x_1'] }).result;
    const n = b.create('prim.mul', [x3, p]).result;
    const n2 = b.create('prim.mul', [n, n]).result;
    b.return(n2);
    expect(printModule(b.module)).toBe(
      [
        'graph @g(%x: tensor<2xf32>, %0: tensor<2xf32>) -> (tensor<2xf32>) {',
        '  %x_1 = prim.add(%x, %0) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>',
        '  %x_1_1 = prim.add(%x_1, %x_1) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>',
        '  %1 = prim.mul(%x_1_1, %0) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>',
        '  %2 = prim.mul(%1, %1) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>',
        '  return %2',
        '}',
        '',
      ].join('\n'),
    );
    // The printed text is canonical: it reads back to itself.
    const text = printModule(b.module);
    expect(printModule(parseModule(text))).toBe(text);
  });

  it('prints floats in the form of §2.4', () => {
    const cases: [number, string][] = [
      [2, '2.0'],
      [-128, '-128.0'],
      [0.1, '0.1'],
      [1e21, '1e+21'],
      [1.5e-7, '1.5e-7'],
      [-0, '-0.0'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
      [NaN, 'nan'],
    ];
    for (const [v, text] of cases) expect(printAttr({ k: 'float', v })).toBe(text);
  });

  it('prints built f32 constants exactly (f32 values are float64 values)', () => {
    const b = Builder.graph('g');
    const outs = [0.5, 2 ** 70, -0, 2 ** -149].map((v, i) => b.splat('f32', v, { hint: `c${i}` }));
    b.return(outs[0]!);
    const text = printModule(b.module);
    const splats = text.split('\n').flatMap((l) => /splat<([^>]*)>/.exec(l)?.[1] ?? []);
    expect(splats).toEqual(['0.5', '1.1805916207174113e+21', '-0.0', '1.401298464324817e-45']);
    expect(printModule(parseModule(text))).toBe(text);
  });

  it('one blank line between top-level blocks, resources last, a trailing newline', () => {
    const t = `graph @a(%x: tensor<f32>) -> (tensor<f32>) {
  return %x
}

graph @b(%x: tensor<f32>) -> (tensor<f32>) {
  %c = prim.constant {value = @c} : () -> tensor<f32>
  return %c
}

resources {
  @c = splat<1.0> : tensor<f32>
}
`;
    expect(printModule(parseModule(t))).toBe(t);
  });
});

describe('element literals (ir.md §3.1)', () => {
  const splatBits = (literal: string, dtype: string): number => {
    const m = parseModule(`graph @g(%x: tensor<f32>) -> (tensor<f32>) {\n  return %x\n}\n\nresources {\n  @c = splat<${literal}> : tensor<${dtype}>\n}\n`);
    const data = (m.resources.get('c')!.init as { data: ArrayLike<number> }).data;
    return dtype === 'f32' ? new Uint32Array((data as Float32Array).buffer)[0]! : Number(data[0]);
  };

  it('bf16 rounds once from float64: 1.0039062509313226 is 0x3F81 (via f32 it would be 0x3F80)', () => {
    expect(splatBits('1.0039062509313226', 'bf16')).toBe(0x3f81);
  });

  it('f16 rounds once from float64, with overflow to inf', () => {
    // 1 + 2^-11 + 2^-30 lies just above the midpoint of 1 and 1 + 2^-10; f32 would drop the 2^-30.
    expect(splatBits('1.000488281250931322574615478515625', 'f16')).toBe(0x3c01);
    expect(splatBits('65519.99', 'f16')).toBe(0x7bff);
    expect(splatBits('65520', 'f16')).toBe(0x7c00);
    expect(splatBits('-inf', 'f16')).toBe(0xfc00);
    expect(splatBits('nan', 'f16')).toBe(0x7e00);
  });

  it('f32 and HEX patterns', () => {
    expect(splatBits('0.1', 'f32')).toBe(0x3dcccccd);
    expect(splatBits('nan', 'f32')).toBe(0x7fc00000);
    expect(splatBits('0x7FA00001', 'f32')).toBe(0x7fa00001);
    expect(splatBits('0xFF', 'i8')).toBe(-1);
    expect(splatBits('0xFF', 'u8')).toBe(255);
    expect(splatBits('true', 'i1')).toBe(1);
  });
});

describe('parse errors name the position and the token', () => {
  it('the example of ir.md §8.1', () => {
    const t = [
      'graph @g(%a: tensor<f32>, %b: tensor<f32>) -> (tensor<f32>) {',
      '  %c = prim.abs(%a) : (tensor<f32>) -> tensor<f32>',
      '  // the next statement forgets a comma',
      '  %long_name_01 = prim.add(%a %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>',
      '  return %c',
      '}',
    ].join('\n');
    const e = errorOf(() => parseModule(t, 'model.ir'));
    expect(e.code).toBe('PARSE');
    expect(e.message).toBe("model.ir:4:31: expected ')' or ',', got '%b'");
    expect(e.loc).toEqual({ source: 'model.ir', line: 4, col: 31 });
  });

  it.each([
    ['empty input', '', "<input>:1:1: expected 'graph', got end of input"],
    ['truncated header', 'graph @g(', '<input>:1:10: expected a parameter such as %x, got end of input'],
    ['a NUL byte', 'graph @g\u0000', "<input>:1:9: expected a token, got '\\u0000'"],
    ['an undefined returned value', 'graph @g() -> (tensor<f32>) {\n  return %x\n}', "<input>:2:10: expected a value defined earlier in the graph, got '%x'"],
    ['an unterminated string', 'graph @g(%a: tensor<f32>) -> (tensor<f32>) {\n  %s = comm.all_reduce(%a) {reduce_op = "sum', `<input>:2:45: expected '"' to close the string, got end of input`],
    ['a 5000-digit number', `graph @g(%a: tensor<f32>) -> (tensor<f32>) {\n  %s = prim.clamp(%a) {min = ${'9'.repeat(5000)}`, '<input>:2:30: expected a number of at most 4096 characters, got 5000 characters'],
    ['a 17-digit dimension', 'graph @g(%a: tensor<99999999999999999x2xf32>)', "<input>:1:21: expected dimensions of at most 15 digits, got '99999999999999999x2xf32'"],
  ])('%s', (_, text, message) => {
    expect(errorOf(() => parseModule(text)).message).toBe(message);
  });

  it('parseModuleUnverified skips the verifier', () => {
    const t = 'graph @g(%a: tensor<f32>) -> (tensor<f16>) {\n  return %a\n}\n';
    expect(parseModuleUnverified(t).graph().worldSize).toBe(1);
    const e = errorOf(() => parseModule(t));
    expect([e.code, e.rule, e.loc?.line]).toEqual(['VERIFY', 'ir.5', 2]);
  });
});
