import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FractalError } from '../../src/ir/diagnostics.ts';
import { moduleFromJson, moduleToJson } from '../../src/ir/json.ts';
import { parseModule, parseModuleUnverified } from '../../src/ir/parse.ts';
import { printModule } from '../../src/ir/print.ts';

const example = (name: string) => readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8');

/** Through JSON text and back. */
const roundTrip = (text: string) => printModule(moduleFromJson(JSON.parse(JSON.stringify(moduleToJson(parseModule(text))))));

const EDGE_CASES = `graph @g(%x: tensor<2x2xf32>, %w: tensor<2x2xi8> {weight = true}) -> (tensor<2x2xf32>) attributes {world_size = 2} {
  %c = prim.clamp(%x) {max = inf, min = -0.0} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %d = prim.clamp(%x) {max = 1e+300, min = -1e-300} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %p = prim.pad(%x) {high = [0, 1], low = [0, 0], value = nan} : (tensor<2x2xf32>) -> tensor<2x3xf32>
  %r = comm.all_reduce(%c) : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %k = prim.constant {value = @k} : () -> tensor<3xi64>
  return %r
}

resources {
  @k = random<seed = 7, lo = -9223372036854775808, hi = 9223372036854775807> : tensor<2x3xi64> {per_rank}
  @f = dense<[nan, 0x7FC00001, -0.0, 3.4028234663852886e+38]> : tensor<4xf32>
  @h = dense<[[0x7E01, -inf], [1.0, 0.0999755859375]]> : tensor<2x2xf16>
  @b = dense<[true, false]> : tensor<2xi1>
  @q = splat<-8> : tensor<2xi4>
  @u = dense<[18446744073709551615, 0]> : tensor<2xu64>
  @i = iota<> : tensor<4xu8>
  @r = random<seed = 0, lo = -1.5, hi = 1e-300> : tensor<2xbf16>
}
`;

describe('JSON form', () => {
  it.each(['tp_linear.fir', 'tp_linear_fused.fir'])('round-trips examples/%s', (name) => {
    expect(roundTrip(example(name))).toBe(example(name));
  });

  it('round-trips bigints, non-finite and -0 floats, NaN payloads, strings, i4, per_rank', () => {
    expect(roundTrip(EDGE_CASES)).toBe(EDGE_CASES);
  });

  it('documents values by printed name, attributes as one-key objects, data as base64', () => {
    const j = moduleToJson(parseModule(EDGE_CASES));
    const g = j.graphs[0]!;
    expect(g.params[1]).toEqual({ name: 'w', hint: 'w', type: 'tensor<2x2xi8>', weight: true });
    expect(g.nodes[0]!.attrs).toEqual({ max: { float: 'inf' }, min: { float: '-0' } });
    expect(g.nodes[2]!.attrs).toEqual({ high: { array: [{ int: '0' }, { int: '1' }] }, low: { array: [{ int: '0' }, { int: '0' }] }, value: { float: 'nan' } });
    expect(g.return).toEqual(['r']);
    const k = j.resources.find((r) => r.name === 'k')!;
    expect(k.init).toEqual({ kind: 'random', seed: 7, lo: '-9223372036854775808', hi: '9223372036854775807' });
    // i4 splat -8 packs to the low nibble 0b1000; the unused high nibble is zero.
    expect(j.resources.find((r) => r.name === 'q')!.init).toEqual({ kind: 'splat', base64: Buffer.from([0x08]).toString('base64') });
    // u8 iota is generated, not stored.
    expect(j.resources.find((r) => r.name === 'i')!.init).toEqual({ kind: 'iota' });
  });

  it('encodes strings as JSON strings (escapes round-trip through the text too)', () => {
    const text = `graph @g(%x: tensor<f32>) -> (tensor<f32>) {
  %r = comm.all_reduce(%x) {group = "w\\"orld\\u0001\\\\"} : (tensor<f32>) -> tensor<f32>
  return %r
}
`;
    const m = parseModuleUnverified(text);
    expect(moduleToJson(m).graphs[0]!.nodes[0]!.attrs).toEqual({ group: { string: 'w"orld\u0001\\' } });
    expect(printModule(m)).toBe(text);
  });

  it.each([
    ['a wrong version', (j: any) => (j.fractal = 2), '<json> $.fractal: expected the format version 1, got 2'],
    ['an unknown op', (j: any) => (j.graphs[0].nodes[0].op = 'prim.nope'), '<json> $.graphs[0].nodes[0].op: expected a known op name, got "prim.nope"'],
    ['an undefined operand', (j: any) => (j.graphs[0].nodes[1].operands[0] = 'zz'), '<json> $.graphs[0].nodes[1].operands[0]: expected a value defined earlier in the graph, got "zz"'],
    ['a short data buffer', (j: any) => (j.resources[1].init.base64 = 'AAAA'), '<json> $.resources[1].init.base64: expected 16 bytes for tensor<4xf32>, got 3'],
    ['a bad type', (j: any) => (j.resources[1].type = 'tensor<4xf33>'), "<json> $.resources[1].type:1:8: expected a shape and dtype such as 8x64xf16, got '4xf33'"],
    ['an unknown resource', (j: any) => (j.graphs[0].nodes[4].attrs.value = { resource: 'nope' }), '<json> $.graphs[0].nodes[4].attrs.value.resource: expected the name of a resource of the module, got "nope"'],
    ['a name clash', (j: any) => (j.resources[1].name = 'k'), '<json> $.resources[1].name: expected a name not used by another graph or resource, got "k"'],
  ])('rejects %s with a PARSE error naming the path', (_, mutate, message) => {
    const j = JSON.parse(JSON.stringify(moduleToJson(parseModule(EDGE_CASES))));
    mutate(j);
    let error: unknown;
    try {
      moduleFromJson(j);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FractalError);
    expect((error as FractalError).code).toBe('PARSE');
    expect((error as FractalError).message).toBe(message);
  });

  it('verifies what it reads', () => {
    const j = JSON.parse(JSON.stringify(moduleToJson(parseModule(EDGE_CASES))));
    j.graphs[0].world_size = 3; // @k is per_rank with a leading dimension of 2
    expect(() => moduleFromJson(j)).toThrow('[ir.7]');
  });
});
