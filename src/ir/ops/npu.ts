// npu.* ops (ir.md §5): the fused Ascend operators, one file each under npu/.
import { CONVERT_WEIGHT_TO_INT4_PACK } from './npu/convert-weight-to-int4-pack.ts';
import { DYNAMIC_QUANT } from './npu/dynamic-quant.ts';
import { MOE_INIT_ROUTING_QUANT } from './npu/moe-init-routing-quant.ts';
import { QUANT_MATMUL_ALL_REDUCE } from './npu/quant-matmul-all-reduce.ts';
import { QUANTIZE } from './npu/quantize.ts';
import { TRANS_QUANT_PARAM } from './npu/trans-quant-param.ts';
import type { OpDef } from './registry.ts';

export const NPU_OPS = {
  'npu.dynamic_quant': DYNAMIC_QUANT,
  'npu.quantize': QUANTIZE,
  'npu.quant_matmul_all_reduce': QUANT_MATMUL_ALL_REDUCE,
  'npu.trans_quant_param': TRANS_QUANT_PARAM,
  'npu.convert_weight_to_int4_pack': CONVERT_WEIGHT_TO_INT4_PACK,
  'npu.moe_init_routing_quant': MOE_INIT_ROUTING_QUANT,
} satisfies Record<string, OpDef>;
