// A golden case as a one-node graph (ir.md §5.2): the conformance operator becomes its IR op,
// built through the public builder facades (so the verifier judges the inputs), with one
// parameter per input file and the feeds read from the files. Inputs named in
// `per_rank_inputs` carry a leading rank axis and are fed per rank; the others go to every rank.
import { join } from 'node:path';
import type { Feeds } from '../backends/backend.ts';
import { Builder } from '../ir/builder.ts';
import { FractalError, ruleError } from '../ir/diagnostics.ts';
import { dtypeFromTag, type DType } from '../ir/dtype.ts';
import { defaultC0, ND, nz, storageShape, type Layout } from '../ir/layout.ts';
import type { Module } from '../ir/module.ts';
import type { OpName } from '../ir/ops/registry.ts';
import type { Tensor } from '../ir/storage.ts';
import { shapesEqual, shapeToString, TensorType } from '../ir/types.ts';
import type { Value } from '../ir/value.ts';
import type { CaseOp, CaseSpec } from './case-spec.ts';
import { containerDType, containerShape, readNpy, type NpyArray } from './npy.ts';

/** The IR op of each conformance op and its results, in graph result order. */
export const CASE_OP_INFO: Record<CaseOp, { readonly ir: OpName; readonly inputs: readonly string[]; readonly outputs: readonly string[] }> = {
  dynamic_quant: { ir: 'npu.dynamic_quant', inputs: ['x', 'smooth_scales'], outputs: ['y', 'scale'] },
  npu_quantize: { ir: 'npu.quantize', inputs: ['x', 'scales', 'zero_points'], outputs: ['y'] },
  quant_matmul_all_reduce: {
    ir: 'npu.quant_matmul_all_reduce',
    inputs: ['x1', 'x2', 'dequant_scale', 'pertoken_scale', 'bias', 'x3'],
    outputs: ['out'],
  },
  convert_weight_to_int4pack: { ir: 'npu.convert_weight_to_int4_pack', inputs: ['weight'], outputs: ['weight_int4_pack'] },
  moe_init_routing_quant: {
    ir: 'npu.moe_init_routing_quant',
    inputs: ['x', 'row_idx', 'expert_idx'],
    outputs: ['expanded_x', 'expanded_row_idx', 'expanded_expert_idx'],
  },
  trans_quant_param: { ir: 'npu.trans_quant_param', inputs: ['scale', 'offset'], outputs: ['out'] },
  nd_to_nz: { ir: 'layout.trans_data', inputs: ['x'], outputs: ['y'] },
  nz_to_nd: { ir: 'layout.trans_data', inputs: ['x_nz'], outputs: ['y'] },
};

/** torch dtypes of npu_quantize (ir.md §5.2); plain tags are accepted as well. */
const QUANTIZE_DTYPES: Readonly<Record<string, DType>> = { qint8: 'i8', quint8: 'u8', int32: 'i32', qint32: 'i32', quint4x2: 'i4' };

export interface CaseGraph {
  readonly module: Module;
  readonly feeds: Feeds;
  /** Output names in the order of the graph's results. */
  readonly outputs: readonly string[];
}

export function buildCaseGraph(spec: CaseSpec): CaseGraph {
  const info = CASE_OP_INFO[spec.op];
  const a = spec.attrs;
  const io = (what: string, got: unknown): never => {
    throw new FractalError('IO', `${join(spec.dir, 'case.json')}: ${what}, got ${JSON.stringify(got)}`);
  };
  /** An argument the IR cannot even express is refused under the op's rule for it. */
  const refuse = (rule: string, what: string, got: unknown): never => {
    throw ruleError('VERIFY', `${info.ir} %${info.outputs[0]}`, rule, what, got);
  };
  const int = (key: string, dflt?: number): number => {
    const v = a[key] ?? dflt;
    return Number.isSafeInteger(v) ? (v as number) : io(`attrs.${key} must be an integer`, v ?? null);
  };
  const num = (key: string): number => (typeof a[key] === 'number' ? (a[key] as number) : io(`attrs.${key} must be a number`, a[key] ?? null));
  const bool = (key: string, dflt: boolean): boolean => {
    const v = a[key] ?? dflt;
    return typeof v === 'boolean' ? v : io(`attrs.${key} must be true or false`, v);
  };
  const shapeAttr = (key: string): number[] | undefined => {
    const v = a[key];
    if (v === undefined) return undefined;
    return Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0) ? (v as number[]) : io(`attrs.${key} must be a shape`, v);
  };
  const dtypeRule = DTYPE_RULE[spec.op](a);
  const tagDType = (name: string, tag: string | undefined, dflt?: DType): DType => {
    if (tag === undefined) return dflt ?? io(`dtypes.${name} is required`, null);
    return dtypeFromTag(tag) ?? refuse(dtypeRule, `${name} must have a supported dtype`, tag);
  };

  const worldSize = spec.op === 'quant_matmul_all_reduce' ? int('world_size', 1) : 1;
  if (worldSize < 1) io('attrs.world_size must be >= 1', worldSize);
  const perRankNames = a['per_rank_inputs'] ?? [];
  if (!Array.isArray(perRankNames) || !perRankNames.every((n) => typeof n === 'string')) io('attrs.per_rank_inputs must be a list of input names', perRankNames);
  for (const name of Object.keys(spec.inputs)) if (!info.inputs.includes(name)) io(`inputs must be among ${info.inputs.join(', ')}`, name);

  let transposeX2 = spec.op === 'quant_matmul_all_reduce' && bool('transpose_x2', false);
  const b = Builder.graph(graphName(spec.name), { worldSize });
  const feeds: Record<string, Tensor | Tensor[]> = {};
  const params: Record<string, Value> = {};
  for (const name of info.inputs) {
    const file = spec.inputs[name];
    if (file === undefined) continue;
    const path = join(spec.dir, file);
    const arr = readNpy(path);
    const dtype = tagDType(name, spec.dtypes[name]);
    if (arr.dtype !== containerDType(dtype)) {
      throw new FractalError('IO', `${path}: a ${spec.dtypes[name]} input is stored as ${containerDType(dtype)}, got ${arr.dtype}`);
    }
    const perRank = (perRankNames as string[]).includes(name);
    if (perRank && arr.shape[0] !== worldSize) {
      throw new FractalError('IO', `${path}: a per-rank input needs a leading axis of world_size ${worldSize}, got shape ${shapeToString(arr.shape)}`);
    }
    const stored = perRank ? arr.shape.slice(1) : [...arr.shape];
    let layout: Layout = ND;
    let shape = stored;
    if (name === 'x2' && a['x2_format'] !== undefined && a['x2_format'] !== 'ND') {
      if (a['x2_format'] !== 'FRACTAL_NZ') refuse('quant_matmul_all_reduce.8', 'x2 must be ND or FRACTAL_NZ', a['x2_format']);
      layout = nz(32);
      const view = shapeAttr('x2_view_shape') ?? io('attrs.x2_view_shape is required for a FRACTAL_NZ x2', null);
      shape = x2StoredMatrix(view, stored, transposeX2, params['x1']?.type.shape);
    } else if (name === 'x2' && !transposeX2 && isTransposeOf(stored, shapeAttr('x2_view_shape'))) {
      // An ND x2 stored as the (n, k) buffer of a transposed (k, n) view (quant_matmul_all_reduce.md §5 rule 8).
      transposeX2 = true;
    } else if (spec.op === 'nz_to_nd') {
      shape = shapeAttr('view_shape') ?? io('attrs.view_shape is required', null);
      // c0 is the last storage dimension in elements; an int4 file holds c0/2 bytes there.
      const last = stored[stored.length - 1] ?? 0;
      layout = nz(dtype === 'i4' ? last * 2 : last);
    } else if (dtype === 'i4') {
      shape = [...(spec.int4LogicalShapes[name] ?? [...stored.slice(0, -1), (stored[stored.length - 1] ?? 0) * 2])];
    }
    const type = new TensorType(shape, dtype, layout);
    if (!shapesEqual(containerShape(type), stored)) {
      throw ruleError('RUNTIME', `graph @${b.graph.name}`, 'ir.8', `input ${name} of type ${type} must be stored with shape ${shapeToString(containerShape(type))}`, shapeToString(stored));
    }
    params[name] = b.param(type, name);
    feeds[name] = perRank ? splitRanks(arr, type, worldSize) : { type, data: arr.data as Tensor['data'] };
  }

  const p = (name: string) => params[name];
  const need = (name: string): Value => params[name] ?? io(`inputs.${name} is required`, null);
  let results: Value[];
  switch (spec.op) {
    case 'dynamic_quant': {
      const dstType = tagDType('y', spec.dtypes['y'], 'i8');
      const r = b.npu.dynamicQuant(need('x'), { smoothScales: p('smooth_scales'), dstType, hints: info.outputs });
      results = [r.y, r.scale];
      break;
    }
    case 'npu_quantize': {
      const divMode = bool('div_mode', true);
      const tag = a['dtype'];
      if (typeof tag !== 'string') return io('attrs.dtype must be a string', tag ?? null);
      const dtype = QUANTIZE_DTYPES[tag] ?? dtypeFromTag(tag) ?? refuse(divMode ? 'npu_quantize.3' : 'npu_quantize.5', 'dtype must be qint8, quint8, int32 or quint4x2', tag);
      results = [b.npu.quantize(need('x'), need('scales'), { zeroPoints: p('zero_points'), dtype, axis: int('axis', 1), divMode, hint: 'y' })];
      break;
    }
    case 'quant_matmul_all_reduce': {
      const outTag = a['out_dtype'];
      if (typeof outTag !== 'string') return io('attrs.out_dtype must be a dtype tag', outTag ?? null);
      const reduceOp = a['reduce_op'] ?? 'sum';
      if (typeof reduceOp !== 'string') return io('attrs.reduce_op must be a string', reduceOp);
      // Implied by the case format and not attributes of the IR, but a case may still state them.
      if ((a['comm_turn'] ?? 0) !== 0) refuse('quant_matmul_all_reduce.3', 'comm_turn must be 0', a['comm_turn']);
      if ((a['stream_mode'] ?? 1) !== 1) refuse('quant_matmul_all_reduce.3', 'stream_mode must be 1', a['stream_mode']);
      const out = b.npu.quantMatmulAllReduce(need('x1'), need('x2'), need('dequant_scale'), {
        pertokenScale: p('pertoken_scale'),
        bias: p('bias'),
        x3: p('x3'),
        transposeX2,
        outDtype: tagDType('out_dtype', outTag),
        reduceOp,
        hint: 'out',
      });
      results = [out];
      break;
    }
    case 'convert_weight_to_int4pack': {
      const outTag = a['out_dtype'] ?? 'int32';
      const outDtype = typeof outTag === 'string' ? tagDType('out_dtype', outTag) : io('attrs.out_dtype must be a dtype tag', outTag);
      const format = a['out_format'] ?? 'ND';
      if (format !== 'ND' && format !== 'FRACTAL_NZ') refuse('convert_weight_to_int4pack.4', 'the output format must be ND or FRACTAL_NZ', format);
      const out = b.npu.convertWeightToInt4Pack(need('weight'), { outDtype, layout: format === 'ND' ? 'nd' : 'nz', hint: 'weight_int4_pack' });
      const view = shapeAttr('view_shape');
      if (view && !shapesEqual(view, out.type.shape)) {
        refuse('convert_weight_to_int4pack.6', `the output view must be ${shapeToString(out.type.shape)}`, shapeToString(view));
      }
      const storage = shapeAttr('storage_shape');
      if (storage && !shapesEqual(storage, out.type.storageShape)) {
        const rule = out.type.isNz ? 'convert_weight_to_int4pack.7' : 'convert_weight_to_int4pack.6';
        refuse(rule, `the output storage must be ${shapeToString(out.type.storageShape)}`, shapeToString(storage));
      }
      results = [out];
      break;
    }
    case 'moe_init_routing_quant': {
      const r = b.npu.moeInitRoutingQuant(need('x'), need('row_idx'), need('expert_idx'), {
        activeNum: int('active_num'),
        scale: num('scale'),
        offset: num('offset'),
        hints: info.outputs,
      });
      results = [r.expandedX, r.expandedRowIdx, r.expandedExpertIdx];
      break;
    }
    case 'trans_quant_param': {
      const outDtype = tagDType('out', spec.dtypes['out'], 'i64');
      results = [b.npu.transQuantParam(need('scale'), { offset: p('offset'), roundMode: int('round_mode', 0), outDtype, hint: 'out' })];
      break;
    }
    case 'nd_to_nz': {
      const x = need('x');
      // Without a stated c0, the dtype's default (the 32-byte rule, ir.md §1.2).
      results = [b.layout.transData(x, x.type.with({ layout: nz(int('c0', defaultC0(x.type.dtype))) }), 'y')];
      break;
    }
    case 'nz_to_nd':
      results = [b.layout.toNd(need('x_nz'), 'y')];
      break;
  }
  b.return(...results);
  return { module: b.module, feeds, outputs: info.outputs };
}

/** The rule that names an unsupported dtype, per operator (the quantize rule depends on div_mode). */
const DTYPE_RULE: Record<CaseOp, (attrs: Readonly<Record<string, unknown>>) => string> = {
  dynamic_quant: () => 'dynamic_quant.2',
  npu_quantize: (a) => (a['div_mode'] === false ? 'npu_quantize.7' : 'npu_quantize.3'),
  quant_matmul_all_reduce: () => 'quant_matmul_all_reduce.2',
  convert_weight_to_int4pack: () => 'convert_weight_to_int4pack.3',
  moe_init_routing_quant: () => 'moe_init_routing_quant.2',
  trans_quant_param: () => 'trans_quant_param.3',
  nd_to_nz: () => 'trans_data.1',
  nz_to_nd: () => 'trans_data.1',
};

const isTransposeOf = (stored: readonly number[], view: readonly number[] | undefined): boolean =>
  view !== undefined && stored.length === 2 && view.length === 2 && stored[0] === view[1] && stored[1] === view[0] && stored[0] !== stored[1];

/**
 * The stored matrix of an NZ x2 (its IR view shape, layout.md §2.7). `x2_view_shape` names it,
 * except that with transpose_x2 a case may give the logical (k, n) instead of the stored (n, k):
 * then the transposed reading is the one whose k (its last dimension) matches x1's and whose
 * NZ storage matches the file.
 */
function x2StoredMatrix(view: number[], stored: readonly number[], transposed: boolean, x1Shape: readonly number[] | undefined): number[] {
  if (!transposed || view.length !== 2) return view;
  const swapped = [view[1]!, view[0]!];
  const k = x1Shape?.[x1Shape.length - 1];
  const fits = (v: number[]) => v[1] === k && shapesEqual(storageShape(v, nz(32)), stored);
  return !fits(view) && fits(swapped) ? swapped : view;
}

function splitRanks(arr: NpyArray, type: TensorType, worldSize: number): Tensor[] {
  const per = arr.data.length / worldSize;
  return Array.from({ length: worldSize }, (_, r) => ({ type, data: arr.data.slice(r * per, (r + 1) * per) as Tensor['data'] }));
}

/** A graph name (an IR identifier) for a case directory name. */
function graphName(caseName: string): string {
  const s = caseName.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(s) ? s : `_${s}`;
}
