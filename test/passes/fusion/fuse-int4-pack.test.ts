// fuse-int4-pack: every way of writing the packing gives the same bits fused as unfused (with
// values the op masks: out of [-8, 7], i32 extremes), decompose then fuse gives back each example
// of npu.convert_weight_to_int4_pack, and explain names the guard that stops a fusion.
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/backends/cpu/executor.ts';
import { Builder } from '../../../src/ir/builder.ts';
import type { Module } from '../../../src/ir/module.ts';
import { opDef } from '../../../src/ir/ops/registry.ts';
import { parseModule } from '../../../src/ir/parse.ts';
import { printModule } from '../../../src/ir/print.ts';
import type { Storage } from '../../../src/ir/storage.ts';
import { FUSE_INT4_PACK_RULES } from '../../../src/passes/fusion/fuse-int4-pack.ts';
import { runPipeline } from '../../../src/passes/pass-manager.ts';
import { explain } from '../../../src/passes/rewrite/explain.ts';
import { rng } from '../../helpers/rng.ts';

const bytes = (d: Storage): Uint8Array => new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();

async function outputBits(m: Module, w: Int32Array): Promise<Uint8Array[]> {
  const r = await run(m, { w });
  return r.outputs[0]!.map((t) => bytes(t.data));
}

/** Ops used by the statements of the printed first graph. */
function ops(m: Module): string[] {
  return m.graph().nodes.map((n) => n.op);
}

/** Weights with in-range values, the values the op masks, and the i32 extremes. */
function weights(d0: number, d1: number, seed: number): Int32Array {
  const r = rng(seed);
  const edge = [8, -9, 100, -100, 2147483647, -2147483648, 15, -16, 7, -8, 0];
  return Int32Array.from({ length: d0 * d1 }, (_, i) => (i % 7 === 3 ? edge[(i >> 3) % edge.length]! : Math.floor(r() * 16) - 8));
}

type Variant = { name: string; body: (d0: number, d1: number) => string; result: (d0: number, d1: number) => string; resources?: string };

const i4 = (d0: number, d1: number) => `tensor<${d0}x${d1}xi4>`;
const words = (d0: number, d1: number) => `tensor<${d0}x${d1 / 8}xi32>`;
const w32 = (d0: number, d1: number) => `tensor<${d0}x${d1}xi32>`;

const VARIANTS: readonly Variant[] = [
  { name: 'cast to i4', result: i4, body: (a, b) => `  %out = prim.cast(%w) {to = i4} : (${w32(a, b)}) -> ${i4(a, b)}` },
  {
    name: 'cast + bitcast to i32',
    result: words,
    body: (a, b) => `  %q = prim.cast(%w) {to = i4} : (${w32(a, b)}) -> ${i4(a, b)}
  %out = prim.bitcast(%q) {to = i32} : (${i4(a, b)}) -> ${words(a, b)}`,
  },
  {
    name: 'mask 15 + cast + bitcast',
    result: words,
    resources: '  @m = splat<15> : tensor<i32>',
    body: (a, b) => `  %m = prim.constant {value = @m} : () -> tensor<i32>
  %lo = prim.and(%w, %m) : (${w32(a, b)}, tensor<i32>) -> ${w32(a, b)}
  %q = prim.cast(%lo) {to = i4} : (${w32(a, b)}) -> ${i4(a, b)}
  %out = prim.bitcast(%q) {to = i32} : (${i4(a, b)}) -> ${words(a, b)}`,
  },
  {
    name: 'cast + trans_data to i4 NZ',
    result: (a, b) => `tensor<${a}x${b}xi4, #nz<c0=64>>`,
    body: (a, b) => `  %q = prim.cast(%w) {to = i4} : (${w32(a, b)}) -> ${i4(a, b)}
  %out = layout.trans_data(%q) : (${i4(a, b)}) -> tensor<${a}x${b}xi4, #nz<c0=64>>`,
  },
  {
    name: 'mask -1 + cast + bitcast + trans_data to i32 NZ',
    result: (a, b) => `tensor<${a}x${b / 8}xi32, #nz<c0=8>>`,
    resources: '  @m = splat<-1> : tensor<1x1xi32>',
    body: (a, b) => `  %m = prim.constant {value = @m} : () -> tensor<1x1xi32>
  %lo = prim.and(%m, %w) : (tensor<1x1xi32>, ${w32(a, b)}) -> ${w32(a, b)}
  %q = prim.cast(%lo) {to = i4} : (${w32(a, b)}) -> ${i4(a, b)}
  %p = prim.bitcast(%q) {to = i32} : (${i4(a, b)}) -> ${words(a, b)}
  %out = layout.trans_data(%p) : (${words(a, b)}) -> tensor<${a}x${b / 8}xi32, #nz<c0=8>>`,
  },
];

const SHAPES: readonly [number, number][] = [
  [1, 8],
  [17, 24],
  [33, 64],
  [16, 136],
];

describe('fused and unfused packing give the same bits', () => {
  for (const v of VARIANTS) {
    for (const [d0, d1] of SHAPES) {
      it(`${v.name}, weight ${d0}x${d1}`, async () => {
        const text = `graph @g(%w: ${w32(d0, d1)}) -> (${v.result(d0, d1)}) {
${v.body(d0, d1)}
  return %out
}
${v.resources ? `\nresources {\n${v.resources}\n}\n` : ''}`;
        const w = weights(d0, d1, d0 * 1000 + d1);
        const before = await outputBits(parseModule(text), w);
        const m = parseModule(text);
        runPipeline(m, 'fuse-int4-pack,dce', { strict: true });
        expect(ops(m)).toEqual(['npu.convert_weight_to_int4_pack']);
        expect(m.graph().nodes[0]!.result.type.toString()).toBe(v.result(d0, d1));
        expect(await outputBits(m, w)).toEqual(before);
      });
    }
  }
});

describe('decompose then fuse gives back npu.convert_weight_to_int4_pack', () => {
  for (const ex of opDef('npu.convert_weight_to_int4_pack').examples ?? []) {
    it(ex.name, async () => {
      const b = Builder.graph('g');
      const w = b.param(ex.operands[0]!, 'w');
      const out = b.create('npu.convert_weight_to_int4_pack', [w], {}, { results: ex.results, hints: ['out'] }).result;
      b.return(out);
      const fused = printModule(b.module);
      runPipeline(b.module, 'decompose', { strict: true });
      expect(ops(b.module)).not.toContain('npu.convert_weight_to_int4_pack');
      runPipeline(b.module, 'fuse-int4-pack,dce', { strict: true });
      expect(printModule(b.module)).toBe(fused);
    });
  }
});

describe('explain names the failed guard', () => {
  const rule = (name: string) => FUSE_INT4_PACK_RULES.find((r) => r.name === name)!;

  it('an empty weight', () => {
    const m = parseModule(`graph @g(%w: tensor<0x8xi32>) -> (tensor<0x1xi32>) {
  %q = prim.cast(%w) {to = i4} : (tensor<0x8xi32>) -> tensor<0x8xi4>
  %p = prim.bitcast(%q) {to = i32} : (tensor<0x8xi4>) -> tensor<0x1xi32>
  return %p
}
`);
    expect(explain(m, rule('fuse-int4-pack-i32'))).toBe(
      'rule fuse-int4-pack-i32: prim.bitcast(prim.cast(optional(prim.and(weight, constant mask) as mask_op)) as cast) as out\n' +
        'graph @g: prim.bitcast %p: rejected: guard: npu.convert_weight_to_int4_pack: [convert_weight_to_int4pack.8] weight must not be empty, got [0, 8]\n',
    );
  });

  it('an NZ type the op does not produce', () => {
    const m = parseModule(`graph @g(%w: tensor<16x64xi32>) -> (tensor<16x8xi32, #nz<c0=16>>) {
  %q = prim.cast(%w) {to = i4} : (tensor<16x64xi32>) -> tensor<16x64xi4>
  %p = prim.bitcast(%q) {to = i32} : (tensor<16x64xi4>) -> tensor<16x8xi32>
  %nz = layout.trans_data(%p) : (tensor<16x8xi32>) -> tensor<16x8xi32, #nz<c0=16>>
  return %nz
}
`);
    expect(explain(m, rule('fuse-int4-pack-nz'))).toContain(
      'graph @g: layout.trans_data %nz: rejected: guard: npu.convert_weight_to_int4_pack: [convert_weight_to_int4pack.7] result out must have NZ storage [1, 1, 16, 8] (#nz<c0=8>), got [1, 1, 16, 16] (#nz<c0=16>)',
    );
  });

  it('a weight that is not 2-D', () => {
    const m = parseModule(`graph @g(%w: tensor<2x4x8xi32>) -> (tensor<2x4x8xi4>) {
  %q = prim.cast(%w) {to = i4} : (tensor<2x4x8xi32>) -> tensor<2x4x8xi4>
  return %q
}
`);
    expect(explain(m, rule('fuse-int4-pack-i4'))).toContain('graph @g: prim.cast %q: no match: prim.cast %q: expected rank 2, got 3');
  });

  it('a weight that is not i32', () => {
    const m = parseModule(`graph @g(%w: tensor<4x8xi8>) -> (tensor<4x8xi4>) {
  %q = prim.cast(%w) {to = i4} : (tensor<4x8xi8>) -> tensor<4x8xi4>
  return %q
}
`);
    expect(explain(m, rule('fuse-int4-pack-i4'))).toContain('graph @g: prim.cast %q: no match: prim.cast %q: expected an i32 weight, got i8');
  });

  it('a mask that clears low bits is not absorbed (the masked value is packed instead)', async () => {
    const text = `graph @g(%w: tensor<4x8xi32>) -> (tensor<4x1xi32>) {
  %m = prim.constant {value = @m} : () -> tensor<i32>
  %lo = prim.and(%w, %m) : (tensor<4x8xi32>, tensor<i32>) -> tensor<4x8xi32>
  %q = prim.cast(%lo) {to = i4} : (tensor<4x8xi32>) -> tensor<4x8xi4>
  %p = prim.bitcast(%q) {to = i32} : (tensor<4x8xi4>) -> tensor<4x1xi32>
  return %p
}

resources {
  @m = splat<7> : tensor<i32>
}
`;
    const w = weights(4, 8, 5);
    const before = await outputBits(parseModule(text), w);
    const m = parseModule(text);
    runPipeline(m, 'fuse-int4-pack', { strict: true });
    expect(ops(m)).toEqual(['prim.constant', 'prim.and', 'npu.convert_weight_to_int4_pack']);
    expect(await outputBits(m, w)).toEqual(before);
  });
});
