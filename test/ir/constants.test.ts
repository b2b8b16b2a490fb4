import { describe, expect, it } from 'vitest';
import { constantTensor, materializeResource } from '../../src/ir/constants.ts';
import { FractalError } from '../../src/ir/diagnostics.ts';
import type { DType } from '../../src/ir/dtype.ts';
import { ND, nz, type Layout } from '../../src/ir/layout.ts';
import type { Initializer, Resource } from '../../src/ir/module.ts';
import { TensorType } from '../../src/ir/types.ts';

const resource = (shape: number[], dtype: DType, init: Initializer, perRank = false, layout: Layout = ND): Resource => ({
  name: 'r',
  type: new TensorType(shape, dtype, layout),
  init,
  perRank,
});

describe('materializeResource: logical elements in row-major order', () => {
  it('dense copies, splat fills', () => {
    const dense = new Int8Array([1, -2, 3, -4]);
    const d = materializeResource(resource([2, 2], 'i8', { kind: 'dense', data: dense }));
    expect([...d]).toEqual([1, -2, 3, -4]);
    expect(d).not.toBe(dense);
    expect([...materializeResource(resource([3], 'u64', { kind: 'splat', data: new BigUint64Array([2n ** 64n - 1n]) }))]).toEqual([2n ** 64n - 1n, 2n ** 64n - 1n, 2n ** 64n - 1n]);
    // i4 splat -3 = nibble 0xD in both halves; an odd count leaves the last high nibble 0.
    expect([...materializeResource(resource([3], 'i4', { kind: 'splat', data: new Uint8Array([0x0d]) }))]).toEqual([0xdd, 0x0d]);
  });

  it('iota converts exact integers as prim.cast does', () => {
    const i8 = materializeResource(resource([300], 'i8', { kind: 'iota' }));
    expect([i8[127], i8[128], i8[255], i8[256]]).toEqual([127, -128, -1, 0]); // wraps mod 2^8
    const f16 = materializeResource(resource([2051], 'f16', { kind: 'iota' }));
    expect([f16[2048], f16[2049], f16[2050]]).toEqual([0x6800, 0x6800, 0x6801]); // 2049 ties to 2048
    const i4 = materializeResource(resource([10], 'i4', { kind: 'iota' }));
    expect([...i4]).toEqual([0x10, 0x32, 0x54, 0x76, 0x98]); // 8 -> nibble 8 (= -8), 9 -> 9 (= -7)
    expect([...materializeResource(resource([3], 'i1', { kind: 'iota' }))]).toEqual([0, 1, 1]);
    expect([...materializeResource(resource([2], 'i64', { kind: 'iota' }))]).toEqual([0n, 1n]);
  });

  it('random draws element k from output k over the full per_rank shape', () => {
    const r = resource([2, 64, 32], 'i8', { kind: 'random', seed: 3, lo: -128, hi: 127 }, true);
    const all = materializeResource(r);
    expect(all.length).toBe(4096);
    expect([...all.slice(2048, 2052)]).toEqual([-15, 56, -41, 121]);
  });
});

describe('constantTensor: the value prim.constant yields on a rank (ir.md §3.3)', () => {
  it('reads slice r of a per_rank resource (§10 @w0)', () => {
    const r = resource([2, 64, 32], 'i8', { kind: 'random', seed: 3, lo: -128, hi: 127 }, true);
    const r0 = constantTensor(r, 0);
    const r1 = constantTensor(r, 1);
    expect(r0.type.toString()).toBe('tensor<64x32xi8>');
    expect([...r0.data.slice(0, 4)]).toEqual([103, -55, 69, -21]);
    expect([...r1.data.slice(0, 4)]).toEqual([-15, 56, -41, 121]);
    expect(() => constantTensor(r, 2)).toThrow(FractalError);
  });

  it('lays an NZ resource out in NZ: the same logical elements, padding zero', () => {
    const nd = resource([2, 64, 32], 'i8', { kind: 'random', seed: 3, lo: -128, hi: 127 }, true);
    const z = resource([2, 64, 32], 'i8', { kind: 'random', seed: 3, lo: -128, hi: 127 }, true, nz(32));
    const a = constantTensor(nd, 1).data;
    const t = constantTensor(z, 1);
    expect(t.type.toString()).toBe('tensor<64x32xi8, #nz<c0=32>>');
    expect(t.data.length).toBe(1 * 4 * 16 * 32);
    // Element (i, j) of a 64 x 32 matrix with c0 32 is at i·32 + j: here the NZ order equals ND.
    expect([...t.data]).toEqual([...a]);
    const padded = constantTensor(resource([3, 40], 'i8', { kind: 'iota' }, false, nz(32)), 0).data;
    expect(padded.length).toBe(1024);
    expect(padded[579]).toBe(2 * 40 + 35); // layout.md §2.8 element (2, 35)
    expect(padded[3 * 32]).toBe(0); // row 3 is padding
  });

  it('slices packed i4 and bigint containers', () => {
    const i4 = resource([2, 1, 2], 'i4', { kind: 'dense', data: new Uint8Array([0x21, 0xf8]) }, true);
    expect([...constantTensor(i4, 1).data]).toEqual([0xf8]);
    const u64 = resource([2, 2], 'u64', { kind: 'dense', data: new BigUint64Array([1n, 2n, 3n, 2n ** 63n]) }, true);
    expect([...constantTensor(u64, 1).data]).toEqual([3n, 2n ** 63n]);
    const i4nz = constantTensor(resource([2, 4], 'i4', { kind: 'dense', data: new Uint8Array([0x21, 0x43, 0x65, 0x87]) }, false, nz(64)), 0).data;
    expect(i4nz.length).toBe(512);
    expect([...i4nz.slice(0, 2)]).toEqual([0x21, 0x43]); // row 0 at storage 0
    expect([...i4nz.slice(32, 34)]).toEqual([0x65, 0x87]); // row 1 at element 64 = byte 32
  });
});
