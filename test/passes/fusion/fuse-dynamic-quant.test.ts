// fuse-dynamic-quant: every fixture gives the same bits fused as unfused on seeded inputs with
// NaN/±Inf rows, all-zero rows, exact .5 ties, tiny amax and fp16 overflow; decompose then fuse
// gives back each example of npu.dynamic_quant; the fused graphs reproduce the worked examples
// of dynamic_quant.md §5; explain says why a chain is not fused.
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/backends/cpu/executor.ts';
import { cpuEvaluator } from '../../../src/backends/cpu/evaluator.ts';
import { opDef } from '../../../src/ir/ops/registry.ts';
import { parseModule } from '../../../src/ir/parse.ts';
import { printModule } from '../../../src/ir/print.ts';
import { TensorType } from '../../../src/ir/types.ts';
import { f16FromF64, f32Bits } from '../../../src/numerics/float.ts';
import { FUSE_DYNAMIC_QUANT_RULES } from '../../../src/passes/fusion/fuse-dynamic-quant.ts';
import { runPipeline } from '../../../src/passes/pass-manager.ts';
import { explain } from '../../../src/passes/rewrite/explain.ts';
import { clone, exampleModule, expectSameBits, fixtureChunks, opCounts } from './fuse-quant-harness.ts';

const PASS = 'fuse-dynamic-quant';
const fuse = (text: string) => {
  const m = parseModule(text, 'test');
  runPipeline(m, PASS, { strict: true });
  return m;
};

describe('fused and unfused give the same bits', () => {
  for (const file of ['decomposed', 'variants', 'negative', 'unchanged']) {
    for (const c of fixtureChunks(`${PASS}/${file}.fir`)) {
      it(c.name, async () => {
        const before = parseModule(c.source, c.name);
        const after = clone(before);
        runPipeline(after, PASS, { strict: true });
        const fused = opCounts(after)['npu.dynamic_quant'] ?? 0;
        await expectSameBits(before, after);
        expect(fused).toBe(file === 'decomposed' || file === 'variants' ? 1 : 0);
      });
    }
  }
});

describe('decompose then fuse gives back npu.dynamic_quant', () => {
  const def = opDef('npu.dynamic_quant');
  for (const ex of def.examples!) {
    it(ex.name, async () => {
      const op = exampleModule('npu.dynamic_quant', ex);
      const original = printModule(op);
      const decomposed = clone(op);
      runPipeline(decomposed, 'decompose', { strict: true });
      const fused = exampleModule('npu.dynamic_quant', ex);
      runPipeline(fused, `decompose,${PASS},dce`, { strict: true });
      const x = ex.operands[0]!;
      if (x.shape.at(-1) === 0 && x.shape[0]! > 0) {
        // H = 0: the decomposition is two constants, not a chain (the op's empty row has maximum 0).
        expect(opCounts(fused)['npu.dynamic_quant']).toBeUndefined();
      } else {
        expect(printModule(fused)).toBe(original);
      }
      await expectSameBits(op, decomposed);
      await expectSameBits(op, fused);
    });
  }
});

const f16 = (xs: readonly number[]) => Uint16Array.from(xs, f16FromF64);
const hex = (v: number) => f32Bits(v).toString(16).padStart(8, '0');

describe('dynamic_quant.md §5 worked examples, computed by the fused graph', () => {
  /** npu.dynamic_quant decomposed and fused again: the graph these examples run. */
  const chain = (shape: number[], dtype: 'f16' | 'bf16', dst: 'i8' | 'i32', smooth = false) => {
    const x = new TensorType(shape, dtype);
    const operands = smooth ? [x, new TensorType([shape.at(-1)!], dtype)] : [x];
    const m = exampleModule('npu.dynamic_quant', { name: 'spec', operands, attrs: { dst_type: dst } });
    runPipeline(m, `decompose,${PASS},dce`, { strict: true });
    expect(opCounts(m)).toEqual({ 'npu.dynamic_quant': 1 });
    return m;
  };

  it('rows with ties, zeros and the maximum: y and scale', async () => {
    const m = chain([3, 4], 'f16', 'i8');
    const x = f16([1.0, -2.5, 0.5, 3.0, 0, 0, 0, 0, 2.5, -0.5, 3.5, 127]);
    const [y, scale] = (await run(m, { x })).outputs[0]!;
    expect([...(y!.data as Int8Array)]).toEqual([42, -106, 21, 127, 0, 0, 0, 0, 2, 0, 4, 127]);
    expect([...(scale!.data as Float32Array)].map(hex)).toEqual(['3cc18306', '00000000', '3f800000']);
  });

  it('tiny amax in bf16: +Inf and -Inf saturate to 127 and -128', async () => {
    const m = chain([1, 4], 'bf16', 'i8');
    const x = Uint16Array.from([0x02fe, 0x82fe, 0, 0x027e]);
    const [y, scale] = (await run(m, { x })).outputs[0]!;
    expect([...(y!.data as Int8Array)]).toEqual([127, -128, 0, 127]);
    expect(hex((scale!.data as Float32Array)[0]!)).toBe('00200000');
  });

  it('smooth scales', async () => {
    const m = chain([1, 4], 'f16', 'i8', true);
    const [y, scale] = (await run(m, { x: f16([1.0, -2.5, 0.5, 3.0]), smooth_scales: f16([2, 0.5, 1, 0.25]) })).outputs[0]!;
    expect([...(y!.data as Int8Array)]).toEqual([127, -79, 32, 48]);
    expect((scale!.data as Float32Array)[0]).toBe(Math.fround(0.015748031));
  });

  it('int4 packed in an int32 word', async () => {
    const m = chain([1, 8], 'f16', 'i32');
    const [y, scale] = (await run(m, { x: f16([1, -2, 3.5, 0.25, -3.5, 0, 2, 1]) })).outputs[0]!;
    expect((y!.data as Int32Array)[0]).toBe(0x240907c2);
    expect((scale!.data as Float32Array)[0]).toBe(0.5);
  });
});

describe('the default pipeline', () => {
  it('leaves one npu.dynamic_quant and no division, with the same bits', async () => {
    const [c] = fixtureChunks(`${PASS}/variants.fir`);
    const before = parseModule(c!.source, c!.name);
    const after = clone(before);
    runPipeline(after, 'default', { strict: true, evaluator: cpuEvaluator });
    expect(opCounts(after)).toEqual({ 'npu.dynamic_quant': 1 });
    expect(opCounts(after)['prim.div'] ?? 0).toBe(0);
    await expectSameBits(before, after);
  });
});

describe('explain', () => {
  const [cast, bitcast] = [FUSE_DYNAMIC_QUANT_RULES[1]!, FUSE_DYNAMIC_QUANT_RULES[0]!];
  const lines = (text: string) => text.split('\n').filter((l) => l.startsWith('graph'));

  it('fuse-dynamic-quant: the "x / scale" form', () => {
    const [c] = fixtureChunks(`${PASS}/negative.fir`);
    expect(lines(explain(parseModule(c!.source, c!.name), cast))).toEqual([
      'graph @over_scale: prim.cast %xf: no match: prim.cast %xf: attribute to: expected one of i8, i4, got f32',
      'graph @over_scale: prim.cast %q: no match: prim.cast %q: a division before the cast is the "x / scale" form, which rounds differently from v · (QMAX / amax) near ties: never fused',
    ]);
  });

  it('fuse-dynamic-quant-i32: a clamp narrower than the int4 range', () => {
    const m = fuse(`graph @g(%x: tensor<2x8xf16>) -> (tensor<2x1xi32>) {
  %xf = prim.cast(%x) {to = f32} : (tensor<2x8xf16>) -> tensor<2x8xf32>
  %a = prim.abs(%xf) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %m = prim.reduce_max(%a) {axes = [1]} : (tensor<2x8xf32>) -> tensor<2xf32>
  %c7 = prim.constant {value = @c7} : () -> tensor<f32>
  %i = prim.div(%c7, %m) : (tensor<f32>, tensor<2xf32>) -> tensor<2xf32>
  %ic = prim.reshape(%i) {shape = [2, 1]} : (tensor<2xf32>) -> tensor<2x1xf32>
  %t = prim.mul(%xf, %ic) : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %c = prim.clamp(%t) {max = 7.0, min = -7.0} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %q = prim.cast(%c) {to = i4} : (tensor<2x8xf32>) -> tensor<2x8xi4>
  %w = prim.bitcast(%q) {to = i32} : (tensor<2x8xi4>) -> tensor<2x1xi32>
  return %w
}

resources {
  @c7 = splat<7.0> : tensor<f32>
}
`);
    expect(opCounts(m)['npu.dynamic_quant']).toBeUndefined();
    expect(lines(explain(m, bitcast))).toEqual([
      "graph @g: prim.bitcast %w: rejected: guard: clamp [-7, 7] cuts into the cast's range [-8, 7], so it can change bits",
    ]);
  });
});

