// The one registration list of the CPU backend: a kernel for every op. The table is a mapped
// type over OpName, so an op without a kernel does not compile.
import type { OpName } from '../../../ir/ops/registry.ts';
import type { Kernel } from '../kernel.ts';
import { allReduceKernel } from './all-reduce.ts';
import { argsortKernel } from './argsort.ts';
import { bitcastKernel } from './bitcast.ts';
import { andKernel, orKernel, shlKernel, shrKernel, xorKernel } from './bitwise.ts';
import { broadcastToKernel } from './broadcast-to.ts';
import { castKernel } from './cast.ts';
import { clampKernel } from './clamp.ts';
import { concatKernel } from './concat.ts';
import { constantKernel } from './constant.ts';
import { convertWeightToInt4PackKernel } from './convert-weight-to-int4-pack.ts';
import { dynamicQuantKernel } from './dynamic-quant.ts';
import { addKernel, divKernel, maxKernel, minKernel, mulKernel, subKernel } from './elementwise-binary.ts';
import { gatherKernel } from './gather.ts';
import { iotaKernel } from './iota.ts';
import { matmulKernel } from './matmul.ts';
import { moeInitRoutingQuantKernel } from './moe-init-routing-quant.ts';
import { padKernel } from './pad.ts';
import { quantMatmulAllReduceKernel } from './quant-matmul-all-reduce.ts';
import { quantizeKernel } from './quantize.ts';
import { reduceMaxKernel } from './reduce-max.ts';
import { reshapeKernel } from './reshape.ts';
import { scatterKernel } from './scatter.ts';
import { sliceKernel } from './slice.ts';
import { transDataKernel } from './trans-data.ts';
import { transQuantParamKernel } from './trans-quant-param.ts';
import { transposeKernel } from './transpose.ts';
import { absKernel, negKernel, reciprocalKernel, roundKernel } from './unary.ts';

export const KERNELS: { readonly [K in OpName]: Kernel } = {
  'prim.add': addKernel,
  'prim.sub': subKernel,
  'prim.mul': mulKernel,
  'prim.div': divKernel,
  'prim.max': maxKernel,
  'prim.min': minKernel,
  'prim.and': andKernel,
  'prim.or': orKernel,
  'prim.xor': xorKernel,
  'prim.shl': shlKernel,
  'prim.shr': shrKernel,
  'prim.abs': absKernel,
  'prim.neg': negKernel,
  'prim.reciprocal': reciprocalKernel,
  'prim.round': roundKernel,
  'prim.clamp': clampKernel,
  'prim.cast': castKernel,
  'prim.bitcast': bitcastKernel,
  'prim.matmul': matmulKernel,
  'prim.reduce_max': reduceMaxKernel,
  'prim.argsort': argsortKernel,
  'prim.reshape': reshapeKernel,
  'prim.transpose': transposeKernel,
  'prim.broadcast_to': broadcastToKernel,
  'prim.slice': sliceKernel,
  'prim.pad': padKernel,
  'prim.concat': concatKernel,
  'prim.gather': gatherKernel,
  'prim.scatter': scatterKernel,
  'prim.iota': iotaKernel,
  'prim.constant': constantKernel,
  'npu.dynamic_quant': dynamicQuantKernel,
  'npu.quantize': quantizeKernel,
  'npu.quant_matmul_all_reduce': quantMatmulAllReduceKernel,
  'npu.trans_quant_param': transQuantParamKernel,
  'npu.convert_weight_to_int4_pack': convertWeightToInt4PackKernel,
  'npu.moe_init_routing_quant': moeInitRoutingQuantKernel,
  'layout.trans_data': transDataKernel,
  'comm.all_reduce': allReduceKernel,
};
