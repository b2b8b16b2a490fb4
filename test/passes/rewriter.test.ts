// Rewriter hygiene: strict mode, interior uses, cycles, commutative and branching patterns,
// multi-output rewrites that move users down, rule priority, and `explain`.
import { describe, expect, it } from 'vitest';
import { Builder } from '../../src/ir/builder.ts';
import { FractalError } from '../../src/ir/diagnostics.ts';
import { printGraph } from '../../src/ir/print.ts';
import { TensorType } from '../../src/ir/types.ts';
import { verifyGraph } from '../../src/ir/verify.ts';
import { applyRules } from '../../src/passes/rewrite/driver.ts';
import { explain } from '../../src/passes/rewrite/explain.ts';
import { matchAt } from '../../src/passes/rewrite/match.ts';
import {
  attrWhere,
  capture,
  constant,
  defineRule,
  either,
  none,
  oneOf,
  op,
  optional,
  type Rule,
} from '../../src/passes/rewrite/pattern.ts';

const f32 = (...shape: number[]) => new TensorType(shape, 'f32');

/** neg(neg(x)) → x: the inner neg is interior. */
const doubleNeg = defineRule({
  name: 'double-neg',
  pattern: op('prim.neg', [op('prim.neg', [capture('x')], { as: 'inner' })], { as: 'y' }),
  rewrite: (rw, m) => rw.replace(m.value('y'), m.value('x')),
});

/** x · 1 → x, with the constant on either side. */
const mulOne = defineRule({
  name: 'mul-one',
  pattern: op('prim.mul', [capture('x', { dtype: 'f32' }), constant('one', { splat: 1 })], { as: 'y' }),
  rewrite: (rw, m) => rw.replace(m.value('y'), m.value('x')),
});

describe('strict mode', () => {
  it('fails on a rule set that never converges', () => {
    const swap = defineRule({
      name: 'swap-add',
      pattern: op('prim.add', [capture('a'), capture('b')], { as: 'y', commutative: false }),
      rewrite: (rw, m) => rw.replace(m.value('y'), rw.b.prim.add(m.value('b'), m.value('a'))),
    });
    const build = () => {
      const b = Builder.graph('g');
      const x = b.param(f32(4), 'x');
      const z = b.param(f32(4), 'z');
      b.return(b.prim.add(x, z, 'y'));
      return b.graph;
    };
    expect(() => applyRules(build(), [swap], { strict: true, maxIterations: 4 })).toThrow(/did not converge within 4 sweeps \(fired: swap-add 4\)/);
    const loose = applyRules(build(), [swap], { maxIterations: 4 });
    expect(loose).toEqual({ changed: true, converged: false, applied: { 'swap-add': 4 } });
  });

  it('fails on a rule that reports success without changing anything', () => {
    const lazy = defineRule({ name: 'lazy', pattern: op('prim.neg', [capture('x')]), rewrite: () => {} });
    const b = Builder.graph('g');
    b.return(b.prim.neg(b.param(f32(4), 'x'), 'y'));
    expect(() => applyRules(b.graph, [lazy], { strict: true })).toThrow(/rule lazy reported success at prim.neg %y but changed nothing/);
    expect(applyRules(b.graph, [lazy])).toEqual({ changed: false, converged: true, applied: {} });
  });

  it('fails on a rule that declines after mutating', () => {
    const sneaky = defineRule({
      name: 'sneaky',
      pattern: op('prim.neg', [capture('x')]),
      rewrite: (rw, m) => {
        rw.b.prim.abs(m.value('x'));
        return false;
      },
    });
    const b = Builder.graph('g');
    b.return(b.prim.neg(b.param(f32(4), 'x'), 'y'));
    expect(() => applyRules(b.graph, [sneaky])).toThrow(/declined at prim.neg %y after mutating the graph/);
  });
});

describe('match hygiene', () => {
  it('rewrites when the interior value is private to the match', () => {
    const b = Builder.graph('g');
    const x = b.param(f32(4), 'x');
    b.return(b.prim.neg(b.prim.neg(x, 'n'), 'y'));
    expect(applyRules(b.graph, [doubleNeg], { strict: true }).applied).toEqual({ 'double-neg': 1 });
    expect(b.graph.nodes).toHaveLength(0);
    expect(b.graph.outputs).toEqual([x]);
  });

  it('rejects a match whose interior value is used outside it', () => {
    const b = Builder.graph('g');
    const x = b.param(f32(4), 'x');
    const n = b.prim.neg(x, 'n');
    const y = b.prim.neg(n, 'y');
    b.return(b.prim.add(y, n, 'z'));
    expect(applyRules(b.graph, [doubleNeg], { strict: true }).changed).toBe(false);
    expect(b.graph.nodes).toHaveLength(3);
    expect(explain(b.graph, doubleNeg)).toContain('prim.neg %y: rejected: interior value %n (prim.neg) is also used by prim.add %z outside the match');
  });

  it('rejects a match whose interior value is returned by the graph', () => {
    const b = Builder.graph('g');
    const n = b.prim.neg(b.param(f32(4), 'x'), 'n');
    b.return(b.prim.neg(n, 'y'), n);
    expect(applyRules(b.graph, [doubleNeg]).changed).toBe(false);
    expect(explain(b.graph, doubleNeg)).toContain('rejected: interior value %n (prim.neg) is returned by the graph');
  });

  it('rejects a multi-root match that would create a cycle', () => {
    // y = add(neg(x), c) and z = abs(x) fused into one statement would need c, which needs z.
    const fuse = defineRule({
      name: 'fuse-add-abs',
      pattern: op('prim.add', [op('prim.neg', [capture('x')], { as: 'n' }), capture('c')], { as: 'y', commutative: false }),
      extraRoots: [{ pattern: op('prim.abs', [capture('x')], { as: 'z' }) }],
      rewrite(rw, m) {
        rw.replace(m.value('y'), rw.b.prim.sub(m.value('c'), m.value('x')));
        rw.replace(m.value('z'), rw.b.prim.neg(m.value('x')));
      },
    });
    const b = Builder.graph('g');
    const x = b.param(f32(4), 'x');
    const n = b.prim.neg(x, 'n');
    const z = b.prim.abs(x, 'z');
    const c = b.prim.mul(z, z, 'c');
    b.return(b.prim.add(n, c, 'y'));
    expect(applyRules(b.graph, [fuse], { strict: true }).changed).toBe(false);
    expect(explain(b.graph, fuse)).toContain('rejected: input prim.mul %c depends on the matched prim.abs %z: fusing would create a cycle');
  });
});

describe('patterns', () => {
  it('matches prim.mul operands in either order', () => {
    const b = Builder.graph('g');
    const x = b.param(f32(4), 'x');
    const one = b.splat('f32', 1, { hint: 'one' });
    const y1 = b.prim.mul(x, one, 'y1');
    const y2 = b.prim.mul(one, y1, 'y2');
    b.return(y2);
    expect(applyRules(b.graph, [mulOne], { strict: true }).applied).toEqual({ 'mul-one': 2 });
    expect(b.graph.outputs).toEqual([x]);
    // The constant is a leaf: inspected, not erased.
    expect(b.graph.nodes.map((n) => n.op)).toEqual(['prim.constant']);
  });

  it('matches only the written order when commutative is off', () => {
    const ordered = defineRule({ ...mulOne, name: 'mul-one-ordered', pattern: op('prim.mul', [capture('x'), constant('one', { splat: 1 })], { as: 'y', commutative: false }) });
    const b = Builder.graph('g');
    const x = b.param(f32(4), 'x');
    const one = b.splat('f32', 1, { hint: 'one' });
    b.return(b.prim.mul(one, x, 'y'));
    expect(applyRules(b.graph, [ordered]).changed).toBe(false);
  });

  it('compares splat constants exactly', () => {
    const b = Builder.graph('g');
    const x = b.param(f32(4), 'x');
    b.return(b.prim.mul(x, b.splat('f32', 1.0000001, { hint: 'almost' }), 'y'), b.prim.mul(x, b.splat('f32', -1, { hint: 'neg_one' }), 'z'));
    expect(applyRules(b.graph, [mulOne]).changed).toBe(false);
  });

  it('matches typed captures', () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([4], 'f16'), 'x');
    b.return(b.prim.mul(x, b.splat('f16', 1, { hint: 'one' }), 'y'));
    expect(applyRules(b.graph, [mulOne]).changed).toBe(false);
    expect(explain(b.graph, mulOne)).toContain('x %x: expected dtype f32, got f16');
  });

  it('covers with and without round and clamp with one optional chain', () => {
    // cast(clamp?(round?(v)), i8) → cast(v, i8): round and clamp to [-128, 127] change no bit.
    const strip = defineRule({
      name: 'strip-before-cast',
      pattern: op(
        'prim.cast',
        [optional(op('prim.clamp', [optional(op('prim.round', [capture('v', { dtype: 'f32' })]))], { attrs: { min: -128, max: 127 } }))],
        { as: 'y', attrs: { to: 'i8' } },
      ),
      guard: (m) => m.nodes.size > 1 || 'nothing to strip',
      rewrite: (rw, m) => rw.replace(m.value('y'), rw.b.prim.cast(m.value('v'), 'i8')),
    });
    const b = Builder.graph('g');
    const v = b.param(f32(4), 'v');
    const outs = [
      b.prim.cast(b.prim.clamp(b.prim.round(v, 'r1'), -128, 127, 'c1'), 'i8', 'both'),
      b.prim.cast(b.prim.round(v, 'r2'), 'i8', 'round_only'),
      b.prim.cast(b.prim.clamp(v, -128, 127, 'c2'), 'i8', 'clamp_only'),
      b.prim.cast(v, 'i8', 'neither'),
      b.prim.cast(b.prim.clamp(v, -100, 100, 'c3'), 'i8', 'other_clamp'),
    ];
    b.return(...outs);
    expect(applyRules(b.graph, [strip], { strict: true }).applied).toEqual({ 'strip-before-cast': 3 });
    expect(printGraph(b.graph)).toBe(
      [
        'graph @g(%v: tensor<4xf32>) -> (tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi8>) {',
        '  %both = prim.cast(%v) {to = i8} : (tensor<4xf32>) -> tensor<4xi8>',
        '  %round_only = prim.cast(%v) {to = i8} : (tensor<4xf32>) -> tensor<4xi8>',
        '  %clamp_only = prim.cast(%v) {to = i8} : (tensor<4xf32>) -> tensor<4xi8>',
        '  %neither = prim.cast(%v) {to = i8} : (tensor<4xf32>) -> tensor<4xi8>',
        '  %c3 = prim.clamp(%v) {max = 100.0, min = -100.0} : (tensor<4xf32>) -> tensor<4xf32>',
        '  %other_clamp = prim.cast(%c3) {to = i8} : (tensor<4xf32>) -> tensor<4xi8>',
        '  return %both, %round_only, %clamp_only, %neither, %other_clamp',
        '}',
        '',
      ].join('\n'),
    );
    expect(explain(b.graph, strip)).toContain('prim.cast %other_clamp: rejected: guard: nothing to strip');
  });

  it('tries either branches in order and binds what the taken branch binds', () => {
    const scaled = defineRule({
      name: 'scaled',
      pattern: op('prim.mul', [capture('x'), either(constant('k', { splat: 2 }), op('prim.add', [capture('h'), capture('h')], { as: 'sum' }))], { as: 'y', commutative: false }),
      rewrite: () => false,
    });
    const b = Builder.graph('g');
    const x = b.param(f32(4), 'x');
    const two = b.splat('f32', 2, { hint: 'two' });
    const h = b.param(f32(4), 'h');
    const y1 = b.prim.mul(x, two, 'y1');
    const y2 = b.prim.mul(x, b.prim.add(h, h, 'sum'), 'y2');
    const y3 = b.prim.mul(x, b.prim.add(h, x, 'other'), 'y3');
    b.return(y1, y2, y3);
    const at = (v: typeof y1) => matchAt(scaled, v.producer!, { accept: () => true }).match;
    expect(at(y1)?.has('k')).toBe(true);
    expect(at(y1)?.has('h')).toBe(false);
    expect(at(y2)?.value('h')).toBe(h);
    expect(at(y2)?.has('k')).toBe(false);
    expect(at(y3)).toBeUndefined();
  });

  it('matches absent optional operands with none() and optional()', () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([4, 16], 'f16'), 'x');
    const s = b.param(new TensorType([16], 'f16'), 's');
    const plain = b.npu.dynamicQuant(x, { hints: ['y1', 's1'] });
    const smooth = b.npu.dynamicQuant(x, { smoothScales: s, hints: ['y2', 's2'] });
    b.return(plain.y, smooth.y);
    const noSmooth = defineRule({ name: 'no-smooth', pattern: op('npu.dynamic_quant', [capture('x'), none()]), rewrite: () => false });
    const anySmooth = defineRule({ name: 'any-smooth', pattern: op('npu.dynamic_quant', [capture('x'), optional(capture('s'))]), rewrite: () => false });
    const found = (r: Rule, v: typeof x) => matchAt(r, v.producer!, { accept: () => true }).match;
    expect(found(noSmooth, plain.y)).toBeDefined();
    expect(found(noSmooth, smooth.y)).toBeUndefined();
    expect(found(anySmooth, plain.y)?.has('s')).toBe(false);
    expect(found(anySmooth, smooth.y)?.value('s')).toBe(s);
  });

  it('matches several results of one multi-result statement through a shared name', () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([4, 16], 'f16'), 'x');
    const q = b.npu.dynamicQuant(x, { hints: ['q', 's'] });
    const other = b.npu.dynamicQuant(x, { hints: ['q2', 's2'] });
    const y = b.prim.cast(q.y, 'f32', 'y');
    b.return(y, b.prim.reshape(q.scale, [4, 1], 'col'), b.prim.reshape(other.scale, [1, 4], 'row'));
    const dq = (result: number) => op('npu.dynamic_quant', [capture('x')], { as: 'dq', result });
    const both = defineRule({
      name: 'both-results',
      pattern: op('prim.cast', [dq(0)], { as: 'y' }),
      extraRoots: [{ pattern: op('prim.reshape', [dq(1)], { as: 'scale_col' }) }],
      rewrite: () => false,
    });
    const m = matchAt(both, y.producer!, { accept: () => true }).match!;
    expect(m.node('dq')).toBe(q.y.producer);
    expect(m.value('scale_col').hint).toBe('col');
    expect(m.roots.map((n) => n?.results[0]!.hint)).toEqual(['y', 'col']);
    expect(() => op('npu.dynamic_quant', [], { result: 2 })).toThrow(/npu.dynamic_quant has no result 2/);
  });

  it('matches attributes exactly, by one-of and by predicate, with defaults filled in', () => {
    const b = Builder.graph('g');
    const x = b.param(f32(4, 8), 'x');
    const m1 = b.prim.reduceMax(x, [1], {}, 'm1');
    const m2 = b.prim.reduceMax(x, [0], { keepdims: true }, 'm2');
    b.return(m1, m2);
    const rule = (attrs: Record<string, unknown>) => defineRule({ name: 'r', pattern: op('prim.reduce_max', [capture('x')], { attrs }), rewrite: () => false });
    const matches = (attrs: Record<string, unknown>) =>
      [m1, m2].map((v) => matchAt(rule(attrs), v.producer!, { accept: () => true }).match !== undefined);
    expect(matches({ keepdims: false })).toEqual([true, false]);
    expect(matches({ axes: [1] })).toEqual([true, false]);
    expect(matches({ axes: oneOf([0], [2]) })).toEqual([false, true]);
    expect(matches({ axes: attrWhere((a, n) => a.k === 'array' && Number(a.v[0]!.v) === n.operands[0]!.type.rank - 1, 'the last axis') })).toEqual([true, false]);
  });

  it('rejects patterns that name attributes or results an op does not have', () => {
    expect(() => op('prim.mul', [], { attrs: { axis: 1 } })).toThrow(FractalError);
    expect(() => op('prim.mul', [], { attrs: { axis: 1 } })).toThrow(/prim.mul has no attribute 'axis'/);
    expect(() => op('prim.neg', [], { result: 1 })).toThrow(/prim.neg has no result 1/);
    expect(() => op('prim.neg', [capture(), capture()])).toThrow(/prim.neg has 1 operands, the pattern gives 2/);
  });
});

describe('rewrites', () => {
  it('inserts before the last matched statement, moves earlier users down and keeps hints', () => {
    // Roots y (anchor) and z; %u and %w use z but sit above the insertion point (at %y).
    const fuse = defineRule({
      name: 'fuse',
      pattern: op('prim.add', [op('prim.neg', [capture('x')], { as: 'n' }), capture('x')], { as: 'y', commutative: false }),
      extraRoots: [{ pattern: op('prim.abs', [capture('x')], { as: 'z' }) }],
      rewrite(rw, m) {
        const a = rw.b.prim.abs(m.value('x'), 'a');
        rw.replace(m.value('z'), a);
        rw.replace(m.value('y'), rw.b.prim.sub(a, m.value('x'), 's'));
      },
    });
    const b = Builder.graph('g');
    const x = b.param(f32(4), 'x');
    const z = b.prim.abs(x, 'z');
    const u = b.prim.neg(z, 'u');
    const w = b.prim.neg(u, 'w');
    const keep = b.prim.neg(x, 'keep');
    const y = b.prim.add(b.prim.neg(x, 'n'), x, 'y');
    b.return(y, w, keep);
    expect(applyRules(b.graph, [fuse], { strict: true }).applied).toEqual({ fuse: 1 });
    verifyGraph(b.graph);
    expect(printGraph(b.graph)).toBe(
      [
        'graph @g(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {',
        '  %keep = prim.neg(%x) : (tensor<4xf32>) -> tensor<4xf32>',
        '  %z = prim.abs(%x) : (tensor<4xf32>) -> tensor<4xf32>',
        '  %y = prim.sub(%z, %x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>',
        '  %u = prim.neg(%z) : (tensor<4xf32>) -> tensor<4xf32>',
        '  %w = prim.neg(%u) : (tensor<4xf32>) -> tensor<4xf32>',
        '  return %y, %w, %keep',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('applies larger patterns first, unless a benefit says otherwise', () => {
    // neg(p) of a parameter → sub(p, p) would steal the inner neg of neg(neg(x)).
    const small = defineRule({
      name: 'neg-param',
      pattern: op('prim.neg', [capture('p', { where: (v) => v.def.kind === 'param' || 'not a parameter' })], { as: 'y' }),
      rewrite: (rw, m) => rw.replace(m.value('y'), rw.b.prim.sub(m.value('p'), m.value('p'))),
    });
    const build = () => {
      const b = Builder.graph('g');
      b.return(b.prim.neg(b.prim.neg(b.param(f32(4), 'x'), 'n'), 'y'));
      return b.graph;
    };
    expect(applyRules(build(), [small, doubleNeg], { strict: true }).applied).toEqual({ 'double-neg': 1 });
    expect(applyRules(build(), [defineRule({ ...small, benefit: 1 }), doubleNeg], { strict: true }).applied).toEqual({ 'neg-param': 1 });
  });
});

describe('explain', () => {
  it('says where the pattern failed at each candidate', () => {
    const b = Builder.graph('g');
    const x = b.param(f32(4), 'x');
    const y = b.prim.mul(x, b.splat('f32', 2, { hint: 'two' }), 'y');
    const z = b.prim.mul(y, x, 'z');
    b.return(b.prim.mul(z, b.splat('f32', 1, { hint: 'one' }), 'w'));
    expect(explain(b.graph, mulOne)).toMatchInlineSnapshot(`
      "rule mul-one: prim.mul(x, constant one = 1) as y
      graph @g: prim.mul %y: no match: prim.mul %y > operand 1: constant one %two: expected every element to be 1, got 2
      graph @g: prim.mul %z: no match: prim.mul %z > operand 1: expected constant one, got parameter %x
      graph @g: prim.mul %w: applies
      "
    `);
  });

  it('says when a graph has no candidate', () => {
    const b = Builder.graph('g');
    b.return(b.prim.abs(b.param(f32(4), 'x'), 'y'));
    expect(explain(b.graph, doubleNeg)).toBe('rule double-neg: prim.neg(prim.neg(x) as inner) as y\ngraph @g: no prim.neg statement\n');
  });
});
