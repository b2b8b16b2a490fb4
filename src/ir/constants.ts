// The data of resources (ir.md §3): initializers give logical elements in row-major order of the
// logical shape (rank axis included for per_rank); the value `prim.constant` yields on a rank is
// that rank's slice laid out in the resource type's layout (NZ storage derived, padding zero).
import { FractalError } from './diagnostics.ts';
import type { DType } from './dtype.ts';
import { bf16FromF64, f16FromF64 } from '../numerics/float.ts';
import { ndToNz } from './layout-convert.ts';
import type { Resource } from './module.ts';
import { randomStorage } from './random.ts';
import { allocStorage, readElement, writeElement, type Storage, type Tensor } from './storage.ts';
import { numelOf, TensorType } from './types.ts';

/** The logical ND elements of the resource's full logical shape, in a fresh container. */
export function materializeResource(r: Resource): Storage {
  const { dtype } = r.type;
  const count = numelOf(r.type.shape);
  const init = r.init;
  switch (init.kind) {
    case 'dense':
      return sliceElements(dtype, init.data, 0, count);
    case 'splat':
      return splatStorage(dtype, init.data, count);
    case 'iota':
      return iotaStorage(dtype, count);
    case 'random':
      return randomStorage(dtype, count, init.seed, init.lo, init.hi);
  }
}

/** The value `prim.constant` of `r` yields on `rank`: slice `rank` of a per_rank resource. */
export function constantTensor(r: Resource, rank: number): Tensor {
  const full = r.type;
  const type = r.perRank ? new TensorType(full.shape.slice(1), full.dtype, full.layout) : full;
  if (r.perRank && !(Number.isInteger(rank) && rank >= 0 && rank < full.shape[0]!)) {
    throw new FractalError('RUNTIME', `resource @${r.name}: [ir.7] rank must lie in [0, ${full.shape[0]}) of the per_rank axis, got ${rank}`, 'ir.7');
  }
  const count = numelOf(type.shape);
  const all = materializeResource(r);
  const logical = r.perRank ? sliceElements(full.dtype, all, rank * count, count) : all;
  const data = type.layout.kind === 'nz' ? ndToNz(logical, type.shape, type.dtype, type.layout.c0) : logical;
  return { type, data };
}

/** Elements [start, start + count) of an ND container, copied (i4 at any nibble offset). */
function sliceElements(dtype: DType, data: Storage, start: number, count: number): Storage {
  if (dtype !== 'i4') return data.slice(start, start + count);
  if (start % 2 === 0) {
    const out = (data as Uint8Array).slice(start / 2, start / 2 + Math.ceil(count / 2));
    if (count % 2 === 1) out[out.length - 1]! &= 0x0f;
    return out;
  }
  const out = allocStorage('i4', count);
  for (let k = 0; k < count; k++) writeElement('i4', out, k, readElement('i4', data, start + k));
  return out;
}

function splatStorage(dtype: DType, one: Storage, count: number): Storage {
  const out = allocStorage(dtype, count);
  if (dtype === 'i4') {
    const nib = (one as Uint8Array)[0]! & 0xf;
    (out as Uint8Array).fill(nib | (nib << 4));
    if (count % 2 === 1) (out as Uint8Array)[out.length - 1] = nib;
  } else (out as { fill(v: number | bigint): unknown }).fill(one[0]!);
  return out;
}

/** Element i is i, converted as prim.cast converts an exact integer (ir.md §6.4). */
function iotaStorage(dtype: DType, count: number): Storage {
  const out = allocStorage(dtype, count);
  const set = (convert: (i: number) => number | bigint) => {
    for (let i = 0; i < count; i++) writeElement(dtype, out, i, convert(i));
  };
  switch (dtype) {
    case 'f32':
      set(Math.fround);
      break;
    case 'f16':
      set(f16FromF64);
      break;
    case 'bf16':
      set(bf16FromF64);
      break;
    case 'i64':
    case 'u64':
      set(BigInt);
      break;
    case 'i1':
      set((i) => (i === 0 ? 0 : 1));
      break;
    default:
      // The typed-array store (and i4's low nibble) wraps modulo 2^width in the dtype's signedness.
      set((i) => i);
  }
  return out;
}
