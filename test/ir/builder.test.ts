import { describe, expect, it } from 'vitest';
import { Builder } from '../../src/ir/builder.ts';
import { FractalError } from '../../src/ir/diagnostics.ts';
import { printModule } from '../../src/ir/print.ts';
import { TensorType } from '../../src/ir/types.ts';

describe('Builder', () => {
  it('leaves no resource behind when a constant is refused', () => {
    const b = Builder.graph('g');
    expect(() => b.constant(new TensorType([2, 3], 'i4'), { kind: 'iota' }, { hint: 'odd' })).toThrow(
      'prim.constant %odd: [ir.1] an #nd i4 tensor needs rank >= 1 and an even last dimension, got tensor<2x3xi4>',
    );
    expect([...b.module.resources.keys()]).toEqual([]);
    expect(b.graph.nodes).toEqual([]);
  });

  it('splat rounds a float once to the dtype and stores integers exactly', () => {
    const b = Builder.graph('g');
    b.return(b.splat('bf16', 1.0039062509313226, { hint: 'h' }), b.splat('u64', 2n ** 64n - 1n, { shape: [2], hint: 'w' }));
    const text = printModule(b.module);
    expect(text).toContain('@h = splat<1.0078125> : tensor<bf16>');
    expect(text).toContain('@w = splat<18446744073709551615> : tensor<2xu64>');
  });

  it('refuses an unknown attribute with [ir.3] and keeps the graph unchanged', () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([4], 'f32'), 'x');
    const err = (() => {
      try {
        b.create('prim.abs', [x], { bogus: 1 }, { hints: ['y'] });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FractalError);
    expect((err as FractalError).message).toBe("prim.abs %y: [ir.3] unknown attribute 'bogus', got bogus");
    expect(b.graph.nodes).toEqual([]);
    expect(x.uses).toEqual([]);
  });
});
