// Golden cases in configurations the shared vectors do not show (conformance/README.md format),
// written into a temp dir with expected outputs from the spec references
// (test/helpers/reference/), run through runCase; every written output is also compared byte for
// byte with the expected file.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCase } from '../../src/io/cases.ts';
import { encodeNpy, readNpy, writeNpy, type NpyArray } from '../../src/io/npy.ts';
import { f16FromF64 } from '../../src/numerics/float.ts';
import { refConvertWeightBytes } from '../helpers/reference/convert-weight-to-int4-pack.ts';
import { refDynamicQuant } from '../helpers/reference/dynamic-quant.ts';
import { chance, floatBits, halfBits, intIn, magnitude, pick, rng, type Rng } from '../helpers/reference/edge-values.ts';
import { refMoeInitRoutingQuant } from '../helpers/reference/moe-init-routing-quant.ts';
import { f32, f32FromBits, f32ToBits, toBf16 } from '../helpers/reference/numerics.ts';
import { refQuantMatmulAllReduce, type RefRank, type RefScale } from '../helpers/reference/quant-matmul-all-reduce.ts';
import { refQuantize, type RawTensor } from '../helpers/reference/quantize.ts';
import { refTransQuantParam } from '../helpers/reference/trans-quant-param.ts';
import { refNdToNz, refNdToNzInt4, refNzStorageShape, refNzToNd, refNzToNdInt4 } from '../helpers/reference/trans-data.ts';

const root = mkdtempSync(join(tmpdir(), 'cases-config-'));
const out = mkdtempSync(join(tmpdir(), 'cases-config-out-'));
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

type Tag = 'float16' | 'bfloat16' | 'float32' | 'int8' | 'uint8' | 'int32' | 'int64' | 'uint64' | 'int4';

/** A .npy array in the container of a dtype tag (bfloat16 as uint16 bits, int4 as packed bytes, float32 from bits). */
function npy(tag: Tag, shape: readonly number[], raw: readonly (number | bigint)[]): NpyArray {
  switch (tag) {
    case 'float16':
      return { dtype: 'float16', shape, data: Uint16Array.from(raw as number[]) };
    case 'bfloat16':
      return { dtype: 'uint16', shape, data: Uint16Array.from(raw as number[]) };
    case 'float32':
      return { dtype: 'float32', shape, data: new Float32Array(Uint32Array.from(raw as number[]).buffer) };
    case 'int8':
      return { dtype: 'int8', shape, data: Int8Array.from(raw as number[]) };
    case 'uint8':
    case 'int4':
      return { dtype: 'uint8', shape, data: Uint8Array.from(raw as number[]) };
    case 'int32':
      return { dtype: 'int32', shape, data: Int32Array.from(raw as number[]) };
    case 'int64':
      return { dtype: 'int64', shape, data: BigInt64Array.from(raw as bigint[], (w) => BigInt.asIntN(64, w)) };
    case 'uint64':
      return { dtype: 'uint64', shape, data: BigUint64Array.from(raw as bigint[], (w) => BigInt.asUintN(64, w)) };
  }
}

interface CaseDef {
  readonly op: string;
  readonly attrs?: Record<string, unknown>;
  readonly inputs: Record<string, NpyArray>;
  readonly outputs: Record<string, NpyArray>;
  readonly dtypes: Record<string, Tag>;
  readonly int4_logical_shapes?: Record<string, number[]>;
  readonly expect_error?: boolean;
}

/** Writes the case (inputs as <name>.npy, outputs as expected_<name>.npy), exact tolerances. */
function writeCase(name: string, c: CaseDef): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const files = (m: Record<string, NpyArray>, prefix: string) => Object.fromEntries(Object.keys(m).map((k) => [k, `${prefix}${k}.npy`]));
  const json = {
    op: c.op,
    attrs: c.attrs ?? {},
    inputs: files(c.inputs, ''),
    outputs: files(c.outputs, 'expected_'),
    dtypes: c.dtypes,
    tolerance: Object.fromEntries(Object.keys(c.outputs).map((k) => [k, { kind: 'exact', why: 'reference' }])),
    expect_error: c.expect_error ?? false,
    ...(c.int4_logical_shapes ? { int4_logical_shapes: c.int4_logical_shapes } : {}),
    description: name,
  };
  writeFileSync(join(dir, 'case.json'), JSON.stringify(json));
  for (const [k, a] of Object.entries(c.inputs)) writeNpy(join(dir, `${k}.npy`), a);
  for (const [k, a] of Object.entries(c.outputs)) writeNpy(join(dir, `expected_${k}.npy`), a);
  return dir;
}

const bytes = (a: NpyArray) => [...new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength)];

/** Runs the case: it must pass, and each written output must have the expected bytes and shape. */
async function expectPass(name: string, c: CaseDef): Promise<void> {
  const r = await runCase(writeCase(name, c), { out });
  expect(r.line).toBe(`PASS ${name}`);
  for (const [k, want] of Object.entries(c.outputs)) {
    const got = readNpy(join(out, name, `${k}.npy`));
    expect([got.dtype, got.shape], `${name}: ${k}`).toEqual([want.dtype, want.shape]);
    expect(bytes(got), `${name}: ${k}`).toEqual(bytes(want));
  }
}

/** Runs an expect_error case: it must be refused (under `rule` when given), not crash. */
async function expectRefused(name: string, c: CaseDef, rule?: string): Promise<void> {
  const r = await runCase(writeCase(name, { ...c, outputs: {}, expect_error: true }), { out });
  expect(r.passed, r.line).toBe(true);
  if (rule) expect(r.rule).toBe(rule);
  expect(readFileSync(join(out, name, 'error.txt'), 'utf8')).not.toMatch(/internal error/);
}

const halfTag = (d: 'f16' | 'bf16'): Tag => (d === 'f16' ? 'float16' : 'bfloat16');

// ---- dynamic_quant ----

describe('dynamic_quant cases', () => {
  const dq = (name: string, dtype: 'f16' | 'bf16', shape: number[], dst: 'i8' | 'i4' | 'i32' | null, smooth: boolean, seed: number) => {
    const r = rng(seed);
    const h = shape[shape.length - 1]!;
    const x = Array.from({ length: prod(shape) }, () => halfBits(r, dtype, 100));
    const s = smooth ? Array.from({ length: h }, () => halfBits(r, dtype, 2)) : null;
    const want = refDynamicQuant(x, dtype, shape, s, dst ?? 'i8');
    const rows = shape.slice(0, -1);
    const yShape = dst === 'i32' ? [...rows, h / 8] : dst === 'i4' ? [...rows, h / 2] : shape;
    const yTag: Tag = dst === 'i32' ? 'int32' : dst === 'i4' ? 'int4' : 'int8';
    const dtypes: Record<string, Tag> = { x: halfTag(dtype), scale: 'float32' };
    if (dst) dtypes['y'] = yTag;
    if (s) dtypes['smooth_scales'] = halfTag(dtype);
    return expectPass(name, {
      op: 'dynamic_quant',
      inputs: { x: npy(halfTag(dtype), shape, x), ...(s ? { smooth_scales: npy(halfTag(dtype), [h], s) } : {}) },
      outputs: { y: npy(yTag, yShape, want.storage), scale: npy('float32', rows, want.scaleBits) },
      dtypes,
      ...(dst === 'i4' ? { int4_logical_shapes: { y: shape } } : {}),
    });
  };

  it('int4 y (packed bytes, int4_logical_shapes) and int32 y (8 int4 per word), with smoothing', async () => {
    await dq('dq_fp16_int4_y', 'f16', [3, 10], 'i4', false, 1);
    await dq('dq_bf16_int4_y_smooth_3d', 'bf16', [2, 3, 12], 'i4', true, 2);
    await dq('dq_fp16_int32_y', 'f16', [5, 16], 'i32', false, 3);
    await dq('dq_bf16_int32_y_smooth_4d', 'bf16', [2, 1, 3, 24], 'i32', true, 4);
  });

  it('rank 8, y dtype not stated (int8), and zero rows', async () => {
    await dq('dq_fp16_rank8', 'f16', [1, 2, 1, 1, 2, 1, 1, 8], null, true, 5);
    await dq('dq_bf16_zero_rows', 'bf16', [0, 8], 'i8', false, 6);
    await dq('dq_fp16_empty_rows', 'f16', [3, 0], 'i8', false, 7);
  });
});

// ---- npu_quantize ----

const TAG_OF: Record<RawTensor['dtype'], Tag> = { f32: 'float32', f16: 'float16', bf16: 'bfloat16', i8: 'int8', u8: 'uint8', i32: 'int32' };

function raw(r: Rng, dtype: RawTensor['dtype'], shape: number[], kind: 'x' | 'scale' | 'zp'): { file: NpyArray; ref: RawTensor } {
  const n = prod(shape);
  const data = Array.from({ length: n }, () => {
    if (dtype === 'i8') return intIn(r, -128, 127);
    if (dtype === 'u8') return intIn(r, 0, 255);
    if (dtype === 'i32') return chance(r, 0.2) ? pick(r, [2 ** 31 - 1, -(2 ** 31)]) : intIn(r, -200, 200);
    return floatBits(r, dtype, kind === 'x' ? 300 : kind === 'scale' ? 2 : 10);
  });
  return { file: npy(TAG_OF[dtype], shape, data), ref: { dtype, shape, data: dtype === 'f32' ? data.map(f32FromBits) : data } };
}

describe('npu_quantize cases', () => {
  const nq = async (name: string, c: { x: RawTensor['dtype']; s: RawTensor['dtype']; zp: RawTensor['dtype'] | null; shape: number[]; sShape: number[]; tag: string; dtype: 'i8' | 'u8' | 'i32' | 'i4'; axis: number; divMode: boolean }, seed: number) => {
    const r = rng(seed);
    const x = raw(r, c.x, c.shape, 'x');
    const s = raw(r, c.s, c.sShape, 'scale');
    const z = c.zp ? raw(r, c.zp, c.sShape, 'zp') : null;
    const y = refQuantize(x.ref, s.ref, z?.ref ?? null, { dtype: c.dtype, axis: c.axis, divMode: c.divMode });
    const yShape = c.dtype === 'i4' ? [...c.shape.slice(0, -1), c.shape[c.shape.length - 1]! / 8] : c.shape;
    const yTag: Tag = c.dtype === 'i8' ? 'int8' : c.dtype === 'u8' ? 'uint8' : 'int32';
    await expectPass(name, {
      op: 'npu_quantize',
      attrs: { dtype: c.tag, axis: c.axis, div_mode: c.divMode },
      inputs: { x: x.file, scales: s.file, ...(z ? { zero_points: z.file } : {}) },
      outputs: { y: npy(yTag, yShape, y) },
      dtypes: { x: TAG_OF[c.x], scales: TAG_OF[c.s], ...(c.zp ? { zero_points: TAG_OF[c.zp] } : {}), y: yTag },
    });
  };

  it('div_mode = true: every dtype tag and zero-point dtype', async () => {
    const tags = [
      ['qint8', 'i8'],
      ['int8', 'i8'],
      ['quint8', 'u8'],
      ['uint8', 'u8'],
      ['int32', 'i32'],
      ['qint32', 'i32'],
    ] as const;
    let seed = 10;
    for (const [tag, dtype] of tags) {
      for (const zp of [null, 'i8', 'u8', 'i32', 'bf16'] as const) {
        const bf = zp === 'bf16';
        const x = bf ? 'bf16' : pick(rng(seed), ['f32', 'f16', 'bf16'] as const);
        const s = bf ? 'bf16' : pick(rng(seed + 1), ['f32', 'f16'] as const);
        const shape = [3, 4, 5];
        const axis = pick(rng(seed + 2), [0, 1, 2, -1, -2, -3]);
        const sShape = seed % 3 === 0 ? [1] : [shape[axis < 0 ? axis + 3 : axis]!];
        await nq(`nq_div_${tag}_${zp ?? 'nozp'}`, { x, s, zp, shape, sShape, tag, dtype, axis, divMode: true }, seed++);
      }
    }
  });

  it('div_mode = false: qint8 and quint4x2, zero points of the scales dtype, axis -2 / >= -1, rank-r scales', async () => {
    let seed = 100;
    for (const [tag, dtype] of [['qint8', 'i8'], ['quint4x2', 'i4'], ['int4', 'i4']] as const)
      for (const [x, s] of [['f32', 'f32'], ['f32', 'f16'], ['f32', 'bf16'], ['f16', 'f16'], ['bf16', 'bf16']] as const)
        for (const zp of [false, true]) {
          const shape = [2, 3, 16];
          const axis = pick(rng(seed), [-2, -1, 0, 1, 2]);
          const e = axis === -2 ? 1 : 2;
          const sShape = [[1], [shape[e]!], [1, 1, 1], shape.map((d, i) => (i === e ? d : 1))][seed % 4]!;
          await nq(`nq_mul_${tag}_${x}_${s}_${zp ? 'zp' : 'nozp'}`, { x, s, zp: zp ? s : null, shape, sShape, tag, dtype, axis, divMode: false }, seed++);
        }
  });
});

// ---- quant_matmul_all_reduce ----

interface QmmCase {
  readonly world: number;
  readonly out: 'f16' | 'bf16';
  readonly scale: 'int64' | 'uint64' | 'float32' | 'bfloat16';
  readonly scaleShape: number[];
  readonly pertoken: boolean;
  readonly bias: boolean;
  readonly x3: boolean;
  readonly lead: number[];
  readonly k: number;
  readonly n: number;
  readonly transpose: boolean;
  readonly nz: boolean;
  readonly perRank: string[];
  /** What x2_view_shape states: the stored matrix, the logical (k, n), or nothing. */
  readonly view: 'stored' | 'logical' | 'none';
  /** transpose_x2 stated as an attribute (otherwise a transposed ND x2 is told by x2_view_shape). */
  readonly transposeAttr: boolean;
}

async function qmmCase(name: string, c: QmmCase, seed: number): Promise<void> {
  const r = rng(seed);
  const m = prod(c.lead);
  const stored = c.transpose ? [c.n, c.k] : [c.k, c.n];
  const shared = (input: string) => !c.perRank.includes(input);
  // One rank's values; a shared input takes rank 0's values on every rank.
  const make = () => {
    const x1 = Array.from({ length: m * c.k }, () => intIn(r, -128, 127));
    const x2 = Array.from({ length: c.k * c.n }, () => intIn(r, -128, 127));
    const sBits = Array.from({ length: prod(c.scaleShape) }, () => f32ToBits(f32(magnitude(r, -14, -4))));
    const words = sBits.map((u) => BigInt(u) | (1n << 46n) | (BigInt(intIn(r, 0, 511)) << 37n));
    const pertoken = Array.from({ length: m }, () => f32(magnitude(r, -3, 3)));
    const bias = Array.from({ length: c.n }, () => intIn(r, -50000, 50000));
    const x3 = Array.from({ length: m * c.n }, () => (c.out === 'f16' ? f16FromF64(magnitude(r, -4, 8)) : toBf16(magnitude(r, -4, 8))));
    return { x1, x2, sBits, words, pertoken, bias, x3 };
  };
  const own = Array.from({ length: c.world }, make);
  const v = <K extends keyof ReturnType<typeof make>>(key: K, input: string, rank: number) => own[shared(input) ? 0 : rank]![key];
  const scaleOf = (rank: number): RefScale =>
    c.scale === 'float32' ? { kind: 'f32', values: v('sBits', 'dequant_scale', rank).map(f32FromBits) } : c.scale === 'bfloat16' ? { kind: 'bf16', bits: v('sBits', 'dequant_scale', rank).map((u) => u >>> 16) } : { kind: 'packed', words: v('words', 'dequant_scale', rank) };
  const ranks: RefRank[] = own.map((_, rank) => ({
    x1: v('x1', 'x1', rank),
    x2: v('x2', 'x2', rank),
    scale: scaleOf(rank),
    pertoken: c.pertoken ? v('pertoken', 'pertoken_scale', rank) : null,
    bias: c.bias ? v('bias', 'bias', rank) : null,
    x3: c.x3 ? v('x3', 'x3', rank) : null,
  }));
  const want = refQuantMatmulAllReduce(ranks, m, c.k, c.n, c.out, c.transpose).out;
  const outTag = halfTag(c.out);
  /** The file of one input: a leading rank axis when it is per rank. */
  const file = (input: string, tag: Tag, shape: number[], per: (rank: number) => readonly (number | bigint)[]): NpyArray =>
    shared(input) ? npy(tag, shape, per(0)) : npy(tag, [c.world, ...shape], own.flatMap((_, rank) => [...per(rank)]));
  const x2Storage = c.nz ? refNzStorageShape(stored, 32) : stored;
  const inputs: Record<string, NpyArray> = {
    x1: file('x1', 'int8', [...c.lead, c.k], (rank) => ranks[rank]!.x1),
    x2: file('x2', 'int8', x2Storage, (rank) => (c.nz ? refNdToNz(ranks[rank]!.x2, stored, 32) : ranks[rank]!.x2)),
    dequant_scale: file('dequant_scale', c.scale, c.scaleShape, (rank) => (c.scale === 'float32' ? v('sBits', 'dequant_scale', rank) : c.scale === 'bfloat16' ? v('sBits', 'dequant_scale', rank).map((u) => u >>> 16) : v('words', 'dequant_scale', rank))),
  };
  if (c.pertoken) inputs['pertoken_scale'] = file('pertoken_scale', 'float32', [m], (rank) => ranks[rank]!.pertoken!.map(f32ToBits));
  if (c.bias) inputs['bias'] = file('bias', 'int32', [c.n], (rank) => ranks[rank]!.bias!);
  if (c.x3) inputs['x3'] = file('x3', outTag, [...c.lead, c.n], (rank) => ranks[rank]!.x3!);
  const dtypes: Record<string, Tag> = { x1: 'int8', x2: 'int8', dequant_scale: c.scale, out: outTag };
  if (c.pertoken) dtypes['pertoken_scale'] = 'float32';
  if (c.bias) dtypes['bias'] = 'int32';
  if (c.x3) dtypes['x3'] = outTag;
  const view = c.view === 'stored' ? stored : c.view === 'logical' ? [c.k, c.n] : undefined;
  await expectPass(name, {
    op: 'quant_matmul_all_reduce',
    attrs: {
      world_size: c.world,
      out_dtype: outTag,
      reduce_op: 'sum',
      x2_format: c.nz ? 'FRACTAL_NZ' : 'ND',
      ...(view ? { x2_view_shape: view } : {}),
      ...(c.transposeAttr ? { transpose_x2: c.transpose } : {}),
      per_rank_inputs: c.perRank,
      quant_mode: c.pertoken ? 'pertoken' : prod(c.scaleShape) === 1 ? 'pertensor' : 'perchannel',
    },
    inputs,
    outputs: { out: npy(outTag, [...c.lead, c.n], want) },
    dtypes,
  });
}

const ALL_INPUTS = ['x1', 'x2', 'dequant_scale', 'pertoken_scale', 'bias', 'x3'];
const base: QmmCase = { world: 2, out: 'f16', scale: 'int64', scaleShape: [1], pertoken: false, bias: false, x3: false, lead: [5], k: 40, n: 24, transpose: false, nz: false, perRank: ['x1', 'x2'], view: 'stored', transposeAttr: false };

describe('quant_matmul_all_reduce cases', () => {
  it('per_rank_inputs naming every input (scales, pertoken, bias, x3), world sizes 1, 4, 8', async () => {
    await qmmCase('qmm_w4_all_per_rank_f32_pertoken', { ...base, world: 4, scale: 'float32', scaleShape: [24], pertoken: true, bias: true, x3: true, perRank: ALL_INPUTS }, 1);
    await qmmCase('qmm_w8_all_per_rank_bf16_3d', { ...base, world: 8, out: 'bf16', scale: 'bfloat16', scaleShape: [1, 24], pertoken: true, bias: true, x3: true, lead: [2, 3], perRank: ALL_INPUTS }, 2);
    await qmmCase('qmm_w8_uint64_shared_bias_x3', { ...base, world: 8, scale: 'uint64', scaleShape: [1, 24], bias: true, x3: true }, 3);
    await qmmCase('qmm_w1_uint64_perchannel_per_rank_scale', { ...base, world: 1, scale: 'uint64', scaleShape: [24], bias: true, perRank: ['x1', 'x2', 'dequant_scale', 'bias'] }, 4);
    await qmmCase('qmm_w4_int64_x3_only_per_rank', { ...base, world: 4, scaleShape: [24], x3: true, perRank: ['x3'] }, 5);
  });

  it('FRACTAL_NZ x2 with x2_view_shape, transposed or not, and transpose_x2 as an attribute', async () => {
    await qmmCase('qmm_w2_nz_view', { ...base, nz: true, k: 100, n: 70 }, 6);
    await qmmCase('qmm_w2_nz_transpose_stored_view', { ...base, nz: true, k: 100, n: 70, transpose: true, transposeAttr: true }, 7);
    await qmmCase('qmm_w2_nz_transpose_logical_view', { ...base, nz: true, k: 100, n: 70, transpose: true, transposeAttr: true, view: 'logical' }, 8);
    await qmmCase('qmm_w4_nz_transpose_bf16_pertoken_3d', { ...base, world: 4, out: 'bf16', scale: 'bfloat16', scaleShape: [70], pertoken: true, lead: [2, 2], nz: true, k: 50, n: 70, transpose: true, transposeAttr: true, perRank: ALL_INPUTS }, 9);
    await qmmCase('qmm_w2_nz_false_transpose_attr', { ...base, nz: true, transposeAttr: true }, 10);
  });

  it('ND x2 transposed: by the attribute, or stored (n, k) under an x2_view_shape of (k, n)', async () => {
    await qmmCase('qmm_w2_nd_transpose_attr', { ...base, transpose: true, transposeAttr: true, view: 'none' }, 11);
    await qmmCase('qmm_w2_nd_transpose_attr_logical_view', { ...base, transpose: true, transposeAttr: true, view: 'logical' }, 12);
    await qmmCase('qmm_w2_nd_transposed_by_view', { ...base, transpose: true, view: 'logical' }, 13);
  });

  it('an ND x2 saved in Fortran order (np.save of a transposed view) is read as its logical (k, n)', async () => {
    const c: QmmCase = { ...base, world: 1, perRank: [] };
    const name = 'qmm_w1_fortran_x2';
    await qmmCase(name, c, 14);
    // Rewrite x2.npy as the same logical array in column-major order and run again.
    const dir = join(root, name);
    const x2 = readNpy(join(dir, 'x2.npy'));
    const [k, n] = x2.shape as [number, number];
    const cols = Int8Array.from({ length: k * n }, (_, e) => (x2.data as Int8Array)[(e % k) * n + Math.floor(e / k)]!);
    const file = encodeNpy({ dtype: 'int8', shape: [k, n], data: cols });
    const at = Buffer.from(file).indexOf('False');
    file.set(Buffer.from('True '), at); // same header length
    writeFileSync(join(dir, 'x2.npy'), file);
    expect((await runCase(dir, { out })).line).toBe(`PASS ${name}`);
  });

  it('comm_turn / stream_mode other than 0 / 1 are refused under [quant_matmul_all_reduce.3]', async () => {
    const inputs = { x1: npy('int8', [2, 4], [1, 2, 3, 4, 5, 6, 7, 8]), x2: npy('int8', [4, 2], [1, 0, 0, 1, 1, 1, 2, 2]), dequant_scale: npy('int64', [1], [70369781006336n]) };
    const dtypes: Record<string, Tag> = { x1: 'int8', x2: 'int8', dequant_scale: 'int64' };
    await expectRefused('qmm_comm_turn_1', { op: 'quant_matmul_all_reduce', attrs: { world_size: 1, out_dtype: 'float16', comm_turn: 1 }, inputs, outputs: {}, dtypes }, 'quant_matmul_all_reduce.3');
    await expectRefused('qmm_stream_mode_0', { op: 'quant_matmul_all_reduce', attrs: { world_size: 1, out_dtype: 'float16', stream_mode: 0 }, inputs, outputs: {}, dtypes }, 'quant_matmul_all_reduce.3');
    await expectRefused('qmm_reduce_max', { op: 'quant_matmul_all_reduce', attrs: { world_size: 1, out_dtype: 'float16', reduce_op: 'max' }, inputs, outputs: {}, dtypes }, 'quant_matmul_all_reduce.3');
    await expectRefused('qmm_world_3', { op: 'quant_matmul_all_reduce', attrs: { world_size: 3, out_dtype: 'float16' }, inputs, outputs: {}, dtypes }, 'quant_matmul_all_reduce.9');
  });
});

// ---- convert_weight_to_int4pack ----

describe('convert_weight_to_int4pack cases', () => {
  it('int4 / int32 out, ND / FRACTAL_NZ, odd dim0, out-of-range values', async () => {
    let seed = 200;
    for (const [d0, d1] of [
      [17, 24],
      [33, 136],
      [1, 8],
    ] as const)
      for (const outDtype of ['int4', 'int32'] as const)
        for (const format of ['ND', 'FRACTAL_NZ'] as const) {
          const r = rng(seed++);
          const w = Array.from({ length: d0 * d1 }, () => (chance(r, 0.02) ? pick(r, [8, -9, 100]) : intIn(r, -8, 7)));
          const packed = refConvertWeightBytes(w, d0, d1, format === 'ND' ? 'nd' : 'nz');
          const view = outDtype === 'int4' ? [d0, d1] : [d0, d1 / 8];
          const storage = format === 'ND' ? view : refNzStorageShape(view, outDtype === 'int4' ? 64 : 8);
          const fileShape = outDtype === 'int4' ? [...storage.slice(0, -1), storage[storage.length - 1]! / 2] : storage;
          const words = outDtype === 'int32' ? [...new Int32Array(Uint8Array.from(packed).buffer)] : packed;
          await expectPass(`cw_${outDtype}_${format}_${d0}x${d1}`, {
            op: 'convert_weight_to_int4pack',
            attrs: { out_dtype: outDtype, out_format: format, view_shape: view, storage_shape: storage },
            inputs: { weight: npy('int32', [d0, d1], w) },
            outputs: { weight_int4_pack: npy(outDtype, fileShape, words) },
            dtypes: { weight: 'int32', weight_int4_pack: outDtype },
            ...(outDtype === 'int4' ? { int4_logical_shapes: { weight_int4_pack: storage } } : {}),
          });
        }
  });
});

// ---- trans_quant_param ----

describe('trans_quant_param cases', () => {
  const SPECIAL = [0x3dcccccd, 0x3f333333, 0x7f7ff000, 0x7f800001, 0x80400000, 0x00400000, 0x3f801000, 0x3f803000, 0xffc00001];
  const tqp = (name: string, out: 'int64' | 'uint64', roundMode: 0 | 1, sShape: number[], oShape: number[] | null, seed: number) => {
    const r = rng(seed);
    const s = Array.from({ length: prod(sShape) }, () => (chance(r, 0.5) ? pick(r, SPECIAL) : f32ToBits(f32(magnitude(r, -12, 2)))));
    const o = oShape ? Array.from({ length: prod(oShape) }, () => f32(pick(r, [256.5, -256.5, 2.5, -0.5, 1.5, 300, -7.25]))) : null;
    const words = refTransQuantParam(s, o, roundMode);
    return expectPass(name, {
      op: 'trans_quant_param',
      attrs: { round_mode: roundMode },
      inputs: { scale: npy('float32', sShape, s), ...(o && oShape ? { offset: npy('float32', oShape, o.map(f32ToBits)) } : {}) },
      outputs: { out: npy(out, sShape.length === 2 ? sShape : [words.length], words) },
      dtypes: { scale: 'float32', ...(o ? { offset: 'float32' as Tag } : {}), out },
    });
  };

  it('uint64 / int64 out, round_mode 0 / 1, offsets with broadcasting, 1-D and 2-D shapes', async () => {
    await tqp('tqp_uint64_round1', 'uint64', 1, [9], null, 1);
    await tqp('tqp_uint64_round1_offset', 'uint64', 1, [6], [6], 2);
    await tqp('tqp_int64_scale1_offset_t', 'int64', 1, [1], [5], 3);
    await tqp('tqp_uint64_offset1_2d', 'uint64', 0, [1, 7], [1], 4);
    await tqp('tqp_int64_2d_offset_2d', 'int64', 1, [1, 4], [1, 4], 5);
    await tqp('tqp_int64_round0_nan_payload', 'int64', 0, [9], null, 6);
  });
});

// ---- moe_init_routing_quant ----

describe('moe_init_routing_quant cases', () => {
  it('bf16 / f32 / f16 x, active_num below, equal and above N, tied ids, a shuffled row_idx', async () => {
    let seed = 300;
    for (const [dtype, tag] of [['bf16', 'bfloat16'], ['f32', 'float32'], ['f16', 'float16']] as const)
      for (const active of [0, 2, 5, 9]) {
        const r = rng(seed++);
        const [n, h, k] = [5, 7, 3];
        const x = Array.from({ length: n * h }, () => floatBits(r, dtype, 300));
        const expert = Array.from({ length: n * k }, () => intIn(r, 0, 3));
        const rowIdx = Array.from({ length: n * k }, (_, p) => (p % k) * n + Math.floor(p / k)).sort(() => r() - 0.5);
        const [scale, offset] = [pick(r, [0.1, 1 / 3, -2.5, 400]), pick(r, [0.5, -1.5, 0.1])];
        const want = refMoeInitRoutingQuant(dtype === 'f32' ? x.map(f32FromBits) : x, dtype, n, h, rowIdx, expert, k, active, scale, offset);
        await expectPass(`moe_${dtype}_active_${active}`, {
          op: 'moe_init_routing_quant',
          attrs: { active_num: active, scale, offset },
          inputs: { x: npy(tag, [n, h], x), row_idx: npy('int32', [n, k], rowIdx), expert_idx: npy('int32', [n, k], expert) },
          outputs: {
            expanded_x: npy('int8', [Math.min(n, active) * k, h], want.expandedX),
            expanded_row_idx: npy('int32', [n * k], want.expandedRowIdx),
            expanded_expert_idx: npy('int32', [n * k], want.expandedExpertIdx),
          },
          dtypes: { x: tag, row_idx: 'int32', expert_idx: 'int32', expanded_x: 'int8', expanded_row_idx: 'int32', expanded_expert_idx: 'int32' },
        });
      }
  });
});

// ---- nd_to_nz / nz_to_nd ----

const LAYOUTS: readonly [Tag, number][] = [
  ['float16', 16],
  ['bfloat16', 16],
  ['float32', 8],
  ['float32', 16],
  ['int8', 32],
  ['uint8', 32],
  ['int32', 8],
  ['int32', 16],
  ['int4', 64],
];

function layoutElements(r: Rng, tag: Tag, count: number): number[] {
  if (tag === 'float16') return Array.from({ length: count }, () => halfBits(r, 'f16'));
  if (tag === 'bfloat16') return Array.from({ length: count }, () => halfBits(r, 'bf16'));
  if (tag === 'float32') return Array.from({ length: count }, () => floatBits(r, 'f32'));
  if (tag === 'int8') return Array.from({ length: count }, () => intIn(r, -128, 127));
  if (tag === 'uint8' || tag === 'int4') return Array.from({ length: tag === 'int4' ? Math.ceil(count / 2) : count }, () => intIn(r, 0, 255));
  return Array.from({ length: count }, () => intIn(r, -(2 ** 31), 2 ** 31 - 1));
}

/** The .npy shape of a storage shape: int4 files hold half the last dimension in bytes. */
const fileShape = (tag: Tag, s: number[]) => (tag === 'int4' ? [...s.slice(0, -1), s[s.length - 1]! / 2] : s);

describe('nd_to_nz / nz_to_nd cases', () => {
  it('every dtype and legal c0 (float32 / int32 with 8 and 16, int4 as packed bytes), batch dims', async () => {
    let seed = 400;
    for (const [tag, c0] of LAYOUTS)
      for (const shape of [
        [20, 36],
        [2, 3, 40],
        [2, 1, 17, 70],
      ]) {
        const r = rng(seed++);
        const nd = layoutElements(r, tag, prod(shape));
        const nzShape = refNzStorageShape(shape, c0);
        const nzData = tag === 'int4' ? refNdToNzInt4(nd, shape, c0) : refNdToNz(nd, shape, c0);
        const i4 = tag === 'int4' ? { int4_logical_shapes: { x: shape, y: nzShape } } : {};
        const name = `${tag}_c${c0}_${shape.join('x')}`;
        await expectPass(`nd_to_nz_${name}`, { op: 'nd_to_nz', attrs: { c0 }, inputs: { x: npy(tag, fileShape(tag, shape), nd) }, outputs: { y: npy(tag, fileShape(tag, nzShape), nzData) }, dtypes: { x: tag, y: tag }, ...i4 });
        // NZ -> ND from a storage whose padding holds garbage: the view alone is read.
        const storage = layoutElements(r, tag, prod(nzShape));
        const back = tag === 'int4' ? refNzToNdInt4(storage, shape, c0) : refNzToNd(storage, shape, c0);
        await expectPass(`nz_to_nd_${name}`, {
          op: 'nz_to_nd',
          attrs: { view_shape: shape },
          inputs: { x_nz: npy(tag, fileShape(tag, nzShape), storage) },
          outputs: { y: npy(tag, fileShape(tag, shape), back) },
          dtypes: { x_nz: tag, y: tag },
          ...(tag === 'int4' ? { int4_logical_shapes: { y: shape } } : {}),
        });
      }
  });

  it('nd_to_nz without a c0 takes the dtype default', async () => {
    const shape = [5, 9];
    const nd = layoutElements(rng(1), 'float32', prod(shape));
    await expectPass('nd_to_nz_float32_default_c0', { op: 'nd_to_nz', inputs: { x: npy('float32', shape, nd) }, outputs: { y: npy('float32', refNzStorageShape(shape, 8), refNdToNz(nd, shape, 8)) }, dtypes: { x: 'float32', y: 'float32' } });
  });

  it('an illegal c0, a rank-1 view and a storage that does not fit the view are refused, not crashed on', async () => {
    const x = npy('float16', [4, 4], Array.from({ length: 16 }, (_, e) => e));
    await expectRefused('nd_to_nz_fp16_c32', { op: 'nd_to_nz', attrs: { c0: 32 }, inputs: { x }, outputs: {}, dtypes: { x: 'float16' } });
    await expectRefused('nd_to_nz_fp16_rank1', { op: 'nd_to_nz', attrs: { c0: 16 }, inputs: { x: npy('float16', [16], Array.from({ length: 16 }, () => 0)) }, outputs: {}, dtypes: { x: 'float16' } });
    await expectRefused('nz_to_nd_bad_storage', { op: 'nz_to_nd', attrs: { view_shape: [40, 20] }, inputs: { x_nz: npy('int8', [1, 2, 16, 32], new Array(1024).fill(0)) }, outputs: {}, dtypes: { x_nz: 'int8' } });
    await expectRefused('nz_to_nd_rank1_view', { op: 'nz_to_nd', attrs: { view_shape: [20] }, inputs: { x_nz: npy('int8', [1, 1, 16, 32], new Array(512).fill(0)) }, outputs: {}, dtypes: { x_nz: 'int8' } });
  });
});
