// fold-trans-data folds a conversion of a constant into the constant without recomputing data
// (initializers are logical, ir.md §3.1): the folded constant must hold exactly the bytes that
// layout.trans_data computes at run time. Checked through the CPU executor for every dtype with
// an NZ form, padded shapes, batch axes, per_rank resources, and both the in-place and the
// new-resource path.
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/backends/cpu/executor.ts';
import type { Module } from '../../../src/ir/module.ts';
import { parseModule } from '../../../src/ir/parse.ts';
import { printModule } from '../../../src/ir/print.ts';
import type { Storage } from '../../../src/ir/storage.ts';
import { runPipeline } from '../../../src/passes/pass-manager.ts';

const bytes = (d: Storage): Uint8Array => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

async function outputBytes(m: Module): Promise<Uint8Array[][]> {
  const r = await run(m, {});
  return r.outputs.map((ts) => ts.map((t) => bytes(t.data).slice()));
}

interface Case {
  readonly name: string;
  /** Logical type of the constant as the graph sees it (`tensor<…>` text). */
  readonly from: string;
  readonly to: string;
  /** The resource's initializer and type (rank axis included for per_rank). */
  readonly resource: string;
  readonly worldSize?: number;
}

const CASES: readonly Case[] = [
  { name: 'i8 padded', from: 'tensor<3x40xi8>', to: 'tensor<3x40xi8, #nz<c0=32>>', resource: 'random<seed = 1, lo = -128, hi = 127> : tensor<3x40xi8>' },
  { name: 'u8 exact fractals', from: 'tensor<32x64xu8>', to: 'tensor<32x64xu8, #nz<c0=32>>', resource: 'random<seed = 2, lo = 0, hi = 255> : tensor<32x64xu8>' },
  { name: 'f16 padded', from: 'tensor<20x20xf16>', to: 'tensor<20x20xf16, #nz<c0=16>>', resource: 'random<seed = 3, lo = -70000.0, hi = 70000.0> : tensor<20x20xf16>' },
  { name: 'bf16 batch', from: 'tensor<2x17x5xbf16>', to: 'tensor<2x17x5xbf16, #nz<c0=16>>', resource: 'random<seed = 4, lo = -1.0, hi = 1.0> : tensor<2x17x5xbf16>' },
  { name: 'f32 c0 8', from: 'tensor<17x9xf32>', to: 'tensor<17x9xf32, #nz<c0=8>>', resource: 'random<seed = 5, lo = -3.0, hi = 3.0> : tensor<17x9xf32>' },
  { name: 'f32 c0 16', from: 'tensor<17x9xf32>', to: 'tensor<17x9xf32, #nz<c0=16>>', resource: 'random<seed = 5, lo = -3.0, hi = 3.0> : tensor<17x9xf32>' },
  { name: 'i32 iota', from: 'tensor<33x3xi32>', to: 'tensor<33x3xi32, #nz<c0=8>>', resource: 'iota<> : tensor<33x3xi32>' },
  { name: 'i4 padded', from: 'tensor<17x70xi4>', to: 'tensor<17x70xi4, #nz<c0=64>>', resource: 'random<seed = 6, lo = -8, hi = 7> : tensor<17x70xi4>' },
  { name: 'i4 batch', from: 'tensor<3x2x6xi4>', to: 'tensor<3x2x6xi4, #nz<c0=64>>', resource: 'random<seed = 7, lo = -8, hi = 7> : tensor<3x2x6xi4>' },
  {
    name: 'f16 dense specials',
    from: 'tensor<2x4xf16>',
    to: 'tensor<2x4xf16, #nz<c0=16>>',
    resource: 'dense<[[nan, inf, -inf, -0.0], [65504.0, 0x7C01, 0.5, 6.0e-8]]> : tensor<2x4xf16>',
  },
  { name: 'splat u8', from: 'tensor<5x3xu8>', to: 'tensor<5x3xu8, #nz<c0=32>>', resource: 'splat<200> : tensor<5x3xu8>' },
  { name: 'per_rank i8', from: 'tensor<64x32xi8>', to: 'tensor<64x32xi8, #nz<c0=32>>', resource: 'random<seed = 3, lo = -128, hi = 127> : tensor<4x64x32xi8> {per_rank}', worldSize: 4 },
  { name: 'per_rank i4', from: 'tensor<5x6xi4>', to: 'tensor<5x6xi4, #nz<c0=64>>', resource: 'random<seed = 9, lo = -8, hi = 7> : tensor<2x5x6xi4> {per_rank}', worldSize: 2 },
  { name: 'NZ to ND', from: 'tensor<18x33xf32, #nz<c0=16>>', to: 'tensor<18x33xf32>', resource: 'random<seed = 8, lo = -1.0, hi = 1.0> : tensor<18x33xf32, #nz<c0=16>>' },
  { name: 'NZ to ND per_rank', from: 'tensor<3x40xi8, #nz<c0=32>>', to: 'tensor<3x40xi8>', resource: 'random<seed = 10, lo = -128, hi = 127> : tensor<2x3x40xi8, #nz<c0=32>> {per_rank}', worldSize: 2 },
];

/** `%y = trans_data(%w)`, returned; with `shared`, %w is returned as well (no in-place retype). */
function source(c: Case, shared: boolean): string {
  const attrs = c.worldSize ? ` attributes {world_size = ${c.worldSize}}` : '';
  const results = shared ? `${c.to}, ${c.from}` : c.to;
  return `graph @g() -> (${results})${attrs} {
  %w = prim.constant {value = @w} : () -> ${c.from}
  %y = layout.trans_data(%w) : (${c.from}) -> ${c.to}
  return %y${shared ? ', %w' : ''}
}

resources {
  @w = ${c.resource}
}
`;
}

describe('a folded constant holds the bytes trans_data computes at run time', () => {
  for (const c of CASES) {
    for (const shared of [false, true]) {
      it(`${c.name}${shared ? ' (constant also used: new resource)' : ' (in place)'}`, async () => {
        const text = source(c, shared);
        const before = await outputBytes(parseModule(text));
        const m = parseModule(text);
        const r = runPipeline(m, 'fold-trans-data', { strict: true });
        const printed = printModule(m);
        expect(printed).not.toContain('layout.trans_data');
        expect(r.stats[0]!.stats).toEqual({ 'trans-data-into-constant': 1 });
        // In place, @w itself now has the target layout; otherwise a new @w_nz / @w_nd has it.
        const target = c.worldSize ? c.to.replace('tensor<', `tensor<${c.worldSize}x`) : c.to;
        const folded = shared ? `w_${c.to.includes('#nz') ? 'nz' : 'nd'}` : 'w';
        expect(m.resources.get(folded)?.type.toString()).toBe(target);
        expect([...m.resources.keys()]).toEqual(shared ? ['w', folded] : ['w']);
        expect(await outputBytes(m)).toEqual(before);
      });
    }
  }
});

describe('fixpoint and idempotence', () => {
  it('folds a chain of conversions and siblings to one retyped constant, and does nothing the second time', async () => {
    const text = `graph @g() -> (tensor<20x20xf16, #nz<c0=16>>, tensor<20x20xf16, #nz<c0=16>>, tensor<20x20xf16>) {
  %w = prim.constant {value = @w} : () -> tensor<20x20xf16>
  %a = layout.trans_data(%w) : (tensor<20x20xf16>) -> tensor<20x20xf16, #nz<c0=16>>
  %b = layout.trans_data(%a) : (tensor<20x20xf16, #nz<c0=16>>) -> tensor<20x20xf16>
  %c = layout.trans_data(%b) : (tensor<20x20xf16>) -> tensor<20x20xf16, #nz<c0=16>>
  %d = layout.trans_data(%w) : (tensor<20x20xf16>) -> tensor<20x20xf16, #nz<c0=16>>
  %e = layout.trans_data(%d) : (tensor<20x20xf16, #nz<c0=16>>) -> tensor<20x20xf16>
  return %c, %d, %e
}

resources {
  @w = random<seed = 11, lo = -2.0, hi = 2.0> : tensor<20x20xf16>
}
`;
    const before = await outputBytes(parseModule(text));
    const m = parseModule(text);
    runPipeline(m, 'fold-trans-data', { strict: true });
    const once = printModule(m);
    // %b and %e are ND(NZ(w)) = w; then %c and %d both convert w and merge into the first, %c;
    // w is also returned, so %c becomes a constant of a new resource @w_nz.
    expect(once).toContain('%c = prim.constant {value = @w_nz} : () -> tensor<20x20xf16, #nz<c0=16>>');
    expect(once).toContain('return %c, %c, %w');
    expect(once).not.toContain('layout.trans_data');
    expect(await outputBytes(m)).toEqual(before);
    const again = runPipeline(m, 'fold-trans-data', { strict: true });
    expect(again.changed).toBe(false);
    expect(printModule(m)).toBe(once);
  });
});
