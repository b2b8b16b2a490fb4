// fuse-quantize: every fixture gives the same bits fused as unfused on seeded inputs with NaN/±Inf,
// zeros, ties and zero scales; decompose then fuse gives back each example of npu.quantize (the
// axis may come back in another spelling of the same axis); the fused graphs reproduce the worked
// examples of quantize.md; explain says why a chain is not fused.
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/backends/cpu/executor.ts';
import type { DType } from '../../../src/ir/dtype.ts';
import { opDef } from '../../../src/ir/ops/registry.ts';
import { parseModule } from '../../../src/ir/parse.ts';
import { TensorType } from '../../../src/ir/types.ts';
import { f16FromF64 } from '../../../src/numerics/float.ts';
import { FUSE_QUANTIZE_RULES } from '../../../src/passes/fusion/fuse-quantize.ts';
import { runPipeline } from '../../../src/passes/pass-manager.ts';
import { explain } from '../../../src/passes/rewrite/explain.ts';
import { clone, exampleModule, expectSameBits, fixtureChunks, opCounts } from './fuse-quant-harness.ts';

const PASS = 'fuse-quantize';

describe('fused and unfused give the same bits', () => {
  for (const file of ['decomposed', 'variants', 'negative', 'unchanged']) {
    for (const c of fixtureChunks(`${PASS}/${file}.fir`)) {
      it(c.name, async () => {
        const before = parseModule(c.source, c.name);
        const after = clone(before);
        runPipeline(after, PASS, { strict: true });
        await expectSameBits(before, after);
        expect(opCounts(after)['npu.quantize'] ?? 0).toBe(file === 'decomposed' || file === 'variants' ? 1 : 0);
      });
    }
  }
});

/** The quantized axis as the op reads it (quantize.md §1.2, §2.2), for comparing spellings. */
function effectiveAxis(axis: number, rank: number, divMode: boolean): number {
  if (divMode) return axis < 0 ? axis + rank : axis;
  return rank + (axis < -1 ? axis : -1);
}

describe('decompose then fuse gives back npu.quantize', () => {
  for (const ex of opDef('npu.quantize').examples!) {
    it(ex.name, async () => {
      const op = exampleModule('npu.quantize', ex);
      const fused = exampleModule('npu.quantize', ex);
      runPipeline(fused, `decompose,${PASS},dce`, { strict: true });
      expect(opCounts(fused)).toEqual({ 'npu.quantize': 1 });
      const [a, b] = [op.graph().nodes[0]!, fused.graph().nodes[0]!];
      // The same parameters, in the same operand positions.
      expect(b.operands.map((v) => v && v.def.kind === 'param' && v.def.index)).toEqual(a.operands.map((v) => v && v.def.kind === 'param' && v.def.index));
      expect(b.results[0]!.type.equals(a.results[0]!.type)).toBe(true);
      expect([b.dtype('dtype'), b.bool('div_mode')]).toEqual([a.dtype('dtype'), a.bool('div_mode')]);
      // Per-tensor scales ignore the axis; otherwise both must quantize along the same one.
      if (ex.operands[1]!.numel > 1) {
        const r = ex.operands[0]!.rank;
        expect(effectiveAxis(b.int('axis'), r, b.bool('div_mode'))).toBe(effectiveAxis(a.int('axis'), r, a.bool('div_mode')));
      }
      await expectSameBits(op, fused);
    });
  }
});

const t = (shape: number[], dtype: DType) => new TensorType(shape, dtype);
const f16 = (xs: readonly number[]) => Uint16Array.from(xs, f16FromF64);

/** npu.quantize decomposed and fused again: the graph these examples run. */
function chain(operands: TensorType[], attrs: Record<string, unknown>) {
  const m = exampleModule('npu.quantize', { name: 'spec', operands, attrs });
  runPipeline(m, `decompose,${PASS},dce`, { strict: true });
  expect(opCounts(m)).toEqual({ 'npu.quantize': 1 });
  return m;
}

describe('quantize.md worked examples, computed by the fused graph', () => {
  it('§1.4 div_mode = true, per-axis scales and int8 zero points', async () => {
    const m = chain([t([2, 3], 'f32'), t([3], 'f32'), t([3], 'i8')], { dtype: 'i8' });
    const feeds = {
      x: Float32Array.from([-1.0, 0.3, 2.5, 0.75, -6.0, 100.0]),
      scales: Float32Array.from([0.5, 0.1, 2.0]),
      zero_points: Int8Array.from([0, 3, -1]),
    };
    const [y] = (await run(m, feeds)).outputs[0]!;
    expect([...(y!.data as Int8Array)]).toEqual([-2, 6, 0, 2, -57, 49]);
  });

  it('§1.4 the zero point is added before rounding: 0.5 / 1 + 1 gives 2', async () => {
    const m = chain([t([1], 'f32'), t([1], 'f32'), t([1], 'i8')], { dtype: 'i8' });
    const [y] = (await run(m, { x: Float32Array.of(0.5), scales: Float32Array.of(1), zero_points: Int8Array.of(1) })).outputs[0]!;
    expect([...(y!.data as Int8Array)]).toEqual([2]);
  });

  it('§2.5 div_mode = false, f16 with f16 zero points', async () => {
    const m = chain([t([2, 4], 'f16'), t([4], 'f16'), t([4], 'f16')], { dtype: 'i8', axis: -1, div_mode: false });
    const feeds = {
      x: f16([0.96, 1.33, -0.62, 0.55, -1.18, -1.17, -0.74, 0.97]),
      scales: f16([10, 20, 30, 40]),
      zero_points: f16([0.5, 0, -0.5, 1]),
    };
    const [y] = (await run(m, feeds)).outputs[0]!;
    expect([...(y!.data as Int8Array)]).toEqual([10, 27, -19, 23, -11, -23, -23, 40]);
  });

  it('§2.5 axis = -2: ties to even', async () => {
    const m = chain([t([2, 3], 'f32'), t([2, 1], 'f32')], { dtype: 'i8', axis: -2, div_mode: false });
    const [y] = (await run(m, { x: Float32Array.from([1, 2, 3, 1, 2, 3]), scales: Float32Array.from([0.5, 2.0]) })).outputs[0]!;
    expect([...(y!.data as Int8Array)]).toEqual([0, 1, 2, 2, 4, 6]);
  });

  it('§2.5 quint4x2: int4 packed 8 per int32 word', async () => {
    const m = chain([t([2, 8], 'f32'), t([1], 'f32')], { dtype: 'i4', div_mode: false });
    const x = Float32Array.from([0, 1, 2, 3, -1, -2, -8, 7, 0.4, 0.5, 1.5, 2.5, -0.5, -1.5, 9, -20]);
    const [y] = (await run(m, { x, scales: Float32Array.of(1.0) })).outputs[0]!;
    expect([...(y!.data as Int32Array)]).toEqual([2028941840, -2015354368]);
  });
});

describe('explain', () => {
  const byName = (name: string) => FUSE_QUANTIZE_RULES.find((r) => r.name === name)!;
  const chunk = (name: string) => fixtureChunks(`${PASS}/negative.fir`).find((c) => c.name.endsWith(` ${name}`))!;
  const lines = (text: string) => text.split('\n').filter((l) => l.startsWith('graph'));

  it('fuse-quantize: the zero point added after rounding', () => {
    const c = chunk('zero_point_after_round');
    expect(lines(explain(parseModule(c.source, c.name), byName('fuse-quantize')))).toEqual([
      'graph @zero_point_after_round: prim.cast %zf: no match: prim.cast %zf: attribute to: expected one of i8, u8, i32, i4, got f32',
      'graph @zero_point_after_round: prim.cast %q: no match: prim.cast %q > operand 0 > prim.add %u > operand 0: expected prim.div, got prim.round %r',
    ]);
  });

  it('fuse-quantize-i4: x / s has no int4 output', () => {
    const c = chunk('div_to_i4');
    expect(lines(explain(parseModule(c.source, c.name), byName('fuse-quantize-i4')))).toEqual([
      'graph @div_to_i4: prim.bitcast %w: rejected: guard: the fused op would be rejected: npu.quantize: [npu_quantize.3] dtype must be i8, u8 or i32 when div_mode = true, got i4',
    ]);
  });
});
