// Typed builder methods for the npu.* ops. Result name hints default to the result names.
import { attrFromJs, type Attr } from '../attr.ts';
import type { Builder } from '../builder.ts';
import type { DType } from '../dtype.ts';
import { defaultC0, ND, nz, type Layout } from '../layout.ts';
import type { Node } from '../node.ts';
import { OpContext } from '../ops/context.ts';
import { int4PackType } from '../ops/npu/convert-weight-to-int4-pack.ts';
import { dynamicQuantTypes } from '../ops/npu/dynamic-quant.ts';
import { moeInitRoutingQuantTypes } from '../ops/npu/moe-init-routing-quant.ts';
import { quantMatmulAllReduceType } from '../ops/npu/quant-matmul-all-reduce.ts';
import { quantizeType } from '../ops/npu/quantize.ts';
import { transQuantParamType } from '../ops/npu/trans-quant-param.ts';
import { opDef, type OpName } from '../ops/registry.ts';
import type { TensorType } from '../types.ts';
import type { Value } from '../value.ts';
import { checkAttrs, typeProblem } from '../verify.ts';

type Attrs = Readonly<Record<string, unknown>>;

export class NpuBuilder {
  constructor(readonly b: Builder) {}

  /** `npu.dynamic_quant`: per-row quantization to i8 (default), i4 or 8 int4 per i32 word. */
  dynamicQuant(x: Value, opts: { smoothScales?: Value; dstType?: DType; hints?: readonly string[] } = {}): { y: Value; scale: Value } {
    const results = dynamicQuantTypes(x.type, opts.dstType ?? 'i8');
    const node = this.make('npu.dynamic_quant', [x, opts.smoothScales], { dst_type: opts.dstType }, results, opts.hints ?? ['y', 'scale']);
    return { y: node.results[0]!, scale: node.results[1]! };
  }

  /** `npu.quantize`: `dtype` i4 (torch quint4x2, div_mode = false) gives 8 int4 per i32 word. */
  quantize(x: Value, scales: Value, opts: { zeroPoints?: Value; dtype: DType; axis?: number; divMode?: boolean; hint?: string }): Value {
    const result = quantizeType(x.type, opts.dtype, opts.divMode ?? true);
    const attrs = { dtype: opts.dtype, axis: opts.axis, div_mode: opts.divMode };
    return this.make('npu.quantize', [x, scales, opts.zeroPoints], attrs, [result], [opts.hint ?? 'y']).result;
  }

  /** `npu.quant_matmul_all_reduce`: the world size is the graph's. */
  quantMatmulAllReduce(
    x1: Value,
    x2: Value,
    dequantScale: Value,
    opts: {
      pertokenScale?: Value;
      bias?: Value;
      x3?: Value;
      transposeX2?: boolean;
      outDtype: DType;
      reduceOp?: string;
      group?: string;
      hint?: string;
    },
  ): Value {
    const result = quantMatmulAllReduceType(x1.type, x2.type, opts.outDtype, opts.transposeX2 ?? false);
    const attrs = { transpose_x2: opts.transposeX2, reduce_op: opts.reduceOp, group: opts.group, out_dtype: opts.outDtype };
    const operands = [x1, x2, dequantScale, opts.pertokenScale, opts.bias, opts.x3];
    return this.make('npu.quant_matmul_all_reduce', operands, attrs, [result], [opts.hint ?? 'out']).result;
  }

  /** `npu.trans_quant_param`: the result is i64 (torch_npu's choice) unless told u64. */
  transQuantParam(scale: Value, opts: { offset?: Value; roundMode?: number; outDtype?: DType; hint?: string } = {}): Value {
    const result = transQuantParamType(scale.type, opts.offset?.type ?? null, opts.outDtype ?? 'i64');
    return this.make('npu.trans_quant_param', [scale, opts.offset], { round_mode: opts.roundMode }, [result], [opts.hint ?? 'out']).result;
  }

  /**
   * `npu.convert_weight_to_int4_pack`: i32 #nd (torch_npu's result) unless told otherwise;
   * `layout: 'nz'` picks the default c0 (64 for i4, 8 for i32).
   */
  convertWeightToInt4Pack(weight: Value, opts: { outDtype?: DType; layout?: Layout | 'nd' | 'nz'; hint?: string } = {}): Value {
    const dtype = opts.outDtype ?? 'i32';
    const layout = opts.layout === 'nz' ? nz(defaultC0(dtype) ?? 0) : opts.layout === 'nd' || !opts.layout ? ND : opts.layout;
    return this.make('npu.convert_weight_to_int4_pack', [weight], {}, [int4PackType(weight.type, dtype, layout)], [opts.hint ?? 'out']).result;
  }

  /** `npu.moe_init_routing_quant`. */
  moeInitRoutingQuant(
    x: Value,
    rowIdx: Value,
    expertIdx: Value,
    opts: { activeNum: number | bigint; scale: number; offset: number; hints?: readonly string[] },
  ): { expandedX: Value; expandedRowIdx: Value; expandedExpertIdx: Value } {
    const results = moeInitRoutingQuantTypes(x.type, rowIdx.type, Number(opts.activeNum));
    const attrs = { active_num: opts.activeNum, scale: opts.scale, offset: opts.offset };
    const hints = opts.hints ?? ['expanded_x', 'expanded_row_idx', 'expanded_expert_idx'];
    const [expandedX, expandedRowIdx, expandedExpertIdx] = this.make('npu.moe_init_routing_quant', [x, rowIdx, expertIdx], attrs, results, hints).results as [Value, Value, Value];
    return { expandedX, expandedRowIdx, expandedExpertIdx };
  }

  private make(op: OpName, operands: readonly (Value | undefined)[], attrs: Attrs, results: TensorType[], hints: readonly string[]): Node {
    if (results.some((t) => typeProblem(t))) this.verifyRulesFirst(op, operands, attrs, results, hints);
    return this.b.create(op, operands, attrs, { results, hints });
  }

  /**
   * A result the IR cannot type (an #nd i4 with an odd last dimension: dynamic_quant or
   * convert_weight to i4 on an odd row) would fail [ir.1] before the op's rules run; the spec
   * names the op's rule for these inputs, so that runs first. If it passes, create reports [ir.1].
   */
  private verifyRulesFirst(op: OpName, operands: readonly (Value | undefined)[], attrs: Attrs, results: TensorType[], hints: readonly string[]): void {
    const def = opDef(op);
    const subject = () => `${op} %${hints[0]}`;
    const tagged: Record<string, Attr> = {};
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined) continue;
      const spec = def.attrs[k];
      const a = spec && attrFromJs(spec.kind, v);
      if (!a) return; // create reports the attribute ([ir.3])
      tagged[k] = a;
    }
    const types = operands.map((v) => v?.type ?? null);
    def.verify(new OpContext(def, types, checkAttrs(def, tagged, subject), results, this.b.graph.worldSize, subject));
  }
}
