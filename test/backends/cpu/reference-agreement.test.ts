// The CPU kernels of the npu.* ops and layout.trans_data against slow references written from
// the spec text alone (test/helpers/reference/): one-node graphs built through the builder
// facades over many configurations, run by the executor, compared bit for bit. The first block
// checks the references themselves on the spec's worked examples.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Feeds } from '../../../src/backends/backend.ts';
import { run } from '../../../src/backends/cpu/executor.ts';
import { Builder } from '../../../src/ir/builder.ts';
import { FractalError } from '../../../src/ir/diagnostics.ts';
import type { DType } from '../../../src/ir/dtype.ts';
import { ND, nz, type Layout } from '../../../src/ir/layout.ts';
import type { Storage, Tensor } from '../../../src/ir/storage.ts';
import { TensorType } from '../../../src/ir/types.ts';
import type { Value } from '../../../src/ir/value.ts';
import { bf16ToF32, f16FromF64, f16ToF64 } from '../../../src/numerics/float.ts';
import { refConvertWeightBytes } from '../../helpers/reference/convert-weight-to-int4-pack.ts';
import { refDynamicQuant } from '../../helpers/reference/dynamic-quant.ts';
import { BF16_SPECIAL, chance, f32Bits, F16_SPECIAL, floatBits, halfBits, intIn, magnitude, pick, rng, type Rng } from '../../helpers/reference/edge-values.ts';
import { refMoeInitRoutingQuant } from '../../helpers/reference/moe-init-routing-quant.ts';
import { f32, f32FromBits, f32ToBits, toBf16 } from '../../helpers/reference/numerics.ts';
import { refQuantMatmulAllReduce, type RefRank, type RefScale } from '../../helpers/reference/quant-matmul-all-reduce.ts';
import { refQuantize, type RawTensor } from '../../helpers/reference/quantize.ts';
import { refTransQuantParam, refTransQuantParamWord } from '../../helpers/reference/trans-quant-param.ts';
import { refNdToNz, refNdToNzInt4, refNzStorageShape, refNzToNd, refNzToNdInt4 } from '../../helpers/reference/trans-data.ts';

// ---- storages <-> plain element lists (f32 as bit patterns, so NaN payloads survive) ----

function storageOf(dtype: DType, raw: readonly (number | bigint)[]): Storage {
  switch (dtype) {
    case 'f16':
    case 'bf16':
      return Uint16Array.from(raw as number[]);
    case 'f32':
      return new Float32Array(Uint32Array.from(raw as number[]).buffer);
    case 'i8':
      return Int8Array.from(raw as number[]);
    case 'u8':
    case 'i4':
      return Uint8Array.from(raw as number[]);
    case 'i32':
      return Int32Array.from(raw as number[]);
    case 'i64':
      return BigInt64Array.from(raw as bigint[], (w) => BigInt.asIntN(64, w));
    case 'u64':
      return BigUint64Array.from(raw as bigint[], (w) => BigInt.asUintN(64, w));
    default:
      throw new Error(`no storage for ${dtype}`);
  }
}

const rawOf = (t: Tensor): (number | bigint)[] => Array.from(t.type.dtype === 'f32' ? new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length) : (t.data as ArrayLike<number | bigint>));

const bytesOf = (t: Tensor): number[] => [...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)];

const tensorOf = (type: TensorType, raw: readonly (number | bigint)[]): Tensor => ({ type, data: storageOf(type.dtype, raw) });

/** Builds a one-graph module with `build`, runs it on `feeds` and returns every rank's outputs. */
async function runGraph(worldSize: number, build: (b: Builder) => Value[], feeds: Feeds): Promise<{ outputs: Tensor[][]; warnings: number }> {
  const b = Builder.graph('g', { worldSize });
  b.return(...build(b));
  const r = await run(b.module, feeds);
  return { outputs: r.outputs, warnings: r.warnings.length };
}

/** Value of f32 bits (the references take f32 elements as values). */
const f32Values = (bits: readonly number[]) => bits.map(f32FromBits);

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// ---- the references on the spec's worked examples ----

describe('references reproduce the spec worked examples', () => {
  it('dynamic_quant.md §5', () => {
    const x = [1, -2.5, 0.5, 3, 0, 0, 0, 0, 2.5, -0.5, 3.5, 127].map(f16FromF64);
    const r = refDynamicQuant(x, 'f16', [3, 4], null, 'i8');
    expect(r.values).toEqual([42, -106, 21, 127, 0, 0, 0, 0, 2, 0, 4, 127]);
    expect(r.scaleBits).toEqual([0x3cc18306, 0, 0x3f800000]);
    const tiny = refDynamicQuant([0x02fe, 0x82fe, 0, 0x027e], 'bf16', [1, 4], null, 'i8');
    expect(tiny.values).toEqual([127, -128, 0, 127]);
    expect(tiny.scaleBits).toEqual([0x00200000]);
    const smooth = refDynamicQuant(x.slice(0, 4), 'f16', [1, 4], [2, 0.5, 1, 0.25].map(f16FromF64), 'i8');
    expect(smooth.values).toEqual([127, -79, 32, 48]);
    const i4 = refDynamicQuant([1, -2, 3.5, 0.25, -3.5, 0, 2, 1].map(f16FromF64), 'f16', [1, 8], null, 'i32');
    expect(i4.storage).toEqual([0x240907c2]);
    expect(i4.scaleBits).toEqual([f32ToBits(0.5)]);
  });

  it('quantize.md §1.4 and §2.5', () => {
    const x: RawTensor = { dtype: 'f32', shape: [2, 3], data: [-1, 0.3, 2.5, 0.75, -6, 100] };
    const s: RawTensor = { dtype: 'f32', shape: [3], data: [0.5, 0.1, 2] };
    const zp: RawTensor = { dtype: 'i8', shape: [3], data: [0, 3, -1] };
    expect(refQuantize(x, s, zp, { dtype: 'i8', axis: 1, divMode: true })).toEqual([-2, 6, 0, 2, -57, 49]);
    const xh: RawTensor = { dtype: 'f16', shape: [2, 4], data: [0.96, 1.33, -0.62, 0.55, -1.18, -1.17, -0.74, 0.97].map(f16FromF64) };
    const sh: RawTensor = { dtype: 'f16', shape: [4], data: [10, 20, 30, 40].map(f16FromF64) };
    const zh: RawTensor = { dtype: 'f16', shape: [4], data: [0.5, 0, -0.5, 1].map(f16FromF64) };
    expect(refQuantize(xh, sh, zh, { dtype: 'i8', axis: -1, divMode: false })).toEqual([10, 27, -19, 23, -11, -23, -23, 40]);
    const x2: RawTensor = { dtype: 'f32', shape: [2, 3], data: [1, 2, 3, 1, 2, 3] };
    expect(refQuantize(x2, { dtype: 'f32', shape: [2, 1], data: [0.5, 2] }, null, { dtype: 'i8', axis: -2, divMode: false })).toEqual([0, 1, 2, 2, 4, 6]);
    const x4: RawTensor = { dtype: 'f32', shape: [2, 8], data: [0, 1, 2, 3, -1, -2, -8, 7, 0.4, 0.5, 1.5, 2.5, -0.5, -1.5, 9, -20] };
    expect(refQuantize(x4, { dtype: 'f32', shape: [1], data: [1] }, null, { dtype: 'i4', axis: -1, divMode: false })).toEqual([2028941840, -2015354368]);
  });

  it('quant_matmul_all_reduce.md §3 and §7', () => {
    expect(refTransQuantParamWord(0x3dcccccd, null, 0)).toBe(70369781006336n);
    expect(refTransQuantParamWord(0x3dcccccd, -3, 0)).toBe(0x00007fa0_3dccc000n);
    expect(refTransQuantParamWord(0x3f333333, null, 0) & 0xffffffffn).toBe(0x3f332000n);
    expect(refTransQuantParamWord(0x3f333333, null, 1) & 0xffffffffn).toBe(0x3f334000n);
    expect(refTransQuantParam([0x00400000, 0x80400000, 0x7f7ff000, 0x7f800001], null, 1).map((w) => w & 0xffffffffn)).toEqual([0n, 0x80000000n, 0x7f800000n, 0x7f800000n]);
    const x1 = [[1, 2, 3, -1, 0, 4], [0, 1, 0, 2, 2, 2]];
    const x2 = [[1, 0, 0, 1, 2, -1], [3, 1, -1, 0, 0, 2]];
    const bias = [[10, -5], [0, 1]];
    const scale: RefScale = { kind: 'packed', words: [70369781006336n] };
    const ranks = [0, 1].map((r): RefRank => ({ x1: x1[r]!, x2: x2[r]!, scale, pertoken: null, bias: bias[r]!, x3: null }));
    expect(refQuantMatmulAllReduce(ranks, 2, 3, 2, 'f16', false).out.map(f16ToF64)).toEqual([1.599609375, -0.49951171875, 2.099609375, -0.2001953125]);
    const x3 = [1, 0, 0, 0.5].map(f16FromF64);
    expect(refQuantMatmulAllReduce(ranks.map((r) => ({ ...r, x3 })), 2, 3, 2, 'f16', false).out.map(f16ToF64)).toEqual([3.599609375, -0.49951171875, 2.099609375, 0.79931640625]);
    const sb: RefScale = { kind: 'bf16', bits: [0.5, 0.30078125].map(toBf16) };
    const pt = [[1, 0.5], [2, 0.25]];
    const x3b = [0.10009766, 0.20019531, 0.30078125, -0.40039062].map(toBf16);
    const ranksB = [0, 1].map((r): RefRank => ({ x1: x1[r]!, x2: x2[r]!, scale: sb, pertoken: pt[r]!, bias: bias[r]!, x3: x3b }));
    expect(refQuantMatmulAllReduce(ranksB, 2, 3, 2, 'bf16', false).out.map(bf16ToF32)).toEqual([7.71875, -0.80078125, 5.375, -1.625]);
  });

  it('convert_weight_to_int4pack.md §4', () => {
    const w = [1, -1, 7, -8, 0, 2, -3, 4, 5, 6, -7, 3, -2, -1, 0, 1];
    expect(refConvertWeightBytes(w, 2, 8, 'nd')).toEqual([0xf1, 0x87, 0x20, 0x4d, 0x65, 0x39, 0xfe, 0x10]);
    const nzBytes = refConvertWeightBytes(w, 2, 8, 'nz');
    expect(nzBytes.length).toBe(512);
    const words = new Int32Array(Uint8Array.from(nzBytes).buffer);
    expect([words[0], words[8]]).toEqual([1293977585, 285096293]);
    expect(words.filter((v) => v !== 0).length).toBe(2);
  });

  it('moe_init_routing_quant.md §5', () => {
    const x = [0.1, 0.2, 0.3, 0.4, 1, -1, 2, -2, 0.25, 0.75, -0.25, 12.7].map(f32);
    const r = refMoeInitRoutingQuant(x, 'f32', 3, 4, [0, 3, 1, 4, 2, 5], [1, 2, 0, 1, 0, 2], 2, 3, 10, 0.5);
    expect(r.expandedExpertIdx).toEqual([0, 0, 1, 1, 2, 2]);
    expect(r.expandedRowIdx).toEqual([2, 0, 1, 4, 3, 5]);
    expect(r.expandedX).toEqual([10, -10, 20, -20, 3, 8, -2, 127, 2, 2, 4, 4, 10, -10, 20, -20, 2, 2, 4, 4, 3, 8, -2, 127]);
  });

  it('layout.md §2.8', () => {
    const nd = Array.from({ length: 3 * 40 }, (_, e) => e + 1);
    const z = refNdToNz(nd, [3, 40], 32);
    expect(z.length).toBe(1024);
    expect(z[579]).toBe(nd[2 * 40 + 35]);
    expect(refNzStorageShape([510, 270], 32)).toEqual([9, 32, 16, 32]);
    const nd3 = Array.from({ length: 2 * 3 * 40 }, (_, e) => e + 1);
    const z3 = refNdToNz(nd3, [2, 3, 40], 32);
    expect(z3[1603]).toBe(nd3[(1 * 3 + 2) * 40 + 35]);
    expect(z3.filter((v) => v === 0).length).toBe(1808);
  });
});

// ---- npu.dynamic_quant ----

/** A row of one of the edge kinds, as f16/bf16 bits. */
function dynamicRow(r: Rng, dtype: 'f16' | 'bf16', h: number, qmax: number): number[] {
  const round = (v: number) => (dtype === 'f16' ? f16FromF64(v) : toBf16(v));
  const kind = intIn(r, 0, 8);
  const row = Array.from({ length: h }, () => halfBits(r, dtype, 2 ** intIn(r, -12, 12)));
  const at = () => intIn(r, 0, h - 1);
  if (h === 0) return row;
  switch (kind) {
    case 1: // zeros of both signs
      return row.map(() => (chance(r, 0.5) ? 0x8000 : 0));
    case 2: // exact ties once scaled: amax = QMAX, so inv = 1
      return row.map((_, j) => round(j === 0 ? qmax : (intIn(r, -qmax, qmax - 1) + 0.5) * (chance(r, 0.2) ? -1 : 1)));
    case 3:
      row[at()] = pick(r, dtype === 'f16' ? [0x7c00, 0xfc00] : [0x7f80, 0xff80]);
      return row;
    case 4:
      row[at()] = pick(r, dtype === 'f16' ? [0x7e00, 0x7c01, 0xfe00] : [0x7fc0, 0x7f81, 0xffc1]);
      return row;
    case 5: // tiny amax: QMAX/amax overflows f32 (reachable from bf16)
      return row.map(() => (dtype === 'bf16' ? intIn(r, 0, 0x02fe) | (chance(r, 0.5) ? 0x8000 : 0) : intIn(r, 0, 3) | (chance(r, 0.5) ? 0x8000 : 0)));
    case 6: // near the maximum
      return row.map(() => pick(r, dtype === 'f16' ? F16_SPECIAL.slice(11, 13) : BF16_SPECIAL.slice(14, 16)) ^ (chance(r, 0.5) ? intIn(r, 0, 3) : 0));
    default:
      return row;
  }
}

describe('npu.dynamic_quant agrees with the reference', () => {
  const config = fc.record({
    dtype: fc.constantFrom<'f16' | 'bf16'>('f16', 'bf16'),
    rank: fc.integer({ min: 2, max: 8 }),
    dst: fc.constantFrom<'i8' | 'i4' | 'i32'>('i8', 'i4', 'i32'),
    smooth: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  });

  it('every rank 2..8, dst type and smoothing, edge rows', async () => {
    await fc.assert(
      fc.asyncProperty(config, async ({ dtype, rank, dst, smooth, seed }) => {
        const r = rng(seed);
        const unit = dst === 'i32' ? 8 : dst === 'i4' ? 2 : 1;
        const h = chance(r, 0.05) ? 0 : unit * intIn(r, 1, Math.ceil(40 / unit));
        const lead = Array.from({ length: rank - 1 }, () => (chance(r, 0.03) ? 0 : intIn(r, 1, rank > 4 ? 2 : 4)));
        const shape = [...lead, h];
        const rows = prod(lead);
        const qmax = dst === 'i8' ? 127 : 7;
        const x = Array.from({ length: rows }, () => dynamicRow(r, dtype, h, qmax)).flat();
        const sm = smooth ? Array.from({ length: h }, () => (chance(r, 0.1) ? halfBits(r, dtype) : dtype === 'f16' ? f16FromF64(magnitude(r, -3, 3)) : toBf16(magnitude(r, -3, 3)))) : null;
        const xType = new TensorType(shape, dtype);
        const feeds: Record<string, Tensor> = { x: tensorOf(xType, x) };
        if (sm) feeds['smooth'] = tensorOf(new TensorType([h], dtype), sm);
        const { outputs } = await runGraph(
          1,
          (b) => {
            const q = b.npu.dynamicQuant(b.param(xType, 'x'), { smoothScales: sm ? b.param(new TensorType([h], dtype), 'smooth') : undefined, dstType: dst });
            return [q.y, q.scale];
          },
          feeds,
        );
        const want = refDynamicQuant(x, dtype, shape, sm, dst);
        const [y, scale] = outputs[0]!;
        expect(rawOf(y!)).toEqual(want.storage);
        expect(rawOf(scale!)).toEqual(want.scaleBits);
      }),
      { numRuns: 400 },
    );
  });
});

// ---- npu.quantize ----

type QDType = 'i8' | 'u8' | 'i32' | 'i4';
type Float = 'f32' | 'f16' | 'bf16';
const FLOATS: readonly Float[] = ['f32', 'f16', 'bf16'];

interface QuantizeCase {
  readonly divMode: boolean;
  readonly x: Float;
  readonly scales: Float;
  readonly zp: Float | 'i8' | 'u8' | 'i32' | null;
  readonly dtype: QDType;
}

/** Every dtype combination the spec accepts: §1.1 / §1.3 (div_mode = true), §2.1 / §2.4 (false). */
function quantizeCombos(): QuantizeCase[] {
  const out: QuantizeCase[] = [];
  for (const x of FLOATS)
    for (const scales of FLOATS) {
      for (const zp of [null, 'i8', 'u8', 'i32', 'bf16'] as const)
        for (const dtype of ['i8', 'u8', 'i32'] as const) {
          const bf16 = scales === 'bf16' || zp === 'bf16';
          if (!bf16 || (x === 'bf16' && scales === 'bf16' && (zp === null || zp === 'bf16'))) out.push({ divMode: true, x, scales, zp, dtype });
        }
      if (x !== 'f32' && scales !== x) continue;
      for (const zp of [null, scales])
        for (const dtype of ['i8', 'i4'] as const) out.push({ divMode: false, x, scales, zp, dtype });
    }
  return out;
}

/** Raw elements of a dtype: floats from the edge mixture, integers across their range. */
function rawElements(r: Rng, dtype: Float | 'i8' | 'u8' | 'i32', n: number, kind: 'x' | 'scale' | 'zp'): number[] {
  return Array.from({ length: n }, () => {
    if (dtype === 'i8') return intIn(r, -128, 127);
    if (dtype === 'u8') return intIn(r, 0, 255);
    if (dtype === 'i32') return chance(r, 0.2) ? pick(r, [2 ** 31 - 1, -(2 ** 31), 2 ** 24 + 1, -(2 ** 24) - 3]) : intIn(r, -300, 300);
    if (kind === 'x' && chance(r, 0.3)) {
      const half = (intIn(r, -300, 300) + 0.5) * pick(r, [1, 0.5, 0.25]);
      return dtype === 'f32' ? f32ToBits(half) : dtype === 'f16' ? f16FromF64(half) : toBf16(half);
    }
    if (kind === 'scale' && chance(r, 0.5)) {
      const s = pick(r, [1, 0.5, 2, 0.25, -1, 4, 0.1, 3]);
      return dtype === 'f32' ? f32ToBits(s) : dtype === 'f16' ? f16FromF64(s) : toBf16(s);
    }
    return floatBits(r, dtype, kind === 'x' ? 2 ** intIn(r, -4, 12) : kind === 'zp' ? 8 : 4);
  });
}

/** The reference takes f32 elements as values. */
const refRaw = (dtype: RawTensor['dtype'], shape: number[], raw: number[]): RawTensor => ({ dtype, shape, data: dtype === 'f32' ? f32Values(raw) : raw });

async function checkQuantize(c: QuantizeCase, shape: number[], axis: number, scaleShape: number[], seed: number): Promise<void> {
  const r = rng(seed);
  const x = rawElements(r, c.x, prod(shape), 'x');
  const s = rawElements(r, c.scales, prod(scaleShape), 'scale');
  const z = c.zp ? rawElements(r, c.zp, prod(scaleShape), 'zp') : null;
  const xType = new TensorType(shape, c.x);
  const sType = new TensorType(scaleShape, c.scales);
  const zType = c.zp ? new TensorType(scaleShape, c.zp) : null;
  const feeds: Record<string, Tensor> = { x: tensorOf(xType, x), s: tensorOf(sType, s) };
  if (zType && z) feeds['z'] = tensorOf(zType, z);
  const { outputs } = await runGraph(
    1,
    (b) => [b.npu.quantize(b.param(xType, 'x'), b.param(sType, 's'), { zeroPoints: zType ? b.param(zType, 'z') : undefined, dtype: c.dtype, axis, divMode: c.divMode })],
    feeds,
  );
  const want = refQuantize(refRaw(c.x, shape, x), refRaw(c.scales, scaleShape, s), c.zp && z ? refRaw(c.zp, scaleShape, z) : null, { dtype: c.dtype, axis, divMode: c.divMode });
  expect(rawOf(outputs[0]![0]!), `${JSON.stringify(c)} shape ${shape} axis ${axis} scales ${scaleShape} seed ${seed}`).toEqual(want);
}

/** A random x shape of rank 1..8 (last dim a multiple of 8 for dtype i4). */
function quantizeShape(r: Rng, c: QuantizeCase, minRank = 1): number[] {
  const rank = intIn(r, minRank, chance(r, 0.2) ? 8 : 4);
  const shape = Array.from({ length: rank }, () => intIn(r, 1, rank > 4 ? 2 : 6));
  if (c.dtype === 'i4') shape[rank - 1] = 8 * intIn(r, 1, 3);
  if (chance(r, 0.04)) shape[intIn(r, 0, rank - 1)] = 0;
  return shape;
}

describe('npu.quantize agrees with the reference', () => {
  const combos = quantizeCombos();

  it('covers every accepted dtype combination', () => {
    // div_mode = true: 3 x · 3 scales · 5 zero points · 3 dtypes, less the bf16 coupling;
    // div_mode = false: f32 x with 3 scale dtypes, f16/bf16 x with their own, zp none or alike, i8/i4.
    expect(combos.filter((c) => c.divMode).length).toBe(3 * 2 * 4 * 3 + 2 * 3);
    expect(combos.filter((c) => !c.divMode).length).toBe(5 * 2 * 2);
  });

  it('div_mode = true: per tensor and per axis, every axis in [-r, r)', async () => {
    let seed = 1;
    for (const c of combos.filter((c) => c.divMode)) {
      for (let v = 0; v < 4; v++, seed++) {
        const r = rng(seed);
        const shape = quantizeShape(r, c);
        const rank = shape.length;
        if (v === 0) {
          // size-1 scales ignore the axis, whatever it is
          await checkQuantize(c, shape, intIn(r, -20, 20), [1], seed);
        } else {
          const axis = intIn(r, -rank, rank - 1);
          await checkQuantize(c, shape, axis, [shape[axis < 0 ? axis + rank : axis]!], seed);
        }
      }
    }
  });

  it('div_mode = false: axis -2 / any axis >= -1, scales [1], [d], rank-r with 1 or d at the axis', async () => {
    let seed = 1000;
    for (const c of combos.filter((c) => !c.divMode)) {
      for (let v = 0; v < 10; v++, seed++) {
        const r = rng(seed);
        const shape = quantizeShape(r, c);
        const rank = shape.length;
        const axis = rank >= 2 && chance(r, 0.4) ? -2 : intIn(r, -1, rank - 1);
        const e = axis === -2 ? rank - 2 : rank - 1;
        const d = shape[e]!;
        const scaleShape = [[1], [d], shape.map(() => 1), shape.map((_, i) => (i === e ? d : 1))][v % 4]!;
        await checkQuantize(c, shape, axis, scaleShape, seed);
      }
    }
  });

  it('the verifier accepts exactly the axes and scale shapes the spec allows', () => {
    // quantize.md §1.3 rule 2 and §2.2: checked on random (axis, scale shape) pairs.
    const legal = (divMode: boolean, shape: number[], axis: number, s: number[]): boolean => {
      const rank = shape.length;
      if (divMode) {
        if (s.length !== 1) return false;
        if (s[0] === 1) return true;
        return axis >= -rank && axis < rank && s[0] === shape[axis < 0 ? axis + rank : axis];
      }
      if (!((axis >= -1 || (axis === -2 && rank >= 2)) && axis < rank)) return false;
      const e = axis === -2 ? rank - 2 : rank - 1;
      const fits = (v: number) => v === 1 || v === shape[e];
      return s.length === 1 ? fits(s[0]!) : s.length === rank && s.every((v, i) => (i === e ? fits(v) : v === 1));
    };
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: -6, max: 6 }), fc.integer({ min: 0, max: 2 ** 20 }), (divMode, shape, axis, seed) => {
        const r = rng(seed + 1);
        const rank = shape.length;
        const s = chance(r, 0.5) ? [pick(r, [1, ...shape, 5])] : Array.from({ length: chance(r, 0.8) ? rank : rank + 1 }, (_, i) => pick(r, [1, 1, shape[i] ?? 3, 5]));
        const b = Builder.graph('g');
        let accepted = true;
        try {
          b.npu.quantize(b.param(new TensorType(shape, 'f32'), 'x'), b.param(new TensorType(s, 'f32'), 's'), { dtype: 'i8', axis, divMode });
        } catch (e) {
          if (!(e instanceof FractalError) || e.code !== 'VERIFY') throw e;
          accepted = false;
        }
        expect(accepted, `div_mode ${divMode} x ${shape} axis ${axis} scales ${s}`).toBe(legal(divMode, shape, axis, s));
      }),
      { numRuns: 400 },
    );
  });
});

// ---- npu.trans_quant_param ----

/** Scale bit patterns that exercise both round modes: ties, carries to Inf, subnormals, NaN payloads. */
const SCALE_BITS = [
  0x00000000, 0x80000000, 0x00400000, 0x80400000, 0x00000001, 0x807fffff, 0x00800000, 0x00801000, 0x00803000, 0x7f7fefff, 0x7f7ff000, 0x7f7ff001,
  0x7f7fffff, 0xff7ff000, 0xff7fffff, 0x7f800000, 0xff800000, 0x7f800001, 0x7f801fff, 0x7fbfffff, 0x7fc00000, 0xffc00001, 0x3dcccccd, 0x3f333333,
  0x3f801000, 0x3f803000, 0x3f800fff, 0x3f801001, 0xbf801000, 0xbf803000,
];
const OFFSETS = [0, -0, 0.5, 1.5, 2.5, -0.5, -1.5, 255.5, 256.5, -256.5, -255.5, 254.5, -257, 1000, -1000, Infinity, -Infinity, NaN, 3.7, -3];

describe('npu.trans_quant_param agrees with the reference', () => {
  it('round modes 0/1, offsets, broadcasting, 1-D and 2-D shapes, u64 and i64', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          roundMode: fc.constantFrom<0 | 1>(0, 1),
          out: fc.constantFrom<'u64' | 'i64'>('u64', 'i64'),
          scale2d: fc.boolean(),
          offset: fc.constantFrom('none', 'same', 'one', 'scale-one', 'one-2d'),
          t: fc.integer({ min: 1, max: 12 }),
          seed: fc.integer({ min: 1, max: 2 ** 30 }),
        }),
        async ({ roundMode, out, scale2d, offset, t, seed }) => {
          const r = rng(seed);
          // Lengths: t' = t, t' = 1, or t = 1 with a longer offset (1-D scale only).
          let ts = t;
          let to = offset === 'none' ? 0 : offset === 'same' ? t : 1;
          if (offset === 'scale-one' && !scale2d) [ts, to] = [1, t];
          const scaleBits = Array.from({ length: ts }, () => (chance(r, 0.6) ? pick(r, SCALE_BITS) : f32Bits(r, 2 ** intIn(r, -20, 4))));
          const offsets = to > 0 ? Array.from({ length: to }, () => f32(chance(r, 0.6) ? pick(r, OFFSETS) : (r() * 2 - 1) * 600)) : null;
          const sType = new TensorType(scale2d ? [1, ts] : [ts], 'f32');
          const oType = offsets ? new TensorType(offset === 'one-2d' || (scale2d && chance(r, 0.5)) ? [1, to] : [to], 'f32') : null;
          const feeds: Record<string, Tensor> = { s: tensorOf(sType, scaleBits) };
          if (oType && offsets) feeds['o'] = tensorOf(oType, offsets.map(f32ToBits));
          const { outputs } = await runGraph(1, (b) => [b.npu.transQuantParam(b.param(sType, 's'), { offset: oType ? b.param(oType, 'o') : undefined, roundMode, outDtype: out })], feeds);
          const got = outputs[0]![0]!;
          expect(got.type.shape).toEqual(scale2d ? [1, ts] : [Math.max(ts, to)]);
          const want = refTransQuantParam(scaleBits, offsets, roundMode);
          expect(rawOf(got).map((w) => BigInt.asUintN(64, w as bigint))).toEqual(want);
        },
      ),
      { numRuns: 400 },
    );
  });
});

// ---- npu.quant_matmul_all_reduce ----

type ScaleKind = 'u64' | 'i64' | 'f32' | 'bf16';

interface QmmConfig {
  readonly world: 1 | 2 | 4 | 8;
  readonly out: 'f16' | 'bf16';
  readonly pertoken: boolean;
  readonly scaleKind: ScaleKind;
  readonly scaleShape: 'one' | 'n' | '1n';
  readonly bias: boolean;
  readonly x3: boolean;
  readonly x1Rank3: boolean;
  readonly nz: boolean;
  readonly transpose: boolean;
  readonly seed: number;
}

const qmmConfig: fc.Arbitrary<QmmConfig> = fc
  .record({
    world: fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8),
    out: fc.constantFrom<'f16' | 'bf16'>('f16', 'bf16'),
    pertoken: fc.boolean(),
    packed: fc.constantFrom<'u64' | 'i64'>('u64', 'i64'),
    scaleShape: fc.constantFrom<'one' | 'n' | '1n'>('one', 'n', '1n'),
    bias: fc.boolean(),
    x3: fc.boolean(),
    x1Rank3: fc.boolean(),
    nz: fc.boolean(),
    transpose: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .map(({ packed, ...c }) => ({ ...c, scaleKind: c.out === 'bf16' ? 'bf16' : c.pertoken ? 'f32' : packed }));

/** One f32 dequant scale: ordinary magnitudes with non-zero low 13 bits, sometimes special. */
function scaleValueBits(r: Rng): number {
  if (chance(r, 0.06)) return pick(r, [0x7f800000, 0xff800000, 0x7fc00000, 0x00000001, 0x80000000, 0x00000000, 0x7f7fffff]);
  return f32ToBits(f32(magnitude(r, -16, -2)));
}

describe('npu.quant_matmul_all_reduce agrees with the canonical per-rank algorithm', () => {
  it('world sizes 1/2/4/8, every scale dtype and shape, bias, x3, 2-D/3-D x1, ND/NZ, transpose_x2', async () => {
    await fc.assert(
      fc.asyncProperty(qmmConfig, async (c) => {
        const r = rng(c.seed);
        const k = chance(r, 0.3) ? intIn(r, 1, 8) : intIn(r, 9, 300);
        const n = chance(r, 0.15) ? 1 : intIn(r, 2, 40);
        const lead = c.x1Rank3 ? [intIn(r, 1, 3), intIn(r, 1, 4)] : [intIn(r, 1, 7)];
        const m = prod(lead);
        const stored = c.transpose ? [n, k] : [k, n];
        const x2Layout: Layout = c.nz ? nz(32) : ND;
        const scaleShape = c.scaleShape === 'one' ? [1] : c.scaleShape === 'n' ? [n] : [1, n];
        const scaleLen = prod(scaleShape);
        const ranks = Array.from({ length: c.world }, () => {
          const int8 = (len: number) => Array.from({ length: len }, () => (chance(r, 0.1) ? pick(r, [-128, 127]) : intIn(r, -128, 127)));
          const x1 = int8(m * k);
          const x2 = int8(k * n);
          const sBits = Array.from({ length: scaleLen }, () => scaleValueBits(r));
          // Packed words: the scale's bits with random offset / flag bits above (decoding ignores them).
          const words = sBits.map((u) => BigInt(u) | (chance(r, 0.5) ? refTransQuantParamWord(0, intIn(r, -256, 255), 0) & ~0xffffffffn : BigInt(intIn(r, 0, 0xffffffff)) << 32n));
          const scale: RefScale = c.scaleKind === 'u64' || c.scaleKind === 'i64' ? { kind: 'packed', words } : c.scaleKind === 'f32' ? { kind: 'f32', values: f32Values(sBits) } : { kind: 'bf16', bits: sBits.map((u) => u >>> 16) };
          const pertoken = c.pertoken ? Array.from({ length: m }, () => (chance(r, 0.05) ? f32FromBits(pick(r, [0x7f800000, 0x7fc00000, 0x80000000])) : f32(magnitude(r, -6, 3)))) : null;
          const bias = c.bias ? Array.from({ length: n }, () => (chance(r, 0.15) ? pick(r, [2 ** 31 - 1, -(2 ** 31), 2 ** 31 - 5000]) : intIn(r, -100000, 100000))) : null;
          const x3 = c.x3 ? Array.from({ length: m * n }, () => (chance(r, 0.1) ? halfBits(r, c.out) : c.out === 'f16' ? f16FromF64(magnitude(r, -4, 16)) : toBf16(magnitude(r, -4, 16)))) : null;
          return { x1, x2, scale, sBits, words, pertoken, bias, x3 } satisfies RefRank & Record<string, unknown>;
        });

        const x1Type = new TensorType([...lead, k], 'i8');
        const x2Type = new TensorType(stored, 'i8', x2Layout);
        const scaleDtype: DType = c.scaleKind;
        const sType = new TensorType(scaleShape, scaleDtype);
        const pType = new TensorType([m], 'f32');
        const bType = new TensorType([n], 'i32');
        const x3Type = new TensorType([...lead, n], c.out);
        const feeds: Record<string, Tensor[]> = {
          x1: ranks.map((q) => tensorOf(x1Type, q.x1)),
          x2: ranks.map((q) => tensorOf(x2Type, c.nz ? refNdToNz(q.x2, stored, 32) : q.x2)),
          s: ranks.map((q) => tensorOf(sType, c.scaleKind === 'bf16' ? q.sBits.map((u) => u >>> 16) : c.scaleKind === 'f32' ? q.sBits : q.words)),
        };
        if (c.pertoken) feeds['p'] = ranks.map((q) => tensorOf(pType, q.pertoken!.map(f32ToBits)));
        if (c.bias) feeds['bias'] = ranks.map((q) => tensorOf(bType, q.bias!));
        if (c.x3) feeds['x3'] = ranks.map((q) => tensorOf(x3Type, q.x3!));
        const { outputs } = await runGraph(
          c.world,
          (b) => [
            b.npu.quantMatmulAllReduce(b.param(x1Type, 'x1'), b.param(x2Type, 'x2'), b.param(sType, 's'), {
              pertokenScale: c.pertoken ? b.param(pType, 'p') : undefined,
              bias: c.bias ? b.param(bType, 'bias') : undefined,
              x3: c.x3 ? b.param(x3Type, 'x3') : undefined,
              transposeX2: c.transpose,
              outDtype: c.out,
            }),
          ],
          feeds,
        );
        const want = refQuantMatmulAllReduce(ranks, m, k, n, c.out, c.transpose).out;
        for (let rank = 0; rank < c.world; rank++) {
          const got = outputs[rank]![0]!;
          expect(got.type.shape).toEqual([...lead, n]);
          expect(rawOf(got), `rank ${rank} of ${JSON.stringify(c)}`).toEqual(want);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('blocked GEMM paths: k across several 512-blocks, M and n past one cache block', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 2 ** 30 }), async (nzX2, transpose, seed) => {
        const r = rng(seed);
        const [m, k, n] = [intIn(r, 60, 90), intIn(r, 500, 1600), intIn(r, 60, 80)];
        const stored = transpose ? [n, k] : [k, n];
        const int8 = (len: number) => Array.from({ length: len }, () => (chance(r, 0.5) ? pick(r, [-128, 127]) : intIn(r, -128, 127)));
        const scaleBits = [0, 1].map(() => toBf16(magnitude(r, -30, -20)));
        const ranks: RefRank[] = scaleBits.map((s) => ({ x1: int8(m * k), x2: int8(k * n), scale: { kind: 'bf16', bits: [s] }, pertoken: null, bias: null, x3: null }));
        const x1Type = new TensorType([m, k], 'i8');
        const x2Type = new TensorType(stored, 'i8', nzX2 ? nz(32) : ND);
        const sType = new TensorType([1], 'bf16');
        const { outputs } = await runGraph(2, (b) => [b.npu.quantMatmulAllReduce(b.param(x1Type, 'x1'), b.param(x2Type, 'x2'), b.param(sType, 's'), { outDtype: 'bf16', transposeX2: transpose })], {
          x1: ranks.map((q) => tensorOf(x1Type, q.x1)),
          x2: ranks.map((q) => tensorOf(x2Type, nzX2 ? refNdToNz(q.x2, stored, 32) : q.x2)),
          s: scaleBits.map((s) => tensorOf(sType, [s])),
        });
        expect(rawOf(outputs[0]![0]!)).toEqual(refQuantMatmulAllReduce(ranks, m, k, n, 'bf16', transpose).out);
      }),
      { numRuns: 6 },
    );
  });

  it('the sum runs in f32 in ascending rank order, then rounds once', async () => {
    // Rank outputs (bf16) 1, 2^-24, 2^-24, 2^-8: in rank order each 2^-24 is a tie in f32 that
    // rounds back to 1, and 1 + 2^-8 is a bf16 tie that goes to 1. Summed from the last rank
    // the small terms survive (1 + 2^-8 + 2^-23) and bf16 gives 1 + 2^-7.
    const vals = [1, 2 ** -24, 2 ** -24, 2 ** -8];
    const x1Type = new TensorType([1, 1], 'i8');
    const sType = new TensorType([1], 'bf16');
    const { outputs } = await runGraph(4, (b) => [b.npu.quantMatmulAllReduce(b.param(x1Type, 'x1'), b.param(x1Type, 'x2'), b.param(sType, 's'), { outDtype: 'bf16' })], {
      x1: tensorOf(x1Type, [1]),
      x2: tensorOf(x1Type, [1]),
      s: vals.map((v) => tensorOf(sType, [toBf16(v)])),
    });
    const ranks: RefRank[] = vals.map((v) => ({ x1: [1], x2: [1], scale: { kind: 'bf16', bits: [toBf16(v)] }, pertoken: null, bias: null, x3: null }));
    const want = refQuantMatmulAllReduce(ranks, 1, 1, 1, 'bf16', false).out;
    expect(want.map(bf16ToF32)).toEqual([1]);
    expect(refQuantMatmulAllReduce([...ranks].reverse(), 1, 1, 1, 'bf16', false).out.map(bf16ToF32)).toEqual([1 + 2 ** -7]);
    for (const rank of outputs) expect(rawOf(rank[0]!)).toEqual(want);
  });
});

// ---- npu.convert_weight_to_int4_pack ----

describe('npu.convert_weight_to_int4_pack agrees with the reference', () => {
  it('i4 / i32 results, ND / NZ, odd d0, out-of-range values masked with one warning', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'i4' | 'i32'>('i4', 'i32'),
        fc.constantFrom<'nd' | 'nz'>('nd', 'nz'),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        async (dtype, format, d0, seed) => {
          const r = rng(seed);
          const d1 = (dtype === 'i4' ? 2 : 8) * intIn(r, 1, dtype === 'i4' ? 80 : 20);
          const wild = chance(r, 0.3);
          const w = Array.from({ length: d0 * d1 }, () => (wild && chance(r, 0.05) ? pick(r, [8, -9, 100, -(2 ** 31), 2 ** 31 - 1, 16, -16]) : intIn(r, -8, 7)));
          const wType = new TensorType([d0, d1], 'i32');
          const { outputs, warnings } = await runGraph(1, (b) => [b.npu.convertWeightToInt4Pack(b.param(wType, 'w'), { outDtype: dtype, layout: format })], { w: tensorOf(wType, w) });
          const got = outputs[0]![0]!;
          expect(got.type.shape).toEqual(dtype === 'i4' ? [d0, d1] : [d0, d1 / 8]);
          expect(bytesOf(got)).toEqual(refConvertWeightBytes(w, d0, d1, format));
          expect(warnings).toBe(w.some((v) => v < -8 || v > 7) ? 1 : 0);
        },
      ),
      { numRuns: 150 },
    );
  });
});

// ---- npu.moe_init_routing_quant ----

const MOE_SCALES = [1, 0.1, 1 / 3, -2, 0.5, 2, 1000, 1e-6, 65504, 3.14159, -0.7];
const MOE_OFFSETS = [0, 0.5, -0.5, 1.5, -3, 0.1, 127.5, -128.5, 1 / 3, 70000];

describe('npu.moe_init_routing_quant agrees with the reference', () => {
  it('f16/bf16/f32, K 1..8, active_num 0 / < / = / > N, tied expert ids, random row_idx permutations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Float>('f16', 'bf16', 'f32'),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom('zero', 'less', 'equal', 'more'),
        fc.integer({ min: 1, max: 2 ** 30 }),
        async (dtype, n, k, active, seed) => {
          const r = rng(seed);
          const h = chance(r, 0.05) ? 0 : intIn(r, 1, 24);
          const activeNum = active === 'zero' ? 0 : active === 'less' ? intIn(r, 0, n - 1) : active === 'equal' ? n : n + intIn(r, 1, 100);
          // Exact halves and small integers make ties after scaling (with scales 1, 2, 0.5, offsets ±0.5, 1.5).
          const tieValue = () => intIn(r, -300, 300) / 2;
          const encode = (v: number) => (dtype === 'f16' ? f16FromF64(v) : dtype === 'bf16' ? toBf16(v) : f32ToBits(v));
          const x = Array.from({ length: n * h }, () => (chance(r, 0.3) ? encode(tieValue()) : floatBits(r, dtype, 2 ** intIn(r, -8, 10))));
          const experts = chance(r, 0.2) ? 2 ** 24 - 1 : intIn(r, 1, 6); // few ids: many ties
          const expertIdx = Array.from({ length: n * k }, () => (chance(r, 0.9) ? intIn(r, 0, Math.min(experts, 5)) : intIn(r, 0, experts)));
          const canonical = Array.from({ length: n * k }, (_, p) => (p % k) * n + Math.floor(p / k));
          const rowIdx = chance(r, 0.3) ? canonical : [...canonical].sort(() => r() - 0.5);
          const scale = chance(r, 0.7) ? pick(r, MOE_SCALES) : magnitude(r, -10, 10);
          const offset = chance(r, 0.7) ? pick(r, MOE_OFFSETS) : magnitude(r, -4, 6);
          const xType = new TensorType([n, h], dtype);
          const iType = new TensorType([n, k], 'i32');
          const { outputs } = await runGraph(
            1,
            (b) => {
              const o = b.npu.moeInitRoutingQuant(b.param(xType, 'x'), b.param(iType, 'row_idx'), b.param(iType, 'expert_idx'), { activeNum, scale, offset });
              return [o.expandedX, o.expandedRowIdx, o.expandedExpertIdx];
            },
            { x: tensorOf(xType, x), row_idx: tensorOf(iType, rowIdx), expert_idx: tensorOf(iType, expertIdx) },
          );
          const want = refMoeInitRoutingQuant(dtype === 'f32' ? f32Values(x) : x, dtype, n, h, rowIdx, expertIdx, k, activeNum, scale, offset);
          const [ex, er, ee] = outputs[0]!;
          expect(ex!.type.shape).toEqual([Math.min(n, activeNum) * k, h]);
          expect(rawOf(ex!)).toEqual(want.expandedX);
          expect(rawOf(er!)).toEqual(want.expandedRowIdx);
          expect(rawOf(ee!)).toEqual(want.expandedExpertIdx);
        },
      ),
      { numRuns: 200 },
    );
  });
});

// ---- layout.trans_data ----

const TRANS_DTYPES: readonly [DType, number][] = [
  ['f16', 16],
  ['bf16', 16],
  ['f32', 8],
  ['f32', 16],
  ['i8', 32],
  ['u8', 32],
  ['i4', 64],
  ['i32', 8],
  ['i32', 16],
];

/** Raw ND elements of a dtype (f32 as bits with NaN payloads; i4 as packed bytes). */
function layoutElements(r: Rng, dtype: DType, count: number): number[] {
  switch (dtype) {
    case 'f16':
    case 'bf16':
    case 'f32':
      return Array.from({ length: count }, () => floatBits(r, dtype));
    case 'i8':
      return Array.from({ length: count }, () => intIn(r, -128, 127));
    case 'u8':
      return Array.from({ length: count }, () => intIn(r, 0, 255));
    case 'i4':
      return Array.from({ length: Math.ceil(count / 2) }, () => intIn(r, 0, 255));
    default:
      return Array.from({ length: count }, () => intIn(r, -(2 ** 31), 2 ** 31 - 1));
  }
}

describe('layout.trans_data agrees with the reference', () => {
  it('every dtype and legal c0 (f32/i32 8 and 16), batch dims, ND -> NZ -> ND, and same-layout copies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...TRANS_DTYPES), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 2 ** 30 }), async ([dtype, c0], batchRank, seed) => {
        const r = rng(seed);
        const m = chance(r, 0.05) ? 0 : intIn(r, 1, 40);
        let n = chance(r, 0.05) ? 0 : intIn(r, 1, 2 * c0 + 5);
        if (dtype === 'i4' && n % 2 === 1) n++;
        const shape = [...Array.from({ length: batchRank }, () => intIn(r, 1, 3)), m, n];
        const nd = layoutElements(r, dtype, prod(shape));
        const ndType = new TensorType(shape, dtype);
        const nzType = ndType.with({ layout: nz(c0) });
        const { outputs } = await runGraph(
          1,
          (b) => {
            const x = b.param(ndType, 'x');
            const z = b.layout.transData(x, nzType);
            return [z, b.layout.toNd(z), b.layout.transData(z, nzType), b.layout.transData(x, ndType)];
          },
          { x: tensorOf(ndType, nd) },
        );
        const [z, back, zCopy, ndCopy] = outputs[0]!;
        const wantNz = dtype === 'i4' ? refNdToNzInt4(nd, shape, c0) : refNdToNz(nd, shape, c0);
        expect(z!.type.storageShape).toEqual(refNzStorageShape(shape, c0));
        expect(rawOf(z!)).toEqual(wantNz);
        expect(rawOf(back!)).toEqual(nd);
        expect(rawOf(zCopy!)).toEqual(wantNz);
        expect(rawOf(ndCopy!)).toEqual(nd);
      }),
      { numRuns: 200 },
    );
  });

  it('NZ -> ND reads only the view: padding garbage is ignored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...TRANS_DTYPES), fc.integer({ min: 1, max: 2 ** 30 }), async ([dtype, c0], seed) => {
        const r = rng(seed);
        let n = intIn(r, 1, 2 * c0 + 5);
        if (dtype === 'i4' && n % 2 === 1) n++;
        const shape = [intIn(r, 1, 2), intIn(r, 1, 33), n];
        const nzType = new TensorType(shape, dtype, nz(c0));
        const storage = layoutElements(r, dtype, nzType.storageNumel); // padding is random too
        const { outputs } = await runGraph(1, (b) => [b.layout.toNd(b.param(nzType, 'x'))], { x: tensorOf(nzType, storage) });
        const want = dtype === 'i4' ? refNzToNdInt4(storage, shape, c0) : refNzToNd(storage, shape, c0);
        expect(rawOf(outputs[0]![0]!)).toEqual(want);
      }),
      { numRuns: 120 },
    );
  });
});
