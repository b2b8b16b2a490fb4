// NumPy .npy interchange (format versions 1.0, 2.0, 3.0; little-endian; C order, Fortran order
// read into C order) and the
// containers that carry IR tensors in files (conformance/README.md, ir.md §4): bf16 as uint16
// bits, i4 as packed uint8 bytes (last dimension halved), NZ tensors in their storage shape.
// Every malformed file is an IO error naming the path, found before any large allocation.
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FractalError } from '../ir/diagnostics.ts';
import type { DType } from '../ir/dtype.ts';
import type { Tensor } from '../ir/storage.ts';
import { shapesEqual, shapeToString, type TensorType } from '../ir/types.ts';

export type NpyDType =
  | 'bool'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float16'
  | 'float32'
  | 'float64';

export type NpyData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** An array as a .npy file holds it; float16 elements are uint16 bit patterns. */
export interface NpyArray {
  readonly dtype: NpyDType;
  readonly shape: readonly number[];
  readonly data: NpyData;
}

type DataCtor = { new (n: number): NpyData; new (b: ArrayBufferLike, off: number, len: number): NpyData; BYTES_PER_ELEMENT: number };

const KINDS: Record<NpyDType, { readonly code: string; readonly ctor: DataCtor }> = {
  bool: { code: 'b1', ctor: Uint8Array },
  int8: { code: 'i1', ctor: Int8Array },
  uint8: { code: 'u1', ctor: Uint8Array },
  int16: { code: 'i2', ctor: Int16Array },
  uint16: { code: 'u2', ctor: Uint16Array },
  int32: { code: 'i4', ctor: Int32Array },
  uint32: { code: 'u4', ctor: Uint32Array },
  int64: { code: 'i8', ctor: BigInt64Array },
  uint64: { code: 'u8', ctor: BigUint64Array },
  float16: { code: 'f2', ctor: Uint16Array },
  float32: { code: 'f4', ctor: Float32Array },
  float64: { code: 'f8', ctor: Float64Array },
};

const BY_CODE = new Map(Object.entries(KINDS).map(([name, k]) => [k.code, name as NpyDType]));

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** NumPy refuses headers above 10 000 bytes unless told otherwise; the same limit here. */
export const MAX_HEADER_BYTES = 10_000;
const MAX_RANK = 64;

const ioError = (path: string, what: string, got: unknown) => new FractalError('IO', `${path}: ${what}, got ${String(got)}`);

export const itemSize = (dtype: NpyDType): number => KINDS[dtype].ctor.BYTES_PER_ELEMENT;

/** The descr string NumPy writes for a dtype (`<f2`, `|i1`, …). */
export function descrOf(dtype: NpyDType): string {
  return `${itemSize(dtype) === 1 ? '|' : '<'}${KINDS[dtype].code}`;
}

export interface NpyHeader {
  readonly dtype: NpyDType;
  readonly shape: readonly number[];
  /** Byte offset of the data in the file. */
  readonly dataOffset: number;
  /** The data is in Fortran (column-major) order, as np.save writes a transposed view. */
  readonly fortranOrder: boolean;
}

/** Parses the fixed prefix and the header dictionary from the first bytes of a file. */
export function parseNpyHeader(head: Uint8Array, fileSize: number, path: string): NpyHeader {
  if (head.length < 10 || MAGIC.some((b, i) => head[i] !== b)) {
    const seen = [...head.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw ioError(path, 'not a .npy file (bad magic, expected 93 4e 55 4d 50 59)', seen || 'an empty file');
  }
  const major = head[6]!;
  const minor = head[7]!;
  if (major < 1 || major > 3 || minor !== 0) throw ioError(path, 'unsupported .npy format version (1.0, 2.0 or 3.0)', `${major}.${minor}`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (head.length < prefix) throw ioError(path, 'truncated header', `${fileSize} bytes`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen > MAX_HEADER_BYTES) throw ioError(path, `header too long (at most ${MAX_HEADER_BYTES} bytes)`, `${headerLen} bytes`);
  if (prefix + headerLen > fileSize || prefix + headerLen > head.length) {
    throw ioError(path, `truncated header: it needs ${prefix + headerLen} bytes`, `a file of ${fileSize} bytes`);
  }
  const bytes = head.subarray(prefix, prefix + headerLen);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes);
  const dict = parseHeaderDict(text, path);
  const keys = Object.keys(dict).sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') throw ioError(path, "header must have exactly the keys 'descr', 'fortran_order' and 'shape'", keys || 'none');
  const { descr, fortran_order: fortran, shape } = dict as { descr: unknown; fortran_order: unknown; shape: unknown };
  if (typeof descr !== 'string') throw ioError(path, 'unsupported dtype (structured dtypes are not read)', JSON.stringify(descr));
  const order = descr[0];
  const dtype = BY_CODE.get(descr.slice(1));
  if (!dtype || !'<>|='.includes(order ?? '')) {
    throw ioError(path, 'unsupported dtype (bool, int8…64, uint8…64, float16/32/64)', `'${descr}'`);
  }
  if (order === '>' && itemSize(dtype) > 1) throw ioError(path, 'big-endian data is not supported (little-endian only)', `'${descr}'`);
  if (typeof fortran !== 'boolean') throw ioError(path, 'fortran_order must be True or False', `fortran_order = ${pyRepr(fortran)}`);
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'bigint' && d >= 0n)) {
    throw ioError(path, 'shape must be a tuple of integers >= 0', pyRepr(shape));
  }
  if (shape.length > MAX_RANK) throw ioError(path, `shape has too many dimensions (at most ${MAX_RANK})`, shape.length);
  const dims = shape as bigint[];
  const huge = dims.find((d) => d > BigInt(Number.MAX_SAFE_INTEGER));
  if (huge !== undefined) throw ioError(path, 'a dimension is too large', huge);
  const dataBytes = dims.reduce((a, d) => a * d, 1n) * BigInt(itemSize(dtype));
  const have = BigInt(fileSize - prefix - headerLen);
  if (dataBytes !== have) {
    throw ioError(path, `data size does not match the header (shape (${dims.join(', ')}) of ${dtype} needs ${dataBytes} bytes)`, `${have} bytes`);
  }
  return { dtype, shape: dims.map(Number), dataOffset: prefix + headerLen, fortranOrder: fortran };
}

/** Reads a .npy file: the header first, then exactly the data it announces. */
export function readNpy(path: string): NpyArray {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw ioError(path, 'cannot open the file', (e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, 12 + MAX_HEADER_BYTES));
    readFully(fd, head, 0, path);
    const h = parseNpyHeader(head, size, path);
    const data = allocData(h, path);
    readFully(fd, new Uint8Array(data.buffer, 0, data.byteLength), h.dataOffset, path);
    return { dtype: h.dtype, shape: h.shape, data: h.fortranOrder ? fromFortranOrder(data, h.shape) : data };
  } catch (e) {
    if (e instanceof FractalError) throw e;
    throw ioError(path, 'cannot read the file', (e as NodeJS.ErrnoException).code ?? (e as Error).message);
  } finally {
    closeSync(fd);
  }
}

function allocData(h: NpyHeader, path: string): NpyData {
  const numel = h.shape.reduce((a, b) => a * b, 1);
  try {
    return new KINDS[h.dtype].ctor(numel);
  } catch (e) {
    throw ioError(path, `cannot allocate ${numel} elements of ${h.dtype}`, (e as Error).message);
  }
}

function readFully(fd: number, into: Uint8Array, position: number, path: string): void {
  let off = 0;
  while (off < into.length) {
    const n = readSync(fd, into, off, into.length - off, position + off);
    if (n === 0) throw ioError(path, 'the file ended early', `${position + off} bytes`);
    off += n;
  }
}

/** Parses .npy bytes already in memory. */
export function parseNpy(bytes: Uint8Array, path: string): NpyArray {
  const h = parseNpyHeader(bytes.subarray(0, 12 + MAX_HEADER_BYTES), bytes.length, path);
  const data = allocData(h, path);
  new Uint8Array(data.buffer).set(bytes.subarray(h.dataOffset));
  return { dtype: h.dtype, shape: h.shape, data: h.fortranOrder ? fromFortranOrder(data, h.shape) : data };
}

const BITS_VIEW: Record<number, DataCtor> = { 1: Uint8Array, 2: Uint16Array, 4: Uint32Array, 8: BigUint64Array };

/** Column-major data of `shape` rearranged into row-major order (element bits copied as they are). */
function fromFortranOrder(data: NpyData, shape: readonly number[]): NpyData {
  if (shape.length < 2) return data;
  const out = new (data.constructor as DataCtor)(data.length);
  // Moved through unsigned views of the element width: a float read as a number could change
  // its bits (a signalling NaN comes back quieted).
  const bits = BITS_VIEW[data.BYTES_PER_ELEMENT]!;
  const src = new bits(data.buffer, data.byteOffset, data.length) as unknown as ArrayLike<number | bigint>;
  const dst = new bits(out.buffer, out.byteOffset, out.length) as unknown as (number | bigint)[];
  // Column-major strides; walk the row-major order with an odometer over the index.
  const strides: number[] = [];
  shape.reduce((s, d, i) => ((strides[i] = s), s * d), 1);
  const idx = new Array<number>(shape.length).fill(0);
  let from = 0;
  for (let e = 0; e < out.length; e++) {
    dst[e] = src[from]!;
    for (let a = shape.length - 1; a >= 0; a--) {
      from += strides[a]!;
      if (++idx[a]! < shape[a]!) break;
      from -= strides[a]! * shape[a]!;
      idx[a] = 0;
    }
  }
  return out;
}

/** The bytes of a .npy file (version 1.0, or 2.0 when the header needs it; 64-byte aligned data). */
export function encodeNpy(arr: NpyArray, path = '<memory>'): Uint8Array {
  checkArray(arr, path);
  const dims = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  const dict = `{'descr': '${descrOf(arr.dtype)}', 'fortran_order': False, 'shape': ${dims}, }`;
  let prefix = 10;
  if (dict.length + 1 + 10 > 65535) prefix = 12;
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const headerLen = total - prefix;
  const out = new Uint8Array(total + arr.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = prefix === 10 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (prefix === 10) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  const header = dict.padEnd(headerLen - 1, ' ') + '\n';
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength), total);
  return out;
}

/** Writes a .npy file atomically: a temporary file in the same directory, then a rename. */
export function writeNpy(path: string, arr: NpyArray): void {
  writeFileAtomic(path, encodeNpy(arr, path));
}

/** Writes bytes or text to `path` through a temporary file and a rename, so no half-written file is left. */
export function writeFileAtomic(path: string, content: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw ioError(path, 'cannot write the file', (e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
}

function checkArray(arr: NpyArray, path: string): void {
  const numel = arr.shape.reduce((a, b) => a * b, 1);
  if (!(arr.data instanceof KINDS[arr.dtype].ctor) || arr.data.length !== numel) {
    throw ioError(path, `array data must be ${numel} elements of ${arr.dtype} for shape ${shapeToString(arr.shape)}`, `${arr.data.length} in a ${arr.data.constructor.name}`);
  }
}

// ---- IR tensors <-> .npy containers ----

const CONTAINER: Record<DType, NpyDType> = {
  f32: 'float32',
  f16: 'float16',
  bf16: 'uint16',
  i8: 'int8',
  u8: 'uint8',
  i4: 'uint8',
  i32: 'int32',
  i64: 'int64',
  u64: 'uint64',
  i1: 'bool',
};

/** The .npy dtype that carries a tensor dtype. */
export const containerDType = (d: DType): NpyDType => CONTAINER[d];

/** The .npy shape that carries a tensor type: its storage shape, int4 last dimension halved. */
export function containerShape(type: TensorType): number[] {
  const s = type.storageShape;
  if (type.dtype === 'i4' && s.length > 0) s[s.length - 1] = s[s.length - 1]! / 2;
  return s;
}

/** A tensor of `type` from an array in its container; the array's shape must be the container shape. */
export function tensorFromNpy(arr: NpyArray, type: TensorType, path: string): Tensor {
  const want = containerDType(type.dtype);
  if (arr.dtype !== want) throw ioError(path, `${type} is stored as ${want}`, arr.dtype);
  const shape = containerShape(type);
  if (!shapesEqual(arr.shape, shape)) {
    throw ioError(path, `${type} is stored with shape ${shapeToString(shape)}${type.isNz ? ' (its NZ storage shape)' : ''}`, shapeToString(arr.shape));
  }
  return { type, data: arr.data as Tensor['data'] };
}

/**
 * Feeds of `type` from one array: the container shape gives one tensor for every rank, a leading
 * axis of length `worldSize` before it gives one tensor per rank (world_size > 1).
 */
export function feedsFromNpy(arr: NpyArray, type: TensorType, worldSize: number, path: string): Tensor | Tensor[] {
  const shape = containerShape(type);
  if (worldSize > 1 && arr.shape.length === shape.length + 1 && arr.shape[0] === worldSize && shapesEqual(arr.shape.slice(1), shape)) {
    const per = arr.data.length / worldSize;
    return Array.from({ length: worldSize }, (_, r) => ({ type, data: arr.data.slice(r * per, (r + 1) * per) as Tensor['data'] }));
  }
  if (worldSize > 1 && !shapesEqual(arr.shape, shape)) {
    throw ioError(path, `${type} is stored with shape ${shapeToString(shape)}, or ${shapeToString([worldSize, ...shape])} for one tensor per rank`, shapeToString(arr.shape));
  }
  return tensorFromNpy(arr, type, path);
}

/** The container of a tensor (it shares the tensor's data). */
export function npyFromTensor(t: Tensor): NpyArray {
  return { dtype: containerDType(t.type.dtype), shape: containerShape(t.type), data: t.data as NpyData };
}

// ---- the header dictionary: a Python literal of dicts, tuples, lists, strings, ints, booleans ----

type PyValue = string | bigint | boolean | null | PyValue[] | { [k: string]: PyValue };

function parseHeaderDict(text: string, path: string): Record<string, PyValue> {
  let i = 0;
  const fail = (what: string): never => {
    throw ioError(path, `malformed header (${what} at offset ${i})`, JSON.stringify(text.slice(0, 120)));
  };
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const value = (depth: number): PyValue => {
    if (depth > 8) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, PyValue> = {};
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          return out;
        }
        const k = value(depth + 1);
        if (typeof k !== 'string') fail('a dictionary key must be a string');
        ws();
        if (text[i++] !== ':') fail("expected ':'");
        out[k as string] = value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail("expected ',' or '}'");
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const out: PyValue[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return out;
        }
        out.push(value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 40));
    if (!m) return fail('unexpected character');
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return BigInt(m[0].replace('L', ''));
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail('trailing characters');
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('the header must be a dictionary');
  return v;
}

function pyRepr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `(${v.map(pyRepr).join(', ')})`;
  return typeof v === 'string' ? `'${v}'` : String(v);
}
