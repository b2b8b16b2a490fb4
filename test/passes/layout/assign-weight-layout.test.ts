// assign-weight-layout on the CPU backend: converting the weight operand of
// npu.quant_matmul_all_reduce to NZ (at run time, then folded into the constant) and turning
// pack-then-convert into the NZ pack change no bit, at world sizes 1, 2, 4 and 8.
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/backends/cpu/executor.ts';
import type { Feeds } from '../../../src/backends/backend.ts';
import type { Module } from '../../../src/ir/module.ts';
import { parseModule } from '../../../src/ir/parse.ts';
import { printModule } from '../../../src/ir/print.ts';
import type { Storage } from '../../../src/ir/storage.ts';
import { ASSIGN_WEIGHT_LAYOUT_RULES } from '../../../src/passes/layout/assign-weight-layout.ts';
import { runPipeline } from '../../../src/passes/pass-manager.ts';
import { explain } from '../../../src/passes/rewrite/explain.ts';
import { rng } from '../../helpers/rng.ts';

const bytes = (d: Storage): Uint8Array => new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();

async function outputs(m: Module, feeds: Feeds): Promise<Uint8Array[][]> {
  const r = await run(m, feeds);
  return r.outputs.map((ts) => ts.map((t) => bytes(t.data)));
}

const count = (text: string, op: string): number => text.split('\n').filter((l) => l.includes(`= ${op}(`) || l.includes(`= ${op} `)).length;

/** A row-parallel quantized linear layer after fuse-quant, with a per-rank weight shard. */
function tpLinear(ws: number, m: number, k: number, n: number, transposed: boolean, weightParam: boolean): string {
  const x2 = transposed ? `tensor<${n}x${k}xi8>` : `tensor<${k}x${n}xi8>`;
  const attrs = `{out_dtype = f16${transposed ? ', transpose_x2 = true' : ''}}`;
  const wParam = weightParam ? `, %w: ${x2} {weight = true}` : '';
  const wConst = weightParam ? '' : `  %w = prim.constant {value = @w} : () -> ${x2}\n`;
  const wRes = weightParam ? '' : `  @w = random<seed = 3, lo = -128, hi = 127> : tensor<${ws}x${x2.slice(7)} {per_rank}\n`;
  return `graph @tp(%x: tensor<${m}x${k}xi8>, %pt: tensor<${m}xf32>${wParam}) -> (tensor<${m}x${n}xf16>) attributes {world_size = ${ws}} {
${wConst}  %ds = prim.constant {value = @ds} : () -> tensor<${n}xf32>
  %bias = prim.constant {value = @bias} : () -> tensor<${n}xi32>
  %y = npu.quant_matmul_all_reduce(%x, %w, %ds, %pt, %bias) ${attrs} : (tensor<${m}x${k}xi8>, ${x2}, tensor<${n}xf32>, tensor<${m}xf32>, tensor<${n}xi32>) -> tensor<${m}x${n}xf16>
  return %y
}

resources {
${wRes}  @ds = random<seed = 5, lo = 0.001, hi = 0.01> : tensor<${n}xf32>
  @bias = random<seed = 6, lo = -1000, hi = 1000> : tensor<${n}xi32>
}
`;
}

function feedsFor(ws: number, m: number, k: number, n: number, weightParam: boolean, seed: number): Feeds {
  const r = rng(seed);
  const perRank = <T>(make: () => T): T[] => Array.from({ length: ws }, make);
  const i8 = (len: number) => Int8Array.from({ length: len }, () => Math.floor(r() * 256) - 128);
  // Token scales with edge values: zero, huge (f16 overflow after the sum), tiny, negative.
  const specials = [0, 1e30, 1e-30, -2.5];
  const pt = () => Float32Array.from({ length: m }, (_, i) => specials[i] ?? r() * 4 - 2);
  const feeds: Record<string, Storage[]> = { x: perRank(() => i8(m * k)), pt: perRank(pt) };
  if (weightParam) feeds['w'] = perRank(() => i8(k * n));
  return feeds;
}

describe('NZ weights of npu.quant_matmul_all_reduce give the same bits', () => {
  for (const ws of [1, 2, 4, 8]) {
    for (const transposed of [false, true]) {
      for (const weightParam of [false, true]) {
        const [m, k, n] = [5, 40, 24]; // neither k nor n fills a fractal: padding on both axes
        it(`world size ${ws}, ${transposed ? 'transposed' : 'plain'} x2, ${weightParam ? 'weight parameter' : 'per-rank constant'}`, async () => {
          const text = tpLinear(ws, m, k, n, transposed, weightParam);
          const feeds = feedsFor(ws, m, k, n, weightParam, 17 + ws);
          const before = await outputs(parseModule(text), feeds);

          const assigned = parseModule(text);
          runPipeline(assigned, 'assign-weight-layout', { strict: true });
          const a = printModule(assigned);
          expect(count(a, 'layout.trans_data')).toBe(1);
          expect(a).toContain('%w_nz = layout.trans_data(%w)');
          expect(await outputs(assigned, feeds)).toEqual(before);

          runPipeline(assigned, 'fold-trans-data', { strict: true });
          const f = printModule(assigned);
          // A parameter's conversion stays; a constant's is folded into the constant.
          expect(count(f, 'layout.trans_data')).toBe(weightParam ? 1 : 0);
          expect(await outputs(assigned, feeds)).toEqual(before);
        });
      }
    }
  }
});

describe('pack then convert to NZ is the NZ pack', () => {
  const cases = [
    { w: '33x24', nd: 'tensor<33x3xi32>', nz: 'tensor<33x3xi32, #nz<c0=8>>' },
    { w: '17x70', nd: 'tensor<17x70xi4>', nz: 'tensor<17x70xi4, #nz<c0=64>>' },
    { w: '16x128', nd: 'tensor<16x16xi32>', nz: 'tensor<16x16xi32, #nz<c0=8>>' },
  ];
  for (const c of cases) {
    it(`${c.w} to ${c.nz}`, async () => {
      const text = `graph @g(%w: tensor<${c.w}xi32>) -> (${c.nz}) {
  %p = npu.convert_weight_to_int4_pack(%w) : (tensor<${c.w}xi32>) -> ${c.nd}
  %q = layout.trans_data(%p) : (${c.nd}) -> ${c.nz}
  return %q
}
`;
      const [d0, d1] = c.w.split('x').map(Number) as [number, number];
      const r = rng(d0 * d1);
      // Mostly in [-8, 7], plus values the op masks to their low 4 bits.
      const edge = [8, -9, 100, 2147483647, -2147483648, 15, -16];
      const w = Int32Array.from({ length: d0 * d1 }, (_, i) => (i % 37 === 5 ? edge[i % edge.length]! : Math.floor(r() * 16) - 8));
      const before = await outputs(parseModule(text), { w });
      const m = parseModule(text);
      const res = runPipeline(m, 'assign-weight-layout', { strict: true });
      expect(res.stats[0]!.stats).toEqual({ 'int4-pack-nz-output': 1 });
      expect(printModule(m)).toContain(`%q = npu.convert_weight_to_int4_pack(%w) : (tensor<${c.w}xi32>) -> ${c.nz}`);
      expect(await outputs(m, { w })).toEqual(before);
    });
  }
});

describe('explain', () => {
  it('says why an activation operand is not converted', () => {
    const m = parseModule(`graph @g(%x: tensor<4x16xi8>, %x2: tensor<16x8xi8>, %s: tensor<8xbf16>) -> (tensor<4x8xbf16>) {
  %y = npu.quant_matmul_all_reduce(%x, %x2, %s) {out_dtype = bf16} : (tensor<4x16xi8>, tensor<16x8xi8>, tensor<8xbf16>) -> tensor<4x8xbf16>
  return %y
}
`);
    const rule = ASSIGN_WEIGHT_LAYOUT_RULES.find((r) => r.name === 'nz-weight-operand')!;
    expect(explain(m, rule)).toBe(
      'rule nz-weight-operand: npu.quant_matmul_all_reduce(…) as op\n' +
        'graph @g: npu.quant_matmul_all_reduce %y: rejected: guard: no operand the op prefers in NZ is an ND constant or weight parameter it accepts in NZ\n',
    );
  });

  it('names the rule the NZ pack would break', () => {
    const m = parseModule(`graph @g(%w: tensor<16x64xi32>) -> (tensor<16x8xi32, #nz<c0=16>>) {
  %p = npu.convert_weight_to_int4_pack(%w) : (tensor<16x64xi32>) -> tensor<16x8xi32>
  %a = layout.trans_data(%p) : (tensor<16x8xi32>) -> tensor<16x8xi32, #nz<c0=16>>
  return %a
}
`);
    const rule = ASSIGN_WEIGHT_LAYOUT_RULES.find((r) => r.name === 'int4-pack-nz-output')!;
    expect(explain(m, rule)).toContain(
      'layout.trans_data %a: rejected: guard: npu.convert_weight_to_int4_pack: [convert_weight_to_int4pack.7] result out must have NZ storage [1, 1, 16, 8] (#nz<c0=8>), got [1, 1, 16, 16] (#nz<c0=16>)',
    );
  });
});
