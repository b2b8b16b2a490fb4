// fuse-moe-init-routing-quant: the spec's worked example through the fused graph; fused and
// unfused graphs give the same bits for every written form on seeded inputs with NaN, ±Inf,
// signed zeros, .5 ties after scaling, f16 overflow and f32 -> f16 rounding ties, with random
// permutations of row_idx and tied expert ids; decompose then fuse gives back every example of
// the op; explain names each guard.
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/backends/cpu/executor.ts';
import type { Feeds } from '../../../src/backends/backend.ts';
import { Builder } from '../../../src/ir/builder.ts';
import type { Module } from '../../../src/ir/module.ts';
import { opDef } from '../../../src/ir/ops/registry.ts';
import { parseModule } from '../../../src/ir/parse.ts';
import { printModule } from '../../../src/ir/print.ts';
import type { Storage } from '../../../src/ir/storage.ts';
import { bf16FromF64, f16FromF64, f16ToF64 } from '../../../src/numerics/float.ts';
import { FUSE_MOE_INIT_ROUTING_QUANT_RULES } from '../../../src/passes/fusion/fuse-moe-init-routing-quant.ts';
import { runPipeline } from '../../../src/passes/pass-manager.ts';
import { explain } from '../../../src/passes/rewrite/explain.ts';
import { rng } from '../../helpers/rng.ts';

const bytes = (d: Storage): Uint8Array => new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();

async function outputBits(m: Module, feeds: Feeds): Promise<Uint8Array[]> {
  const r = await run(m, feeds);
  return r.outputs[0]!.map((t) => bytes(t.data));
}

const ops = (m: Module): string[] => m.graph().nodes.map((n) => n.op);

type XType = 'f16' | 'f32' | 'bf16';

interface Form {
  readonly name: string;
  /** Where the rows are gathered: before quantizing (§7), after, or after the cast to f16. */
  readonly gather: 'quantize-first' | 'gather-first' | 'cast-then-gather';
  /** `iota`: reshape(broadcast_to(iota [N])); for K = 1 also a bare iota [N] or reshape(iota [1, N]). */
  readonly table: 'iota' | 'constant' | 'bare-iota' | 'reshaped-iota';
  readonly positions: 'iota' | 'constant';
  /** Absent: the mul (scale 1) or the add (offset 0) is left out. */
  readonly scale?: number;
  readonly offset?: number;
  readonly swap: boolean;
  readonly round: boolean;
  readonly clamp?: readonly [number, number];
  readonly expertRoot: boolean;
}

/** The primitive graph of one form for x [n, h] of `xt`, row_idx/expert_idx [n, k], `a` sorted rows kept. */
function moeText(f: Form, xt: XType, n: number, k: number, h: number, a: number): string {
  const nk = n * k;
  const L: string[] = [];
  const res: string[] = ['  @zeros = splat<0> : tensor<' + nk + 'xi32>'];
  const T = (rows: number, d: string) => `tensor<${rows}x${h}x${d}>`;
  L.push(`  %fe = prim.reshape(%e) {shape = [${nk}]} : (tensor<${n}x${k}xi32>) -> tensor<${nk}xi32>`);
  L.push(`  %fr = prim.reshape(%r) {shape = [${nk}]} : (tensor<${n}x${k}xi32>) -> tensor<${nk}xi32>`);
  L.push(`  %order = prim.argsort(%fe) {axis = 0} : (tensor<${nk}xi32>) -> tensor<${nk}xi32>`);
  if (f.expertRoot) L.push(`  %ee = prim.gather(%fe, %order) {axis = 0} : (tensor<${nk}xi32>, tensor<${nk}xi32>) -> tensor<${nk}xi32>`);
  L.push(`  %sr = prim.gather(%fr, %order) {axis = 0} : (tensor<${nk}xi32>, tensor<${nk}xi32>) -> tensor<${nk}xi32>`);
  if (f.positions === 'iota') L.push(`  %pos = prim.iota {dtype = i32, shape = [${nk}]} : () -> tensor<${nk}xi32>`);
  else {
    L.push(`  %pos = prim.constant {value = @pos} : () -> tensor<${nk}xi32>`);
    res.push(`  @pos = iota<> : tensor<${nk}xi32>`);
  }
  L.push(`  %zeros = prim.constant {value = @zeros} : () -> tensor<${nk}xi32>`);
  L.push(`  %er = prim.scatter(%zeros, %sr, %pos) {axis = 0} : (tensor<${nk}xi32>, tensor<${nk}xi32>, tensor<${nk}xi32>) -> tensor<${nk}xi32>`);
  if (f.table === 'iota') {
    L.push(`  %tokens = prim.iota {dtype = i32, shape = [${n}]} : () -> tensor<${n}xi32>`);
    L.push(`  %tiled = prim.broadcast_to(%tokens) {shape = [${k}, ${n}]} : (tensor<${n}xi32>) -> tensor<${k}x${n}xi32>`);
    L.push(`  %table = prim.reshape(%tiled) {shape = [${nk}]} : (tensor<${k}x${n}xi32>) -> tensor<${nk}xi32>`);
  } else if (f.table === 'bare-iota') {
    L.push(`  %table = prim.iota {dtype = i32, shape = [${n}]} : () -> tensor<${n}xi32>`);
  } else if (f.table === 'reshaped-iota') {
    L.push(`  %tokens = prim.iota {dtype = i32, shape = [1, ${n}]} : () -> tensor<1x${n}xi32>`);
    L.push(`  %table = prim.reshape(%tokens) {shape = [${n}]} : (tensor<1x${n}xi32>) -> tensor<${n}xi32>`);
  } else {
    L.push(`  %table = prim.constant {value = @table} : () -> tensor<${nk}xi32>`);
    res.push(`  @table = dense<[${Array.from({ length: nk }, (_, p) => p % n).join(', ')}]> : tensor<${nk}xi32>`);
  }
  L.push(`  %kept = prim.slice(%sr) {end = [${a}], start = [0]} : (tensor<${nk}xi32>) -> tensor<${a}xi32>`);
  const tableLen = f.table === 'bare-iota' || f.table === 'reshaped-iota' ? n : nk;
  L.push(`  %tok = prim.gather(%table, %kept) {axis = 0} : (tensor<${tableLen}xi32>, tensor<${a}xi32>) -> tensor<${a}xi32>`);
  // The rows the chain quantizes.
  const rows = f.gather === 'quantize-first' ? n : a;
  let v: string;
  if (f.gather === 'gather-first') {
    L.push(`  %xr = prim.gather(%x, %tok) {axis = 0} : (${T(n, xt)}, tensor<${a}xi32>) -> ${T(a, xt)}`);
    v = '%xr';
    if (xt !== 'f16') {
      L.push(`  %h = prim.cast(%xr) {to = f16} : (${T(a, xt)}) -> ${T(a, 'f16')}`);
      v = '%h';
    }
  } else {
    v = '%x';
    if (xt !== 'f16') {
      L.push(`  %h = prim.cast(%x) {to = f16} : (${T(n, xt)}) -> ${T(n, 'f16')}`);
      v = '%h';
    }
    if (f.gather === 'cast-then-gather') {
      L.push(`  %hr = prim.gather(${v}, %tok) {axis = 0} : (${T(n, 'f16')}, tensor<${a}xi32>) -> ${T(a, 'f16')}`);
      v = '%hr';
    }
  }
  const F = T(rows, 'f16');
  const pair = (p: string, c: string) => (f.swap ? `${c}, ${p}` : `${p}, ${c}`);
  const pairT = f.swap ? `(tensor<f16>, ${F})` : `(${F}, tensor<f16>)`;
  if (f.scale !== undefined) {
    L.push(`  %s = prim.constant {value = @s} : () -> tensor<f16>`);
    res.push(`  @s = splat<${f.scale}> : tensor<f16>`);
    L.push(`  %t = prim.mul(${pair(v, '%s')}) : ${pairT} -> ${F}`);
    v = '%t';
  }
  if (f.offset !== undefined) {
    L.push(`  %o = prim.constant {value = @o} : () -> tensor<f16>`);
    res.push(`  @o = splat<${f.offset}> : tensor<f16>`);
    L.push(`  %u = prim.add(${pair(v, '%o')}) : ${pairT} -> ${F}`);
    v = '%u';
  }
  if (f.round) {
    L.push(`  %rd = prim.round(${v}) : (${F}) -> ${F}`);
    v = '%rd';
  }
  if (f.clamp) {
    L.push(`  %c = prim.clamp(${v}) {max = ${f.clamp[1].toFixed(1)}, min = ${f.clamp[0].toFixed(1)}} : (${F}) -> ${F}`);
    v = '%c';
  }
  L.push(`  %q = prim.cast(${v}) {to = i8} : (${F}) -> ${T(rows, 'i8')}`);
  if (f.gather === 'quantize-first') L.push(`  %ex = prim.gather(%q, %tok) {axis = 0} : (${T(n, 'i8')}, tensor<${a}xi32>) -> ${T(a, 'i8')}`);
  const ex = f.gather === 'quantize-first' ? '%ex' : '%q';
  const outs = [ex, '%er', ...(f.expertRoot ? ['%ee'] : [])];
  const outTypes = [T(a, 'i8'), `tensor<${nk}xi32>`, ...(f.expertRoot ? [`tensor<${nk}xi32>`] : [])];
  return `graph @moe(%x: ${T(n, xt)}, %r: tensor<${n}x${k}xi32>, %e: tensor<${n}x${k}xi32>) -> (${outTypes.join(', ')}) {
${L.join('\n')}
  return ${outs.join(', ')}
}

resources {
${res.join('\n')}
}
`;
}

const FORMS: readonly Form[] = [
  { name: '§7 form', gather: 'quantize-first', table: 'iota', positions: 'iota', scale: 2, offset: 0.5, swap: false, round: true, clamp: [-128, 127], expertRoot: true },
  { name: 'operands swapped, no round or clamp', gather: 'quantize-first', table: 'constant', positions: 'constant', scale: 2, offset: 0.5, swap: true, round: false, expertRoot: true },
  { name: 'gather first, wide clamp', gather: 'gather-first', table: 'iota', positions: 'iota', scale: 10, offset: 0.5, swap: false, round: true, clamp: [-300, 300], expertRoot: false },
  { name: 'cast then gather, no offset', gather: 'cast-then-gather', table: 'constant', positions: 'iota', scale: -0.75, swap: false, round: false, clamp: [-128, 127], expertRoot: true },
  { name: 'no scale, negative offset', gather: 'quantize-first', table: 'iota', positions: 'constant', offset: -1.5, swap: true, round: true, expertRoot: true },
];

/** [n, k, h, active_num]: the spec's example, every token kept, a few kept, one token, K = 1, none kept. */
const SHAPES: readonly [number, number, number, number][] = [
  [3, 2, 4, 3],
  [5, 4, 8, 9],
  [6, 8, 12, 2],
  [1, 3, 32, 1],
  [4, 1, 16, 3],
  [7, 3, 5, 0],
];

/**
 * x values: random ones across the i8 range after scaling, and every edge the chain meets: NaN
 * (canonical and with a payload), ±Inf, ±0, .5 ties after each form's (scale, offset) (1, 1.5,
 * -1, -2.5 for (2, 0.5); 0.1 … 12.7 of the spec's example for (10, 0.5); 2, 6, -2 for
 * (-0.75, 0); 1, 4, 0 for (1, -1.5)), f16 overflow of x·scale, subnormals, and f32 values on an
 * f16 rounding tie (1 + 2^-11) or its overflow boundary (65520).
 */
const EDGES = [NaN, Infinity, -Infinity, 0, -0, 1, 1.5, -1, -2.5, 0.1, 0.2, 0.3, 0.4, 12.7, 2, 6, -2, 4, 60000, -60000, 65504, 6e-8, -6e-8, 1.00048828125, 65520, -65520, NaN];

function xValues(len: number, r: () => number): number[] {
  return Array.from({ length: len }, (_, i) => (i % 2 === 0 ? EDGES[(i / 2) % EDGES.length]! : (r() - 0.5) * 160));
}

function xFeed(xt: XType, values: readonly number[]): Storage {
  if (xt === 'f32') return Float32Array.from(values);
  // Every other NaN carries a payload; any NaN quantizes to 0.
  let nans = 0;
  return Uint16Array.from(values, (v) => {
    if (Number.isNaN(v) && nans++ % 2 === 1) return xt === 'f16' ? 0x7c01 : 0xff81;
    return xt === 'f16' ? f16FromF64(v) : bf16FromF64(v);
  });
}

function indexFeeds(n: number, k: number, r: () => number): { r: Int32Array; e: Int32Array } {
  const perm = Array.from({ length: n * k }, (_, i) => i);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  // Few experts, so ties are common; one id near the op's limit 2^24.
  const e = Int32Array.from({ length: n * k }, (_, i) => (i === 1 ? 16777215 : Math.floor(r() * 3)));
  return { r: Int32Array.from(perm), e };
}

describe('the worked example of moe_init_routing_quant.md §5, fused', () => {
  it('gives the documented outputs', async () => {
    const m = parseModule(moeText({ ...FORMS[0]!, scale: 10 }, 'f32', 3, 2, 4, 6));
    runPipeline(m, 'fuse-moe-init-routing-quant,dce', { strict: true });
    expect(ops(m)).toEqual(['npu.moe_init_routing_quant']);
    const x = Float32Array.from([0.1, 0.2, 0.3, 0.4, 1, -1, 2, -2, 0.25, 0.75, -0.25, 12.7]);
    const feeds = { x, r: Int32Array.from([0, 3, 1, 4, 2, 5]), e: Int32Array.from([1, 2, 0, 1, 0, 2]) };
    const out = (await run(m, feeds)).outputs[0]!;
    expect(Array.from(out[0]!.data as Int8Array)).toEqual([10, -10, 20, -20, 3, 8, -2, 127, 2, 2, 4, 4, 10, -10, 20, -20, 2, 2, 4, 4, 3, 8, -2, 127]);
    expect(Array.from(out[1]!.data as Int32Array)).toEqual([2, 0, 1, 4, 3, 5]);
    expect(Array.from(out[2]!.data as Int32Array)).toEqual([0, 0, 1, 1, 2, 2]);
  });
});

describe('fused and unfused routing give the same bits', () => {
  FORMS.forEach((f, fi) => {
    for (const xt of ['f16', 'f32', 'bf16'] as const) {
      SHAPES.forEach(([n, k, h, active], si) => {
        it(`${f.name}, x ${xt} [${n}, ${h}], K = ${k}, active_num = ${active}`, async () => {
          const text = moeText(f, xt, n, k, h, Math.min(n, active) * k);
          const r = rng(1000 * fi + 10 * si + xt.length);
          const feeds = { x: xFeed(xt, xValues(n * h, r)), ...indexFeeds(n, k, r) };
          const before = await outputBits(parseModule(text), feeds);
          const m = parseModule(text);
          runPipeline(m, 'fuse-moe-init-routing-quant,dce', { strict: true });
          expect(ops(m)).toEqual(['npu.moe_init_routing_quant']);
          expect(await outputBits(m, feeds)).toEqual(before);
        });
      });
    }
  });
});

describe('with K = 1 the token table may be a plain iota of N', () => {
  for (const table of ['bare-iota', 'reshaped-iota'] as const) {
    for (const [n, active] of [
      [4, 3],
      [9, 9],
    ] as const) {
      it(`${table}, N = ${n}, active_num = ${active}`, async () => {
        const text = moeText({ ...FORMS[0]!, table }, 'bf16', n, 1, 6, active);
        const r = rng(77 + n);
        const feeds = { x: xFeed('bf16', xValues(n * 6, r)), ...indexFeeds(n, 1, r) };
        const before = await outputBits(parseModule(text), feeds);
        const m = parseModule(text);
        runPipeline(m, 'fuse-moe-init-routing-quant,dce', { strict: true });
        expect(ops(m)).toEqual(['npu.moe_init_routing_quant']);
        expect(await outputBits(m, feeds)).toEqual(before);
      });
    }
  }

  it('but not when K > 1', () => {
    const text = moeText({ ...FORMS[0]!, table: 'reshaped-iota' }, 'f16', 3, 2, 4, 6);
    expect(explain(parseModule(text), FUSE_MOE_INIT_ROUTING_QUANT_RULES[0]!)).toContain(
      'graph @moe: prim.gather %ex: rejected: guard: the token iota of 3 elements must be broadcast to [2, 3] ([K, N])',
    );
  });
});

describe('decompose then fuse gives back npu.moe_init_routing_quant', () => {
  for (const ex of opDef('npu.moe_init_routing_quant').examples ?? []) {
    it(ex.name, () => {
      const build = (attrs: Readonly<Record<string, unknown>>) => {
        const b = Builder.graph('g');
        const params = ex.operands.map((t, i) => b.param(t!, ['x', 'row_idx', 'expert_idx'][i]));
        b.return(...b.create('npu.moe_init_routing_quant', params, attrs, { hints: ['ex', 'er', 'ee'] }).results);
        return b.module;
      };
      const attrs = ex.attrs as { active_num: number; scale: number; offset: number };
      const m = build(attrs);
      runPipeline(m, 'decompose', { strict: true });
      expect(ops(m)).not.toContain('npu.moe_init_routing_quant');
      runPipeline(m, 'fuse-moe-init-routing-quant,dce', { strict: true });
      // What comes back is the same op: active_num beyond N keeps N tokens, and the attributes
      // are the f16 values the kernel computes with (f16(f32(v)), moe_init_routing_quant.md §2.3).
      const n = ex.operands[0]!.shape[0]!;
      const f16 = (v: number) => f16ToF64(f16FromF64(Math.fround(v)));
      expect(printModule(m)).toBe(printModule(build({ active_num: Math.min(n, attrs.active_num), scale: f16(attrs.scale), offset: f16(attrs.offset) })));
    });
  }
});

describe('explain names the failed guard', () => {
  const [quantizeFirst, gatherFirst] = FUSE_MOE_INIT_ROUTING_QUANT_RULES as [(typeof FUSE_MOE_INIT_ROUTING_QUANT_RULES)[0], (typeof FUSE_MOE_INIT_ROUTING_QUANT_RULES)[0]];
  const base = FORMS[0]!;
  const at = (text: string, rule = quantizeFirst, root = 'prim.gather %ex') =>
    explain(parseModule(text), rule)
      .split('\n')
      .find((l) => l.includes(`: ${root}: `));

  it('kept rows that are not whole tokens', () => {
    expect(at(moeText(base, 'f16', 3, 2, 4, 5))).toBe('graph @moe: prim.gather %ex: rejected: guard: the kept rows must be a multiple of K = 2 (whole tokens), got 5');
  });

  it('a token table that is not p mod N', () => {
    const text = moeText({ ...base, table: 'constant' }, 'f16', 3, 2, 4, 6).replace('dense<[0, 1, 2, 0, 1, 2]>', 'dense<[0, 1, 2, 2, 1, 0]>');
    expect(at(text)).toBe('graph @moe: prim.gather %ex: rejected: guard: the token table must hold p mod 3 for p < 6');
  });

  it('a token iota of the wrong length', () => {
    const text = moeText(base, 'f16', 3, 2, 4, 6)
      .replace('%tokens = prim.iota {dtype = i32, shape = [3]} : () -> tensor<3xi32>', '%tokens = prim.iota {dtype = i32, shape = [2, 1]} : () -> tensor<2x1xi32>')
      .replace('%tiled = prim.broadcast_to(%tokens) {shape = [2, 3]} : (tensor<3xi32>)', '%tiled = prim.broadcast_to(%tokens) {shape = [2, 3]} : (tensor<2x1xi32>)');
    expect(at(text)).toBe('graph @moe: prim.gather %ex: rejected: guard: the token iota must have 3 elements along its last axis (N), got [2, 1]');
  });

  it('positions that are not 0 … N·K−1', () => {
    const text = moeText({ ...base, positions: 'constant' }, 'f16', 3, 2, 4, 6).replace('@pos = iota<> : tensor<6xi32>', '@pos = dense<[0, 1, 2, 3, 5, 4]> : tensor<6xi32>');
    expect(at(text)).toBe('graph @moe: prim.gather %ex: rejected: guard: the scatter positions must be 0, 1, …, 5');
  });

  it('a clamp narrower than the i8 range (rows gathered first: no routing-only fallback)', () => {
    const text = moeText({ ...base, gather: 'gather-first', clamp: [-127, 127] }, 'f32', 3, 2, 4, 6);
    expect(at(text, gatherFirst, 'prim.cast %q')).toBe('graph @moe: prim.cast %q: rejected: guard: the clamp [-127, 127] must contain [-128, 127], the range the cast to i8 saturates to');
  });

  it('a scale constant that broadcasts the rows', () => {
    const text = moeText({ ...base, gather: 'gather-first' }, 'f16', 3, 2, 4, 6)
      .replace('%s = prim.constant {value = @s} : () -> tensor<f16>', '%s = prim.constant {value = @s} : () -> tensor<2x6x4xf16>')
      .replace('%t = prim.mul(%xr, %s) : (tensor<6x4xf16>, tensor<f16>) -> tensor<6x4xf16>', '%t = prim.mul(%xr, %s) : (tensor<6x4xf16>, tensor<2x6x4xf16>) -> tensor<2x6x4xf16>')
      .replace('%u = prim.add(%t, %o) : (tensor<6x4xf16>, tensor<f16>) -> tensor<6x4xf16>', '%u = prim.add(%t, %o) : (tensor<2x6x4xf16>, tensor<f16>) -> tensor<2x6x4xf16>')
      .replace('%rd = prim.round(%u) : (tensor<6x4xf16>) -> tensor<6x4xf16>', '%rd = prim.round(%u) : (tensor<2x6x4xf16>) -> tensor<2x6x4xf16>')
      .replace('%c = prim.clamp(%rd) {max = 127.0, min = -128.0} : (tensor<6x4xf16>) -> tensor<6x4xf16>', '%c = prim.clamp(%rd) {max = 127.0, min = -128.0} : (tensor<2x6x4xf16>) -> tensor<2x6x4xf16>')
      .replace('%q = prim.cast(%c) {to = i8} : (tensor<6x4xf16>) -> tensor<6x4xi8>', '%q = prim.cast(%c) {to = i8} : (tensor<2x6x4xf16>) -> tensor<2x6x4xi8>')
      .replace('-> (tensor<6x4xi8>,', '-> (tensor<2x6x4xi8>,')
      .replace('@s = splat<2> : tensor<f16>', '@s = splat<2> : tensor<2x6x4xf16>');
    expect(at(text, gatherFirst, 'prim.cast %q')).toBe('graph @moe: prim.cast %q: rejected: guard: the scale and offset must not broadcast the rows [6, 4], got [2, 6, 4]');
  });

  it('an unstable sort', () => {
    const text = moeText(base, 'f16', 3, 2, 4, 6).replace('prim.argsort(%fe) {axis = 0}', 'prim.argsort(%fe) {axis = 0, stable = false}');
    expect(at(text)).toContain('prim.argsort %order: attribute stable: expected true, got false');
  });

  it('an interior value used outside the match', () => {
    const text = moeText(base, 'f16', 3, 2, 4, 6).replace('return %ex, %er, %ee', 'return %ex, %er, %ee, %tok').replace('tensor<6xi32>, tensor<6xi32>) {', 'tensor<6xi32>, tensor<6xi32>, tensor<6xi32>) {');
    expect(at(text)).toBe('graph @moe: prim.gather %ex: rejected: interior value %tok (prim.gather) is returned by the graph');
  });

  it('x with more rows than row_idx', () => {
    const text = moeText(base, 'f16', 3, 2, 4, 6).replaceAll('tensor<3x4xf16>', 'tensor<5x4xf16>').replace('(tensor<3x4xi8>, tensor<6xi32>)', '(tensor<5x4xi8>, tensor<6xi32>)').replace('-> tensor<3x4xi8>', '-> tensor<5x4xi8>');
    expect(at(text)).toBe('graph @moe: prim.gather %ex: rejected: guard: npu.moe_init_routing_quant: [moe_init_routing_quant.4] x must have 3 rows (row_idx.shape[0]), got 5');
  });
});
