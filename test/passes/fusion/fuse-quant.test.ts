// fuse-quant and the default pipeline: the member fusions run in the order of ir.md §9.2, the
// §10 example becomes exactly examples/tp_linear_fused.fir, a layer with every kind of chain is
// fused completely with the same bits, and decompose followed by the default pipeline gives back
// every example signature of the three ops.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuEvaluator } from '../../../src/backends/cpu/evaluator.ts';
import { opDef, type OpName } from '../../../src/ir/ops/registry.ts';
import { parseModule } from '../../../src/ir/parse.ts';
import { printModule } from '../../../src/ir/print.ts';
import { FUSE_DYNAMIC_QUANT_RULES } from '../../../src/passes/fusion/fuse-dynamic-quant.ts';
import { FUSE_INT4_PACK_RULES } from '../../../src/passes/fusion/fuse-int4-pack.ts';
import { FUSE_MOE_INIT_ROUTING_QUANT_RULES } from '../../../src/passes/fusion/fuse-moe-init-routing-quant.ts';
import { FUSE_QUANT_RULES, inOrder } from '../../../src/passes/fusion/fuse-quant.ts';
import { FUSE_QUANT_MATMUL_ALL_REDUCE_RULES } from '../../../src/passes/fusion/fuse-quant-matmul-all-reduce.ts';
import { FUSE_QUANTIZE_RULES } from '../../../src/passes/fusion/fuse-quantize.ts';
import { runPipeline } from '../../../src/passes/pass-manager.ts';
import { orderRules } from '../../../src/passes/rewrite/driver.ts';
import { defineRule, op, type Rule } from '../../../src/passes/rewrite/pattern.ts';
import { clone, exampleModule, expectSameBits, fixtureChunks, opCounts } from './fuse-quant-harness.ts';

const example = (name: string) => readFileSync(new URL(`../../../examples/${name}`, import.meta.url), 'utf8');
const names = (rules: readonly Rule[]) => rules.map((r) => r.name);

describe('rule order', () => {
  it('is moe, quant matmul, dynamic quant, quantize, int4 pack, whatever the pattern sizes', () => {
    const groups = [FUSE_MOE_INIT_ROUTING_QUANT_RULES, FUSE_QUANT_MATMUL_ALL_REDUCE_RULES, FUSE_DYNAMIC_QUANT_RULES, FUSE_QUANTIZE_RULES, FUSE_INT4_PACK_RULES];
    expect(names(orderRules(FUSE_QUANT_RULES))).toEqual(groups.flatMap((g) => names(orderRules(g))));
  });

  it('keeps each set before the next even when a later rule is larger or has a higher benefit', () => {
    const small = defineRule({ name: 'small', pattern: op('prim.neg'), rewrite: () => false });
    const large = defineRule({ name: 'large', benefit: 5, pattern: op('prim.neg', [op('prim.neg', [op('prim.neg')])]), rewrite: () => false });
    const low = defineRule({ name: 'low', benefit: -3, pattern: op('prim.abs'), rewrite: () => false });
    expect(names(orderRules(inOrder([[small, low], [large]])))).toEqual(['small', 'low', 'large']);
  });
});

describe('the §10 example under the default pipeline', () => {
  it('becomes exactly examples/tp_linear_fused.fir, with the same bits', async () => {
    const before = parseModule(example('tp_linear.fir'), 'tp_linear.fir');
    const after = clone(before);
    runPipeline(after, 'default', { strict: true, evaluator: cpuEvaluator });
    expect(printModule(after)).toBe(example('tp_linear_fused.fir'));
    await expectSameBits(before, after);
  });
});

describe('fuse-quant fixtures give the same bits fused and unfused', () => {
  for (const file of ['order', 'layer', 'unchanged']) {
    for (const c of fixtureChunks(`fuse-quant/${file}.fir`)) {
      it(c.name, async () => {
        const before = parseModule(c.source, c.name);
        const after = clone(before);
        runPipeline(after, 'fuse-quant', { strict: true });
        await expectSameBits(before, after);
      });
    }
  }

  it('a whole layer under the default pipeline: every chain fused, no division left', async () => {
    const [c] = fixtureChunks('fuse-quant/layer.fir');
    const before = parseModule(c!.source, c!.name);
    const after = clone(before);
    runPipeline(after, 'default', { strict: true, evaluator: cpuEvaluator });
    expect(opCounts(after)).toEqual({
      'npu.dynamic_quant': 1,
      'npu.quant_matmul_all_reduce': 1,
      'npu.quantize': 1,
      'npu.convert_weight_to_int4_pack': 1,
    });
    await expectSameBits(before, after);
  });
});

describe('decompose followed by the default pipeline gives back the op', () => {
  const ops: readonly OpName[] = ['npu.dynamic_quant', 'npu.quantize', 'npu.quant_matmul_all_reduce'];
  for (const name of ops) {
    for (const ex of opDef(name).examples!) {
      const x = ex.operands[0]!;
      // The dynamic quant of empty rows decomposes into constants, with no chain to fuse.
      if (name === 'npu.dynamic_quant' && x.shape.at(-1) === 0 && x.numel === 0 && x.shape[0]! > 0) continue;
      it(`${name}: ${ex.name}`, async () => {
        const op = exampleModule(name, ex);
        const fused = exampleModule(name, ex);
        runPipeline(fused, 'decompose,default', { strict: true, evaluator: cpuEvaluator });
        expect(opCounts(fused)).toEqual({ [name]: 1 });
        // npu.quantize may come back with another spelling of the same axis (fuse-quantize.test.ts).
        if (name !== 'npu.quantize') expect(printModule(fused)).toBe(printModule(op));
        await expectSameBits(op, fused);
      });
    }
  }
});
