// Literal elements of dense/splat initializers <-> the dtype's ND container (ir.md §3.1), the
// float form of printed numbers (§2.4), and the [ir.7] initializer checks.
import { bf16FromF64, bf16ToF32, f16FromF64, f16ToF64, f32Bits, f32FromBits, F32_NAN_BITS, F16_NAN, BF16_NAN } from '../numerics/float.ts';
import { ruleError } from './diagnostics.ts';
import { DTYPE_INFO, isFloat, type DType } from './dtype.ts';
import type { Resource } from './module.ts';
import { containerLength, readElement, STORAGE_CTOR, writeElement, type Storage } from './storage.ts';
import { numelOf, shapeToString } from './types.ts';

/** One written element: INTEGER, FLOAT (including `inf`, `-inf`, `nan`), HEX or true/false. */
export interface Literal {
  readonly kind: 'int' | 'float' | 'hex' | 'bool';
  readonly text: string;
}

/** The float64 value of a FLOAT or INTEGER literal (correctly rounded decimal). */
export function literalNumber(text: string): number {
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  if (text === 'nan') return NaN;
  return Number(text);
}

/** §2.4 float form: `Number#toString`, `.0` added when it has no `.` or `e`; `-0.0`, `inf`, `nan`. */
export function formatFloat(v: number): string {
  if (v !== v) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0.0';
  const s = String(v);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

const floatWidth = (d: DType): number => (d === 'f32' ? 32 : 16);
const CANONICAL_NAN: Partial<Record<DType, number>> = { f32: F32_NAN_BITS, f16: F16_NAN, bf16: BF16_NAN };

/** Float containers are written and read as bits, so NaN payloads survive (JS numbers lose them). */
function floatBitsView(dtype: DType, data: Storage): Uint32Array | Uint16Array {
  return dtype === 'f32' ? new Uint32Array(data.buffer, data.byteOffset, data.length) : (data as Uint16Array);
}

function floatFromBits(dtype: DType, bits: number): number {
  return dtype === 'f32' ? f32FromBits(bits) : dtype === 'f16' ? f16ToF64(bits) : bf16ToF32(bits);
}

/** Integers beyond this many digits are out of every dtype's range (and costly as BigInt). */
const MAX_INT_DIGITS = 24;

function integerValue(text: string): bigint | undefined {
  const digits = text.replace(/^-?0*/, '');
  return digits.length > MAX_INT_DIGITS ? undefined : BigInt(text);
}

/**
 * Converts `lit` to `dtype` and writes it as element `i` of `data` (ir.md §3.1): floats rounded
 * once from float64, HEX as the bit pattern, integers exactly. Returns what is wrong, or
 * undefined when the element was written.
 */
export function storeLiteral(dtype: DType, data: Storage, i: number, lit: Literal): string | undefined {
  const info = DTYPE_INFO[dtype];
  if (info.cls === 'float') {
    let bits: number;
    if (lit.kind === 'bool') return `must be a number for ${dtype}`;
    if (lit.kind === 'hex') {
      const v = BigInt(lit.text);
      if (v >> BigInt(floatWidth(dtype)) !== 0n) return `must be a bit pattern of at most ${floatWidth(dtype)} bits`;
      bits = Number(v);
    } else {
      const v = literalNumber(lit.text);
      if (dtype === 'f16') bits = f16FromF64(v);
      else if (dtype === 'bf16') bits = bf16FromF64(v);
      else bits = v !== v ? F32_NAN_BITS : f32Bits(Math.fround(v));
    }
    floatBitsView(dtype, data)[i] = bits;
    return undefined;
  }
  let v: bigint | undefined;
  if (dtype === 'i1') {
    if (lit.kind === 'bool') v = lit.text === 'true' ? 1n : 0n;
    else if (lit.kind === 'int') v = integerValue(lit.text);
    if (v !== 0n && v !== 1n) return 'must be true, false, 1 or 0 for i1';
  } else if (lit.kind === 'hex') {
    v = BigInt(lit.text);
    if (v >> BigInt(info.bits) !== 0n) return `must be a bit pattern of at most ${info.bits} bits`;
    if (info.signed && v >> BigInt(info.bits - 1) !== 0n) v -= 1n << BigInt(info.bits);
  } else if (lit.kind === 'int') {
    v = integerValue(lit.text);
    if (v === undefined || v < info.min! || v > info.max!) return `must be an integer in [${info.min}, ${info.max}] for ${dtype}`;
  } else {
    return `must be an integer for ${dtype} (${lit.kind === 'float' ? 'float literals are rejected' : 'not a boolean'})`;
  }
  if (dtype === 'i64' || dtype === 'u64') (data as BigInt64Array | BigUint64Array)[i] = v;
  else writeElement(dtype, data, i, Number(v));
  return undefined;
}

/** Element `i` in its printed form: float form or HEX for a non-canonical NaN, decimal, true/false. */
export function formatElement(dtype: DType, data: Storage, i: number): string {
  if (isFloat(dtype)) {
    const bits = floatBitsView(dtype, data)[i]!;
    const v = floatFromBits(dtype, bits);
    if (v === v || bits === CANONICAL_NAN[dtype]) return formatFloat(v);
    return `0x${bits.toString(16).toUpperCase().padStart(floatWidth(dtype) / 4, '0')}`;
  }
  if (dtype === 'i1') return data[i] ? 'true' : 'false';
  return String(readElement(dtype, data, i));
}

/**
 * The nested-list text of logical elements (`[[1, 2], [3, 4]]`, a bare element at rank 0, `[]`
 * for a zero-length axis). Iterative, so a deep shape cannot overflow the stack.
 */
export function formatDense(shape: readonly number[], dtype: DType, data: Storage): string {
  const zeroAxis = shape.indexOf(0);
  // Axes up to a zero-length one are nested lists; that axis itself prints as `[]`.
  const outer = zeroAxis < 0 ? shape : shape.slice(0, zeroAxis);
  const leaf = zeroAxis < 0 ? (i: number) => formatElement(dtype, data, i) : () => '[]';
  const n = numelOf(outer);
  const parts: string[] = ['['.repeat(outer.length)];
  const idx = new Array<number>(outer.length).fill(0);
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      // Advance the multi-index; every axis that wraps to 0 closes one list and opens the next.
      let wrapped = 0;
      for (let a = outer.length - 1; a >= 0; a--) {
        if (++idx[a]! < outer[a]!) break;
        idx[a] = 0;
        wrapped++;
      }
      parts.push(`${']'.repeat(wrapped)}, ${'['.repeat(wrapped)}`);
    }
    parts.push(leaf(i));
  }
  parts.push(']'.repeat(outer.length));
  return parts.join('');
}

/** Events of a written dense literal, in text order: list open, list close, or element index. */
export const OPEN = -1;
export const CLOSE = -2;

/**
 * Checks that nested-list events match `shape` exactly (ir.md §3.1: a bare element at rank 0,
 * `[]` for a zero-length axis). Returns the index of the offending event and what is wrong.
 */
export function nestingProblem(events: readonly number[], shape: readonly number[]): { at: number; what: string; got: string } | undefined {
  const rank = shape.length;
  const want = `dense nesting must match shape ${shapeToString(shape)}`;
  if (rank === 0) {
    return events.length === 1 && events[0]! >= 0 ? undefined : { at: 0, what: `${want} (a bare element)`, got: 'a list' };
  }
  const counts: number[] = [];
  for (let k = 0; k < events.length; k++) {
    const e = events[k]!;
    if (e === CLOSE) {
      const axis = counts.length - 1;
      const n = counts.pop()!;
      if (n !== shape[axis]) return { at: k, what: want, got: `${n} entries on axis ${axis}` };
      continue;
    }
    const depth = counts.length;
    if (e === OPEN ? depth >= rank : depth !== rank) {
      return { at: k, what: want, got: e === OPEN ? `a list at depth ${depth + 1}` : `an element at depth ${depth}` };
    }
    if (depth > 0) counts[depth - 1]!++;
    if (e === OPEN) counts.push(0);
  }
  return undefined;
}

/** The [ir.7] checks on an initializer's data that the text cannot guarantee for built modules. */
export function checkInitializer(r: Resource): void {
  const where = `resource @${r.name}`;
  const { dtype } = r.type;
  const info = DTYPE_INFO[dtype];
  const init = r.init;
  if (init.kind === 'dense' || init.kind === 'splat') {
    const Ctor = STORAGE_CTOR[dtype];
    const len = init.kind === 'dense' ? containerLength(dtype, numelOf(r.type.shape)) : 1;
    if (!(init.data instanceof Ctor) || init.data.length !== len) {
      throw ruleError('VERIFY', where, 'ir.7', `${init.kind} data must be a ${Ctor.name} of ${len} elements`, `${init.data.constructor.name} of ${init.data.length}`);
    }
    if (dtype === 'i1') {
      const bad = (init.data as Uint8Array).findIndex((b) => b > 1);
      if (bad >= 0) throw ruleError('VERIFY', where, 'ir.7', 'i1 elements must be 0 or 1', `${init.data[bad]} at element ${bad}`);
    }
  } else if (init.kind === 'random') {
    const { lo, hi } = init;
    const got = `lo = ${lo}, hi = ${hi}`;
    if (info.cls === 'float') {
      if (typeof lo !== 'number' || typeof hi !== 'number') throw ruleError('VERIFY', where, 'ir.7', `random lo and hi must be floats for ${dtype}`, got);
    } else {
      const isInt = (v: number | bigint) => typeof v === 'bigint' || Number.isInteger(v);
      if (!isInt(lo) || !isInt(hi)) throw ruleError('VERIFY', where, 'ir.7', `random lo and hi must be integers for ${dtype}`, got);
      if (BigInt(lo) < info.min! || BigInt(hi) > info.max!) {
        throw ruleError('VERIFY', where, 'ir.7', `random lo and hi must lie in [${info.min}, ${info.max}] for ${dtype}`, got);
      }
    }
  }
}
