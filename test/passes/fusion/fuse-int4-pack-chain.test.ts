// fuse-int4-pack on hand-written mask/shift/or chains: every way of writing the packing gives,
// unfused and fused, the bytes of convert_weight_to_int4pack.md §2 computed here (with values
// the op masks: out of [-8, 7], i32 extremes); the spec's worked example; the default pipeline
// fuses a chain; and explain names the guard that stops each chunk of chains-negative.fir.
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/backends/cpu/executor.ts';
import { Builder } from '../../../src/ir/builder.ts';
import type { Module } from '../../../src/ir/module.ts';
import { parseModule } from '../../../src/ir/parse.ts';
import type { Storage } from '../../../src/ir/storage.ts';
import { TensorType } from '../../../src/ir/types.ts';
import type { Value } from '../../../src/ir/value.ts';
import { FUSE_INT4_PACK_RULES } from '../../../src/passes/fusion/fuse-int4-pack.ts';
import { runPipeline } from '../../../src/passes/pass-manager.ts';
import { explain } from '../../../src/passes/rewrite/explain.ts';
import { readFixture } from '../../helpers/fixtures.ts';
import { rng } from '../../helpers/rng.ts';

/** In-range values, the values the op masks, the i32 extremes and arbitrary i32 bits. */
function weights(d0: number, d1: number, seed: number): Int32Array {
  const r = rng(seed);
  const edge = [8, -9, 100, -100, 2147483647, -2147483648, 15, -16, 7, -8, 0];
  return Int32Array.from({ length: d0 * d1 }, (_, i) => {
    if (i % 7 === 3) return edge[(i >> 3) % edge.length]!;
    if (i % 5 === 1) return (r() * 4294967296) | 0;
    return Math.floor(r() * 16) - 8;
  });
}

/** The op's bytes (convert_weight_to_int4pack.md §2): byte t of a row = (w[2t+1] & 0xF) << 4 | (w[2t] & 0xF). */
function packedBytes(w: Int32Array, d0: number, d1: number): Uint8Array {
  const out = new Uint8Array((d0 * d1) / 2);
  for (let i = 0; i < d0; i++) {
    for (let t = 0; t < d1 / 2; t++) out[i * (d1 / 2) + t] = ((w[i * d1 + 2 * t + 1]! & 0xf) << 4) | (w[i * d1 + 2 * t]! & 0xf);
  }
  return out;
}

/** ND -> NZ of an m x n byte matrix with C0 = 32 bytes, zero padding (layout.md §2.3, §3.4). */
function nzBytes(nd: Uint8Array, m: number, n: number): Uint8Array {
  const c0 = 32;
  const m1 = Math.ceil(m / 16);
  const out = new Uint8Array(Math.ceil(n / c0) * m1 * 16 * c0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[Math.floor(j / c0) * m1 * 16 * c0 + i * c0 + (j % c0)] = nd[i * n + j]!;
  return out;
}

const bytes = (d: Storage): Uint8Array => new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();

async function outputBytes(m: Module, w: Int32Array): Promise<Uint8Array> {
  const r = await run(m, { w });
  return bytes(r.outputs[0]![0]!.data);
}

const ops = (m: Module): string[] => m.graph().nodes.map((n) => n.op);

/**
 * How lane s becomes its term: `before` shl(and(x, 15), 4s); `mask-left` shl(and(15, x), 4s);
 * `after` and(shl(x, 4s), 15 << 4s); `after-left` and(15 << 4s, shl(x, 4s)); `no-shift`
 * and(x, 15) (lane 0); `bare` shl(x, 4s) (the top lane).
 */
type Style = 'before' | 'mask-left' | 'after' | 'after-left' | 'no-shift' | 'bare';

/** The order of the `or`s: a lane, or the or of two subtrees. */
type Tree = number | readonly [Tree, Tree];

interface Chain {
  readonly name: string;
  readonly lanes: 2 | 8;
  readonly styles: readonly Style[];
  readonly tree: Tree;
  /** Byte chains: the cast's dtype and the view the bytes are bitcast to. */
  readonly bytes?: { readonly cast: 'u8' | 'i8'; readonly view: 'i4' | 'i32' };
  readonly nz?: boolean;
}

function buildChain(c: Chain, d0: number, d1: number): Module {
  const b = Builder.graph('g');
  const p = b.prim;
  const k = (v: number): Value => b.splat('i32', v);
  const cols = d1 / c.lanes;
  const w = b.param(new TensorType([d0, d1], 'i32'), 'w');
  const w3 = p.reshape(w, [d0, cols, c.lanes], 'w3');
  const term = (s: number): Value => {
    const x = p.reshape(p.slice(w3, [0, 0, s], [d0, cols, s + 1]), [d0, cols], `x${s}`);
    const mask = (15 << (4 * s)) | 0;
    switch (c.styles[s]!) {
      case 'before':
        return p.shl(p.and(x, k(15)), k(4 * s));
      case 'mask-left':
        return p.shl(p.and(k(15), x), k(4 * s));
      case 'after':
        return p.and(p.shl(x, k(4 * s)), k(mask));
      case 'after-left':
        return p.and(k(mask), p.shl(x, k(4 * s)));
      case 'no-shift':
        return p.and(x, k(15));
      case 'bare':
        return p.shl(x, k(4 * s));
    }
  };
  const or = (t: Tree): Value => (typeof t === 'number' ? term(t) : p.or(or(t[0]), or(t[1])));
  let out = or(c.tree);
  if (c.bytes) out = p.bitcast(p.cast(out, c.bytes.cast), c.bytes.view);
  if (c.nz) out = b.layout.toNz(out);
  b.return(out);
  return b.module;
}

const BEFORE: readonly Style[] = ['no-shift', 'before', 'before', 'before', 'before', 'before', 'before', 'before'];

const CHAINS: readonly Chain[] = [
  { name: 'bytes to i4, masks before the shift', lanes: 2, styles: ['no-shift', 'before'], tree: [0, 1], bytes: { cast: 'u8', view: 'i4' } },
  { name: 'bytes to i32, mask after the shift, or swapped, i8 cast', lanes: 2, styles: ['after-left', 'after'], tree: [1, 0], bytes: { cast: 'i8', view: 'i32' } },
  { name: 'bytes, top lane unmasked, i4 NZ', lanes: 2, styles: ['mask-left', 'bare'], tree: [1, 0], bytes: { cast: 'u8', view: 'i4' }, nz: true },
  { name: 'bytes to i32 NZ', lanes: 2, styles: ['no-shift', 'after'], tree: [0, 1], bytes: { cast: 'u8', view: 'i32' }, nz: true },
  { name: 'words, or-ed in lane order', lanes: 8, styles: BEFORE, tree: [[[[[[[0, 1], 2], 3], 4], 5], 6], 7] },
  {
    name: 'words, balanced tree in reverse, masks after the shifts',
    lanes: 8,
    styles: ['after', 'after-left', 'after', 'after-left', 'after', 'after', 'after-left', 'after'],
    tree: [
      [
        [7, 6],
        [5, 4],
      ],
      [
        [3, 2],
        [1, 0],
      ],
    ],
  },
  {
    name: 'words, mixed terms, top lane unmasked, NZ',
    lanes: 8,
    styles: ['no-shift', 'after', 'mask-left', 'after-left', 'before', 'before', 'after', 'bare'],
    tree: [
      [2, [7, 0]],
      [
        [1, [4, 3]],
        [6, 5],
      ],
    ],
    nz: true,
  },
];

const SHAPES: readonly [number, number][] = [
  [1, 8],
  [17, 24],
  [33, 64],
  [16, 136],
];

describe('fused and unfused chains give the bytes of the spec', () => {
  for (const c of CHAINS) {
    for (const [d0, d1] of SHAPES) {
      it(`${c.name}, weight ${d0}x${d1}`, async () => {
        const w = weights(d0, d1, d0 * 1000 + d1 + c.lanes);
        const nd = packedBytes(w, d0, d1);
        const expected = c.nz ? nzBytes(nd, d0, d1 / 2) : nd;
        const m = buildChain(c, d0, d1);
        const resultType = m.graph().outputs[0]!.type;
        expect(await outputBytes(m, w)).toEqual(expected);
        runPipeline(m, 'fuse-int4-pack,dce', { strict: true });
        expect(ops(m)).toEqual(['npu.convert_weight_to_int4_pack']);
        expect(m.graph().outputs[0]!.type.equals(resultType)).toBe(true);
        expect(await outputBytes(m, w)).toEqual(expected);
      });
    }
  }
});

describe('the worked example of convert_weight_to_int4pack.md §4', () => {
  const w = Int32Array.from([1, -1, 7, -8, 0, 2, -3, 4, 5, 6, -7, 3, -2, -1, 0, 1]);
  for (const c of CHAINS.filter((x) => !x.nz)) {
    it(c.name, async () => {
      const m = buildChain(c, 2, 8);
      runPipeline(m, 'fuse-int4-pack,dce', { strict: true });
      expect(ops(m)).toEqual(['npu.convert_weight_to_int4_pack']);
      const out = await outputBytes(m, w);
      expect([...out]).toEqual([0xf1, 0x87, 0x20, 0x4d, 0x65, 0x39, 0xfe, 0x10]);
      if (m.graph().outputs[0]!.type.dtype === 'i32') expect([...new Int32Array(out.buffer)]).toEqual([1293977585, 285096293]);
    });
  }
});

it('the default pipeline fuses a chain (fuse-quant holds the chain rules)', async () => {
  const c = CHAINS.find((x) => x.nz && x.lanes === 8)!;
  const w = weights(17, 24, 3);
  const m = buildChain(c, 17, 24);
  const before = await outputBytes(m, w);
  runPipeline(m, 'default', { strict: true });
  expect(ops(m)).toEqual(['npu.convert_weight_to_int4_pack']);
  expect(await outputBytes(m, w)).toEqual(before);
});

describe('explain names the guard that stops each negative chain', () => {
  const rule = (name: string) => FUSE_INT4_PACK_RULES.find((r) => r.name === name)!;
  const fixture = readFixture(new URL('../fixtures/fuse-int4-pack/chains-negative.fir', import.meta.url).pathname);
  const byGraph = new Map(fixture.chunks.map((c) => [/graph @(\w+)/.exec(c.text)?.[1], c.source]));
  const BYTES = 'prim.bitcast %packed: rejected: guard: ';
  const WORDS = 'prim.or %packed: rejected: guard: ';
  const cases: readonly [graph: string, rule: string, line: string][] = [
    ['wrong_mask', 'fuse-int4-pack-bytes', `${BYTES}term %lo (lane 0): masked with 0x7, expected 0xf`],
    ['wrong_high_mask', 'fuse-int4-pack-words', `${WORDS}term %t3 (lane 3): masked with 0xf00 after the shift, expected 0xf000`],
    ['wrong_shift', 'fuse-int4-pack-words', `${WORDS}term %t5 (lane 5): shifted by 16, expected 20`],
    ['missing_lane', 'fuse-int4-pack-words', `${WORDS}lane 6 of 8 is missing from the or`],
    ['duplicate_lane', 'fuse-int4-pack-words', `${WORDS}lane 2 is packed twice, by %t3 and %t2`],
    ['nine_terms', 'fuse-int4-pack-words', `${WORDS}the or combines more than 8 terms`],
    ['i8_weight', 'fuse-int4-pack-bytes', `${BYTES}expected a 2-D i32 weight, got %w: tensor<4x16xi8>`],
    ['rows_mixed', 'fuse-int4-pack-words', `${WORDS}%w3 reshapes the weight to [2, 4, 8], expected [4, 16/8, 8]`],
    ['unmasked_lane', 'fuse-int4-pack-words', `${WORDS}term %t3 (lane 3): not masked to its 4 bits (only the top lane may leave out the mask)`],
    ['shared_lane', 'fuse-int4-pack-words', `${WORDS}interior value %x3 (prim.reshape) is returned by the graph`],
    ['broadcast', 'fuse-int4-pack-bytes', `${BYTES}the or broadcasts the lanes to [2, 4, 8]`],
    ['empty', 'fuse-int4-pack-words', `${WORDS}npu.convert_weight_to_int4_pack: [convert_weight_to_int4pack.8] weight must not be empty, got [0, 16]`],
  ];
  it('covers every chunk of the fixture', () => expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(byGraph.keys())));
  for (const [graph, name, line] of cases) {
    it(graph, () => {
      const m = parseModule(byGraph.get(graph)!);
      expect(explain(m, rule(name)).split('\n')).toContain(`graph @${graph}: ${line}`);
    });
  }
});
