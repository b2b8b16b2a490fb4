// layout.* ops (ir.md §5, layout.md §4): ND <-> FRACTAL_NZ conversion.
import type { DType } from '../dtype.ts';
import { ND, nz } from '../layout.ts';
import { TensorType, shapeToString, shapesEqual } from '../types.ts';
import type { OpDef } from './registry.ts';

const TRANS_DATA_DTYPES: readonly DType[] = ['f16', 'bf16', 'f32', 'i8', 'u8', 'i4', 'i32'];

export const LAYOUT_OPS = {
  'layout.trans_data': {
    name: 'layout.trans_data',
    operands: [{ name: 'x' }],
    results: ['y'],
    attrs: {},
    // No `infer`: the target layout and its c0 are whatever the caller's result type says.
    verify(ctx) {
      const x = ctx.input('x');
      const y = ctx.result('y');
      if (!TRANS_DATA_DTYPES.includes(x.dtype)) ctx.fail('trans_data.1', `x must be one of ${TRANS_DATA_DTYPES.join(', ')}`, x.dtype);
      if (y.dtype !== x.dtype) ctx.fail('trans_data.1', `y must have x's dtype ${x.dtype}`, y.dtype);
      if (!shapesEqual(y.shape, x.shape)) ctx.fail('trans_data.1', `y must have x's logical shape ${shapeToString(x.shape)}`, shapeToString(y.shape));
      if (x.rank < 2) ctx.fail('trans_data.2', 'x must have rank >= 2', x.rank);
      if (x.layout.kind === 'nz' && y.layout.kind === 'nz' && x.layout.c0 !== y.layout.c0) {
        ctx.fail('trans_data.3', `NZ to NZ must keep c0 = ${x.layout.c0}`, `c0 = ${y.layout.c0}`);
      }
      // [trans_data.4] (NZ storage shape) and [trans_data.5] (even i4 last dimension in ND) hold
      // by construction: storage is derived from the type, and the type rules [ir.1] already
      // reject an illegal c0 and an odd i4 last dimension. Outside buffers are checked as feeds.
    },
    examples: [
      { name: 'i8 ND to NZ', operands: [new TensorType([64, 32], 'i8')], results: [new TensorType([64, 32], 'i8', nz(32))] },
      { name: 'f32 NZ c0 16 to ND', operands: [new TensorType([2, 17, 5], 'f32', nz(16))], results: [new TensorType([2, 17, 5], 'f32', ND)] },
      { name: 'i4 ND to NZ', operands: [new TensorType([17, 70], 'i4')], results: [new TensorType([17, 70], 'i4', nz(64))] },
    ],
  },
} satisfies Record<string, OpDef>;
