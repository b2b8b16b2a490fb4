import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Builder } from '../../src/ir/builder.ts';
import { moduleHash, modulesEqual } from '../../src/ir/hash.ts';
import { parseModule } from '../../src/ir/parse.ts';
import { TensorType } from '../../src/ir/types.ts';

const base = readFileSync(new URL('../../examples/tp_linear.fir', import.meta.url), 'utf8');

/** The example with one textual change (which must occur exactly once). */
function edit(from: string, to: string): string {
  expect(base.split(from)).toHaveLength(2);
  return base.replace(from, to);
}

describe('modulesEqual / moduleHash', () => {
  const a = parseModule(base);

  it('are deterministic', () => {
    expect(moduleHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(moduleHash(parseModule(base))).toBe(moduleHash(a));
    expect(modulesEqual(a, parseModule(base))).toBe(true);
  });

  it('ignore an attribute that restates its default', () => {
    expect(modulesEqual(a, parseModule(edit('{axes = [1]}', '{axes = [1], keepdims = false}')))).toBe(true);
  });

  it('ignore value names and resource names', () => {
    const renamed = base.replaceAll('%xf', '%7').replaceAll('%amax', '%m').replaceAll('@w0', '@weights');
    const b = parseModule(renamed);
    expect(modulesEqual(a, b)).toBe(true);
    expect(moduleHash(b)).toBe(moduleHash(a));
  });

  it.each([
    ['an attribute', '{max = 127.0, min = -128.0}', '{max = 127.0, min = -127.0}'],
    ['a dtype', '{to = f16} : (tensor<8x32xf32>) -> tensor<8x32xf16>\n  %y = comm.all_reduce(%h) : (tensor<8x32xf16>) -> tensor<8x32xf16>\n  return %y\n}', '{to = f16} : (tensor<8x32xf32>) -> tensor<8x32xf16>\n  %y = comm.all_reduce(%h) : (tensor<8x32xf16>) -> tensor<8x32xf16>\n  return %h\n}'],
    ['operand wiring', '%xs = prim.mul(%amax, %inv_max) : (tensor<8xf32>, tensor<f32>)', '%xs = prim.mul(%inv_max, %amax) : (tensor<f32>, tensor<8xf32>)'],
    ['resource data', '@c127 = splat<127.0>', '@c127 = splat<126.0>'],
    ['a random seed', 'random<seed = 5,', 'random<seed = 6,'],
  ])('differ for a changed %s', (what, from, to) => {
    const b = parseModule(edit(from, to));
    expect(modulesEqual(a, b), what).toBe(false);
    expect(moduleHash(b)).not.toBe(moduleHash(a));
  });

  it('differ for a changed world size or weight flag', () => {
    const g = (ws: number, weight: boolean) => {
      const b = Builder.graph('g', { worldSize: ws });
      const x = b.param(new TensorType([2], 'f32'), 'x', { weight });
      b.return(b.create('prim.abs', [x]).result);
      return b.module;
    };
    expect(modulesEqual(g(1, false), g(1, false))).toBe(true);
    expect(modulesEqual(g(1, false), g(2, false))).toBe(false);
    expect(modulesEqual(g(1, false), g(1, true))).toBe(false);
  });

  it('a built module equals the parsed text of the same graph', () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([4], 'f32'), 'input');
    const c = b.splat('f32', 0.5, { hint: 'half' });
    b.return(b.create('prim.mul', [x, c], {}, { hints: ['scaled'] }).result);
    const parsed = parseModule(`graph @g(%a: tensor<4xf32>) -> (tensor<4xf32>) {
  %c = prim.constant {value = @c} : () -> tensor<f32>
  %p = prim.mul(%a, %c) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %p
}

resources {
  @c = splat<0.5> : tensor<f32>
}
`);
    expect(modulesEqual(b.module, parsed)).toBe(true);
    expect(moduleHash(b.module)).toBe(moduleHash(parsed));
  });
});
