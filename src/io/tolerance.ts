// Comparing an output with an expected array under the tolerances of conformance/README.md:
// `exact` (same values, NaN matches NaN), `ulp` (distance of ordered bit patterns) and
// `ulp_of_magnitude` (|got − expected| ≤ max_ulp · ulp(magnitude[i]) in the named dtype).
import { bf16ToF32, f16ToF64, orderedF32, orderedU16, ulpOf } from '../numerics/float.ts';
import { shapeToString, stridesOf } from '../ir/types.ts';
import type { NpyArray } from './npy.ts';

export type Tolerance =
  | { readonly kind: 'exact' }
  | { readonly kind: 'ulp'; readonly dtype: FloatTag; readonly max_ulp: number }
  | { readonly kind: 'ulp_of_magnitude'; readonly dtype: FloatTag; readonly max_ulp: number; readonly magnitude: string };

export type FloatTag = 'float32' | 'float16' | 'bfloat16';

export const FLOAT_TAGS: readonly string[] = ['float32', 'float16', 'bfloat16'];

const FORMAT = { float32: 'f32', float16: 'f16', bfloat16: 'bf16' } as const;

/** The value of element i of a container holding data of the given dtype tag. */
function floatReader(arr: NpyArray, tag: string): (i: number) => number {
  const d = arr.data;
  if (tag === 'float16' && arr.dtype === 'float16') return (i) => f16ToF64(d[i] as number);
  if (tag === 'bfloat16' && arr.dtype === 'uint16') return (i) => bf16ToF32(d[i] as number);
  return (i) => Number(d[i]);
}

/** Ordered integer of element i's bit pattern (monotonic in value, ±0 both 0). */
function orderedReader(arr: NpyArray, tag: string): (i: number) => number {
  const d = arr.data;
  if (tag === 'float32') return (i) => orderedF32(d[i] as number);
  return (i) => orderedU16(d[i] as number);
}

function position(i: number, shape: readonly number[]): string {
  const strides = stridesOf(shape);
  return shapeToString(strides.map((s, k) => Math.floor(i / s) % shape[k]!));
}

/**
 * Why `got` does not match `want` under `tol` (undefined when it matches). `tag` is the output's
 * dtype tag; `magnitude` is required for ulp_of_magnitude.
 */
export function mismatch(got: NpyArray, want: NpyArray, tag: string, tol: Tolerance, magnitude?: NpyArray): string | undefined {
  if (got.dtype !== want.dtype) return `stored as ${got.dtype}, expected ${want.dtype}`;
  if (shapeToString(got.shape) !== shapeToString(want.shape)) return `shape ${shapeToString(got.shape)}, expected ${shapeToString(want.shape)}`;
  const n = got.data.length;
  const isFloat = FLOAT_TAGS.includes(tag);
  let ok: (i: number) => boolean;
  let label: string;
  const gv = isFloat ? floatReader(got, tag) : (i: number) => got.data[i]!;
  const wv = isFloat ? floatReader(want, tag) : (i: number) => want.data[i]!;
  const same = (a: number | bigint, b: number | bigint) => a === b || (a !== a && b !== b);
  if (tol.kind === 'exact' || !isFloat) {
    label = 'exactly';
    ok = (i) => same(gv(i), wv(i));
  } else if (tol.kind === 'ulp') {
    label = `within ${tol.max_ulp} ulp`;
    const go = orderedReader(got, tag);
    const wo = orderedReader(want, tag);
    ok = (i) => {
      const a = gv(i) as number;
      const b = wv(i) as number;
      if (a !== a || b !== b) return a !== a && b !== b;
      return Math.abs(go(i) - wo(i)) <= tol.max_ulp;
    };
  } else {
    if (!magnitude || magnitude.data.length !== n) {
      return `the magnitude array must have ${n} elements, got ${magnitude ? magnitude.data.length : 'none'}`;
    }
    label = `within ${tol.max_ulp} ulp of the magnitude`;
    const mag = floatReader(magnitude, magnitude.dtype === 'float16' ? 'float16' : 'float32');
    const format = FORMAT[tol.dtype];
    ok = (i) => {
      const a = gv(i) as number;
      const b = wv(i) as number;
      if (same(a, b)) return true;
      return Math.abs(a - b) <= tol.max_ulp * ulpOf(format, mag(i));
    };
  }
  let bad = 0;
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (ok(i)) continue;
    if (bad++ === 0) first = i;
  }
  if (bad === 0) return undefined;
  return `${bad} of ${n} elements differ (compared ${label}); first at ${position(first, got.shape)}: got ${String(gv(first))}, expected ${String(wv(first))}`;
}
