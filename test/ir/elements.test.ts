import { describe, expect, it } from 'vitest';
import { FractalError } from '../../src/ir/diagnostics.ts';
import { CLOSE, checkInitializer, formatDense, formatElement, nestingProblem, OPEN, storeLiteral, type Literal } from '../../src/ir/elements.ts';
import type { DType } from '../../src/ir/dtype.ts';
import { allocStorage } from '../../src/ir/storage.ts';
import { TensorType } from '../../src/ir/types.ts';

const lit = (text: string): Literal => ({
  kind: /^0x/.test(text) ? 'hex' : text === 'true' || text === 'false' ? 'bool' : /^-?\d+$/.test(text) ? 'int' : 'float',
  text,
});

/** Stores one literal and reads the container element back (f32 as bits). */
function stored(dtype: DType, text: string): number | bigint | string {
  const data = allocStorage(dtype, 2);
  const problem = storeLiteral(dtype, data, 1, lit(text));
  if (problem) return problem;
  return dtype === 'f32' ? new Uint32Array(data.buffer)[1]! : dtype === 'i4' ? (data as Uint8Array)[0]! >> 4 : data[1]!;
}

describe('storeLiteral', () => {
  it('rounds decimal literals once to the float dtype', () => {
    expect(stored('f32', '0.1')).toBe(0x3dcccccd);
    expect(stored('f16', '0.1')).toBe(0x2e66);
    expect(stored('bf16', '0.1')).toBe(0x3dcd);
    expect(stored('f16', '-0.0')).toBe(0x8000);
    expect(stored('f32', '1e39')).toBe(0x7f800000);
    expect(stored('bf16', '-inf')).toBe(0xff80);
    expect(stored('f16', '5.960464477539063e-8')).toBe(0x0001); // smallest f16 subnormal
  });

  it('HEX is the bit pattern, NaN payloads included', () => {
    expect(stored('f32', '0x7FA00001')).toBe(0x7fa00001);
    expect(stored('f16', '0xFC01')).toBe(0xfc01);
    expect(stored('f16', '0x10000')).toBe('must be a bit pattern of at most 16 bits');
  });

  it('integers must fit, HEX is two\'s complement of the width', () => {
    expect(stored('i8', '0xFF')).toBe(-1);
    expect(stored('i8', '0x80')).toBe(-128);
    expect(stored('i8', '0x100')).toBe('must be a bit pattern of at most 8 bits');
    expect(stored('i8', '128')).toBe('must be an integer in [-128, 127] for i8');
    expect(stored('i8', '-000000000000000000000000000000000000000128')).toBe(-128);
    expect(stored('i4', '0x8')).toBe(8); // the high nibble of byte 0 holds element 1: 0b1000 = -8
    expect(stored('i4', '-8')).toBe(8);
    expect(stored('i4', '8')).toBe('must be an integer in [-8, 7] for i4');
    expect(stored('i32', '-2147483648')).toBe(-2147483648);
    expect(stored('i64', '0xFFFFFFFFFFFFFFFF')).toBe(-1n);
    expect(stored('u64', '18446744073709551615')).toBe(2n ** 64n - 1n);
    expect(stored('u64', '18446744073709551616')).toBe('must be an integer in [0, 18446744073709551615] for u64');
    expect(stored('i64', '9'.repeat(30))).toBe('must be an integer in [-9223372036854775808, 9223372036854775807] for i64');
    expect(stored('i32', '1.0')).toBe('must be an integer for i32 (float literals are rejected)');
    expect(stored('i32', 'inf')).toBe('must be an integer for i32 (float literals are rejected)');
    expect(stored('u8', 'true')).toBe('must be an integer for u8 (not a boolean)');
  });

  it('i1 takes true, false, 1 and 0', () => {
    expect(['true', 'false', '1', '0'].map((t) => stored('i1', t))).toEqual([1, 0, 1, 0]);
    expect(stored('i1', '2')).toBe('must be true, false, 1 or 0 for i1');
    expect(stored('i1', '0x1')).toBe('must be true, false, 1 or 0 for i1');
    expect(stored('f32', 'true')).toBe('must be a number for f32');
  });
});

describe('formatElement', () => {
  const f32 = (bits: number) => formatElement('f32', new Float32Array(new Uint32Array([bits]).buffer), 0);
  it('floats in the §2.4 form, non-canonical NaNs as HEX', () => {
    expect(f32(0x3f800000)).toBe('1.0');
    expect(f32(0x80000000)).toBe('-0.0');
    expect(f32(0x7fc00000)).toBe('nan');
    expect(f32(0x7fc00001)).toBe('0x7FC00001');
    expect(f32(0xffc00000)).toBe('0xFFC00000');
    expect(formatElement('f16', new Uint16Array([0x7e00, 0x7c01, 0x3555]), 1)).toBe('0x7C01');
    expect(formatElement('f16', new Uint16Array([0x3555]), 0)).toBe('0.333251953125');
    expect(formatElement('bf16', new Uint16Array([0x7fc0]), 0)).toBe('nan');
  });
  it('integers in decimal, i1 as true/false', () => {
    expect(formatElement('i4', new Uint8Array([0x8f]), 1)).toBe('-8');
    expect(formatElement('u64', new BigUint64Array([2n ** 64n - 1n]), 0)).toBe('18446744073709551615');
    expect(formatElement('i1', new Uint8Array([0, 1]), 1)).toBe('true');
  });
});

describe('formatDense', () => {
  const ints = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  it('nests by the shape', () => {
    expect(formatDense([2, 3], 'i32', ints(6))).toBe('[[0, 1, 2], [3, 4, 5]]');
    expect(formatDense([2, 1, 2], 'i32', ints(4))).toBe('[[[0, 1]], [[2, 3]]]');
    expect(formatDense([], 'i32', ints(1))).toBe('0');
    expect(formatDense([3], 'i32', ints(3))).toBe('[0, 1, 2]');
  });
  it('zero-length axes print as []', () => {
    expect(formatDense([0], 'i32', ints(0))).toBe('[]');
    expect(formatDense([2, 0], 'i32', ints(0))).toBe('[[], []]');
    expect(formatDense([0, 3], 'i32', ints(0))).toBe('[]');
    expect(formatDense([2, 1, 0, 4], 'i32', ints(0))).toBe('[[[]], [[]]]');
  });
  it('a very deep shape does not overflow the stack', () => {
    const rank = 200_000;
    const s = formatDense(new Array(rank).fill(1), 'i32', ints(1));
    expect(s).toBe(`${'['.repeat(rank)}0${']'.repeat(rank)}`);
  });
});

describe('nestingProblem', () => {
  const E = 0; // any element index
  it('accepts exact nesting', () => {
    expect(nestingProblem([OPEN, E, E, CLOSE], [2])).toBeUndefined();
    expect(nestingProblem([E], [])).toBeUndefined();
    expect(nestingProblem([OPEN, OPEN, CLOSE, OPEN, CLOSE, CLOSE], [2, 0])).toBeUndefined();
    expect(nestingProblem([OPEN, CLOSE], [0, 7])).toBeUndefined();
  });
  it('names the first mismatch', () => {
    expect(nestingProblem([OPEN, E, CLOSE], [2])).toEqual({ at: 2, what: 'dense nesting must match shape [2]', got: '1 entries on axis 0' });
    expect(nestingProblem([OPEN, OPEN, E, CLOSE, CLOSE], [1])).toMatchObject({ at: 1, got: 'a list at depth 2' });
    expect(nestingProblem([OPEN, E, CLOSE], [1, 1])).toMatchObject({ at: 1, got: 'an element at depth 1' });
    expect(nestingProblem([OPEN, E, CLOSE], [])).toMatchObject({ at: 0, got: 'a list' });
    expect(nestingProblem([E], [1])).toMatchObject({ at: 0, got: 'an element at depth 0' });
  });
});

describe('checkInitializer ([ir.7] for built modules)', () => {
  const check = (type: TensorType, init: Parameters<typeof checkInitializer>[0]['init']) => {
    try {
      checkInitializer({ name: 'r', type, init, perRank: false });
      return 'ok';
    } catch (e) {
      return (e as FractalError).message;
    }
  };
  it('dense containers must match the dtype and element count', () => {
    expect(check(new TensorType([4], 'i4'), { kind: 'dense', data: new Uint8Array(2) })).toBe('ok');
    expect(check(new TensorType([3], 'f16'), { kind: 'dense', data: new Uint16Array(2) })).toBe('resource @r: [ir.7] dense data must be a Uint16Array of 3 elements, got Uint16Array of 2');
    expect(check(new TensorType([2], 'f16'), { kind: 'dense', data: new Float32Array(2) })).toBe('resource @r: [ir.7] dense data must be a Uint16Array of 2 elements, got Float32Array of 2');
    expect(check(new TensorType([2], 'i1'), { kind: 'splat', data: new Uint8Array([2]) })).toBe('resource @r: [ir.7] i1 elements must be 0 or 1, got 2 at element 0');
  });
  it('random bounds follow the dtype', () => {
    expect(check(new TensorType([2], 'u64'), { kind: 'random', seed: 0, lo: 0, hi: 2n ** 64n - 1n })).toBe('ok');
    expect(check(new TensorType([2], 'i64'), { kind: 'random', seed: 0, lo: -(2n ** 63n) - 1n, hi: 0 })).toBe(
      'resource @r: [ir.7] random lo and hi must lie in [-9223372036854775808, 9223372036854775807] for i64, got lo = -9223372036854775809, hi = 0',
    );
    expect(check(new TensorType([2], 'i8'), { kind: 'random', seed: 0, lo: 0.5, hi: 1 })).toBe('resource @r: [ir.7] random lo and hi must be integers for i8, got lo = 0.5, hi = 1');
    expect(check(new TensorType([2], 'f32'), { kind: 'random', seed: 0, lo: 0n, hi: 1 })).toBe('resource @r: [ir.7] random lo and hi must be floats for f32, got lo = 0, hi = 1');
  });
});
