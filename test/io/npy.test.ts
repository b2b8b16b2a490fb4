import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FractalError } from '../../src/ir/diagnostics.ts';
import { nz } from '../../src/ir/layout.ts';
import { TensorType } from '../../src/ir/types.ts';
import {
  containerShape,
  encodeNpy,
  feedsFromNpy,
  npyFromTensor,
  parseNpy,
  readNpy,
  tensorFromNpy,
  writeNpy,
} from '../../src/io/npy.ts';

/** A .npy file built by hand: prefix, header text padded with spaces to `total`, then data. */
function npyBytes(header: string, data: Uint8Array, opts: { version?: number; total?: number } = {}): Uint8Array {
  const version = opts.version ?? 1;
  const prefix = version === 1 ? 10 : 12;
  const total = opts.total ?? Math.ceil((prefix + header.length + 1) / 64) * 64;
  const text = header.padEnd(total - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i);
  out.set(data, total);
  return out;
}

const le = (arr: ArrayBufferView) => new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);

function ioError(fn: () => unknown): FractalError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FractalError);
    expect((e as FractalError).code).toBe('IO');
    return e as FractalError;
  }
  throw new Error('expected an IO error');
}

describe('.npy reading', () => {
  it('reads a version 1.0 float16 file as uint16 bits', () => {
    const bits = new Uint16Array([0x3c00, 0x4000, 0xc200, 0x7c00, 0x0001, 0x8000]); // 1, 2, -3, inf, 2^-24, -0
    const a = parseNpy(npyBytes("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }", le(bits)), 'a.npy');
    expect(a.dtype).toBe('float16');
    expect(a.shape).toEqual([2, 3]);
    expect([...a.data]).toEqual([...bits]);
  });

  it('reads version 2.0 and 3.0 headers, scalars and every dtype the containers use', () => {
    const i64 = new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]);
    const a = parseNpy(npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", le(i64), { version: 2 }), 'a.npy');
    expect([...(a.data as BigInt64Array)]).toEqual([-(2n ** 63n), 2n ** 63n - 1n]);
    const s = parseNpy(npyBytes("{'shape': (), 'fortran_order': False, 'descr': '<f4'}", le(new Float32Array([0.5]))), 's.npy');
    expect(s.shape).toEqual([]);
    expect(s.data[0]).toBe(0.5);
    const b = parseNpy(npyBytes("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", new Uint8Array([1, 0, 1]), { version: 3 }), 'b.npy');
    expect(b.dtype).toBe('bool');
    for (const [descr, dtype] of [
      ['|i1', 'int8'],
      ['|u1', 'uint8'],
      ['<u2', 'uint16'],
      ['<i4', 'int32'],
      ['<u8', 'uint64'],
    ] as const) {
      expect(parseNpy(npyBytes(`{'descr': '${descr}', 'fortran_order': False, 'shape': (0,), }`, new Uint8Array()), 'z.npy').dtype).toBe(dtype);
    }
  });

  it('writes what NumPy writes (header text, 64-byte alignment) and reads it back', () => {
    const data = new Int32Array([1, -2, 3, -4, 5, -6]);
    const bytes = encodeNpy({ dtype: 'int32', shape: [3, 2], data });
    const expected = npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 2), }", le(data));
    expect([...bytes]).toEqual([...expected]);
    expect(bytes.length).toBe(128 + 24);
    const one = encodeNpy({ dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) });
    expect(new TextDecoder().decode(one.subarray(10, 10 + 57))).toBe("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }");
  });

  it('writes atomically and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    const path = join(dir, 'x.npy');
    writeNpy(path, { dtype: 'float32', shape: [2], data: new Float32Array([1.5, -2]) });
    writeNpy(path, { dtype: 'float32', shape: [1], data: new Float32Array([7]) });
    expect(readdirSync(dir)).toEqual(['x.npy']);
    const a = readNpy(path);
    expect(a.shape).toEqual([1]);
    expect(a.data[0]).toBe(7);
    ioError(() => writeNpy(join(dir, 'missing-dir', 'y.npy'), { dtype: 'float32', shape: [1], data: new Float32Array([1]) }));
    ioError(() => writeNpy(path, { dtype: 'float32', shape: [3], data: new Float32Array([1]) }));
    expect(readdirSync(dir)).toEqual(['x.npy']);
  });
});

describe('.npy malformed files', () => {
  const good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
  const data = le(new Float32Array(4));

  it('rejects a bad magic, an unknown version and a truncated prefix', () => {
    const bad = npyBytes(good, data);
    bad[1] = 0x41;
    expect(ioError(() => parseNpy(bad, 'm.npy')).message).toBe('m.npy: not a .npy file (bad magic, expected 93 4e 55 4d 50 59), got 93 41 55 4d 50 59');
    const v9 = npyBytes(good, data);
    v9[6] = 9;
    expect(ioError(() => parseNpy(v9, 'v.npy')).message).toMatch(/^v\.npy: unsupported \.npy format version .*, got 9\.0$/);
    expect(ioError(() => parseNpy(new Uint8Array(0), 'e.npy')).message).toBe('e.npy: not a .npy file (bad magic, expected 93 4e 55 4d 50 59), got an empty file');
    expect(ioError(() => parseNpy(npyBytes(good, data).subarray(0, 40), 't.npy')).message).toMatch(/^t\.npy: truncated header/);
  });

  it('rejects data that is shorter or longer than the header says', () => {
    const short = ioError(() => parseNpy(npyBytes(good, data.subarray(0, 12)), 's.npy'));
    expect(short.message).toBe('s.npy: data size does not match the header (shape (2, 2) of float32 needs 16 bytes), got 12 bytes');
    ioError(() => parseNpy(npyBytes(good, new Uint8Array(20)), 'l.npy'));
  });

  it('rejects an absurd shape before allocating anything', () => {
    const e = ioError(() => parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, 100000), }", data), 'h.npy'));
    expect(e.message).toContain('needs 8000000000000000 bytes), got 16 bytes');
    ioError(() => parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 4), }", data), 'n.npy'));
    ioError(() => parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1e3,), }", data), 'f.npy'));
  });

  it('reads Fortran-order data into C order, bits unchanged (np.save of a transposed view)', () => {
    // The (2, 3) array [[0, 1, 2], [3, 4, 5]] column-major: 0 3 1 4 2 5; element [1, 2] a signalling NaN.
    const cols = new Uint32Array([0, 3, 1, 4, 2, 0x7f800001]);
    const a = parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", le(cols)), 'f.npy');
    expect(a.shape).toEqual([2, 3]);
    expect([...new Uint32Array(a.data.buffer)]).toEqual([0, 1, 2, 3, 4, 0x7f800001]);
    const i8 = Int8Array.from({ length: 24 }, (_, e) => e); // (2, 3, 4) column-major: element [i, j, l] at i + 2j + 6l
    const b = parseNpy(npyBytes("{'descr': '|i1', 'fortran_order': True, 'shape': (2, 3, 4), }", le(i8)), 'g.npy');
    expect([...b.data].slice(0, 6)).toEqual([0, 6, 12, 18, 2, 8]);
    expect(b.data[23]).toBe(23);
    expect(ioError(() => parseNpy(npyBytes(good.replace('False', '1'), data), 'o.npy')).message).toBe('o.npy: fortran_order must be True or False, got fortran_order = 1');
  });

  it('rejects big-endian and unsupported dtypes', () => {
    expect(ioError(() => parseNpy(npyBytes(good.replace('<f4', '>f4'), data), 'b.npy')).message).toBe(
      "b.npy: big-endian data is not supported (little-endian only), got '>f4'",
    );
    expect(ioError(() => parseNpy(npyBytes(good.replace('<f4', '<c8'), data), 'c.npy')).message).toContain("unsupported dtype");
    ioError(() => parseNpy(npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }", data), 's.npy'));
  });

  it('rejects a malformed or too long header', () => {
    ioError(() => parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False}", data), 'k.npy'));
    ioError(() => parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", data), 'k.npy'));
    ioError(() => parseNpy(npyBytes("{'descr': '<f4' 'fortran_order': False, 'shape': (2, 2)}", data), 'p.npy'));
    ioError(() => parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (((((((((((2,)))))))))))}", data), 'd.npy'));
    const long = npyBytes(good, data, { version: 2, total: 12 + 20_000 });
    expect(ioError(() => parseNpy(long, 'big.npy')).message).toBe('big.npy: header too long (at most 10000 bytes), got 20000 bytes');
  });

  it('reads files through the same checks and names a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    const path = join(dir, 'short.npy');
    writeFileSync(path, npyBytes(good, data.subarray(0, 4)));
    expect(ioError(() => readNpy(path)).message).toContain(`${path}: data size does not match the header`);
    expect(ioError(() => readNpy(join(dir, 'none.npy'))).message).toBe(`${join(dir, 'none.npy')}: cannot open the file, got ENOENT`);
    expect(ioError(() => readNpy(dir)).message).toBe(`${dir}: cannot read the file, got EISDIR`);
    writeFileSync(path, npyBytes(good, data));
    expect(readNpy(path).shape).toEqual([2, 2]);
    expect(readFileSync(path).length).toBe(128 + 16);
  });
});

describe('tensor containers', () => {
  it('carries bf16 as uint16, i4 packed with the last dimension halved, NZ in its storage shape', () => {
    expect(containerShape(new TensorType([3, 8], 'i4'))).toEqual([3, 4]);
    expect(containerShape(new TensorType([17, 70], 'i4', nz(64)))).toEqual([2, 2, 16, 32]);
    expect(containerShape(new TensorType([40, 100], 'i8', nz(32)))).toEqual([4, 3, 16, 32]);
    const t = tensorFromNpy({ dtype: 'uint16', shape: [2], data: new Uint16Array([0x3f80, 0xbf80]) }, new TensorType([2], 'bf16'), 'x.npy');
    expect(t.type.dtype).toBe('bf16');
    expect(npyFromTensor(t).dtype).toBe('uint16');
    const i4 = tensorFromNpy({ dtype: 'uint8', shape: [1, 2], data: new Uint8Array([0x8f, 0x07]) }, new TensorType([1, 4], 'i4'), 'w.npy');
    expect(npyFromTensor(i4).shape).toEqual([1, 2]);
  });

  it('checks the container dtype and shape against the type', () => {
    const type = new TensorType([40, 100], 'i8', nz(32));
    expect(ioError(() => tensorFromNpy({ dtype: 'int8', shape: [40, 100], data: new Int8Array(4000) }, type, 'x.npy')).message).toBe(
      'x.npy: tensor<40x100xi8, #nz<c0=32>> is stored with shape [4, 3, 16, 32] (its NZ storage shape), got [40, 100]',
    );
    expect(ioError(() => tensorFromNpy({ dtype: 'float16', shape: [2], data: new Uint16Array(2) }, new TensorType([2], 'bf16'), 'y.npy')).message).toBe(
      'y.npy: tensor<2xbf16> is stored as uint16, got float16',
    );
  });

  it('splits a leading rank axis into per-rank feeds', () => {
    const type = new TensorType([2], 'i32');
    const per = feedsFromNpy({ dtype: 'int32', shape: [3, 2], data: new Int32Array([1, 2, 3, 4, 5, 6]) }, type, 3, 'x.npy');
    expect(Array.isArray(per)).toBe(true);
    expect((per as { data: Int32Array }[]).map((t) => [...t.data])).toEqual([[1, 2], [3, 4], [5, 6]]);
    const shared = feedsFromNpy({ dtype: 'int32', shape: [2], data: new Int32Array([7, 8]) }, type, 3, 'x.npy');
    expect(Array.isArray(shared)).toBe(false);
    ioError(() => feedsFromNpy({ dtype: 'int32', shape: [2, 2], data: new Int32Array(4) }, type, 3, 'x.npy'));
  });
});
