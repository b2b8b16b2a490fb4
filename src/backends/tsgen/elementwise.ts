// Fused element-wise loops: a group of element-wise primitives of one shape (plan.ts) becomes one
// loop whose body computes every statement per element, bit for bit as the interpreter's kernels
// do (ir.md §6.2–§6.4), and stores only the values used outside the group.
//
// Every element is known in two forms, each produced on demand into a `const`: its number (the
// exact value: f32 values, f16/bf16 widened, integers) and, for floats, its bits. Which form is
// authoritative matters for NaN: data read from memory keeps its bits (abs, neg and clamp pass a
// NaN's payload through), computed NaNs are canonical (ir.md §1.1).
import { FractalError } from '../../ir/diagnostics.ts';
import type { DType } from '../../ir/dtype.ts';
import type { Node } from '../../ir/node.ts';
import type { OpName } from '../../ir/ops/registry.ts';
import { bf16FromF64, bf16ToF32, f16FromF64, f16ToF64, f32Bits } from '../../numerics/float.ts';
import { num } from './safe-text.ts';

/** Dtypes fused loops handle; i1, i4, i64 and u64 go through the interpreter's kernels. */
export type LoopDType = 'f32' | 'f16' | 'bf16' | 'i8' | 'u8' | 'i32';

const LOOP_DTYPES: readonly DType[] = ['f32', 'f16', 'bf16', 'i8', 'u8', 'i32'];

export const isLoopDType = (d: DType): d is LoopDType => LOOP_DTYPES.includes(d);

const isFloatD = (d: LoopDType) => d === 'f32' || d === 'f16' || d === 'bf16';

const ELEMENTWISE_OPS: readonly OpName[] = [
  'prim.add', 'prim.sub', 'prim.mul', 'prim.div', 'prim.max', 'prim.min',
  'prim.and', 'prim.or', 'prim.xor', 'prim.shl', 'prim.shr',
  'prim.abs', 'prim.neg', 'prim.reciprocal', 'prim.round', 'prim.clamp', 'prim.cast',
]; // prettier-ignore

/** Can this statement be a member of a fused loop? */
export function isFusable(node: Node): boolean {
  if (!ELEMENTWISE_OPS.includes(node.op)) return false;
  return [...node.operands, ...node.results].every((v) => v !== null && isLoopDType(v.type.dtype) && v.type.layout.kind === 'nd');
}

/** The container type of a loop dtype's values. */
export const ARRAY_TYPE: Record<DType, string> = {
  f32: 'Float32Array',
  f16: 'Uint16Array',
  bf16: 'Uint16Array',
  i8: 'Int8Array',
  u8: 'Uint8Array',
  i4: 'Uint8Array',
  i32: 'Int32Array',
  i64: 'BigInt64Array',
  u64: 'BigUint64Array',
  i1: 'Uint8Array',
};

export const hex = (v: number): string => `0x${v.toString(16)}`;

/** The statements of one loop body: constants named t0, t1, … in order of need. */
export class Body {
  readonly lines: string[] = [];
  /** Runtime helpers the body calls. */
  readonly uses = new Set<string>();
  private count = 0;

  temp(expr: string): string {
    const name = `t${this.count++}`;
    this.lines.push(`const ${name} = ${expr};`);
    return name;
  }

  helper(name: string): string {
    this.uses.add(name);
    return name;
  }
}

/** One element in both forms; each is emitted at most once, when first needed. */
export class Elem {
  private n: string | undefined;
  private b: string | undefined;
  constructor(
    readonly dtype: LoopDType,
    /** Which form is exact for a store: 'bits' keeps a NaN's payload. */
    readonly exact: 'num' | 'bits',
    private readonly makeNum: () => string,
    private readonly makeBits: () => string,
  ) {}

  num(): string {
    return (this.n ??= this.makeNum());
  }

  bits(): string {
    return (this.b ??= this.makeBits());
  }
}

/** An element computed as a number; its bits are encoded from it (a NaN becomes canonical). */
function fromNum(body: Body, dtype: LoopDType, expr: () => string): Elem {
  const e: Elem = new Elem(dtype, 'num', () => body.temp(expr()), () => body.temp(encode(body, dtype, e.num())));
  return e;
}

/** An element computed as bits; its number is decoded from them unless given. */
function fromBits(body: Body, dtype: LoopDType, expr: () => string, numExpr?: () => string): Elem {
  const e: Elem = new Elem(dtype, 'bits', () => body.temp(numExpr ? numExpr() : decode(body, dtype, e.bits())), () => body.temp(expr()));
  return e;
}

function encode(body: Body, dtype: LoopDType, n: string): string {
  switch (dtype) {
    case 'f32':
      return `${body.helper('f32BitsOf')}(${n})`;
    case 'f16':
      return `${body.helper('f16FromF64')}(${n})`;
    case 'bf16':
      return `${body.helper('bf16FromF32')}(${n})`;
    default:
      return n;
  }
}

function decode(body: Body, dtype: LoopDType, b: string): string {
  switch (dtype) {
    case 'f16':
      return `${body.helper('F16_TO_F32')}[${b}]`;
    case 'bf16':
      return `${body.helper('BF16_TO_F32')}[${b}]`;
    default:
      // f32 elements made from bits always say how to compute their number (abs, neg, clamp).
      throw new FractalError('RUNTIME', `tsgen: internal error: no number for the bits of a ${dtype} element`);
  }
}

/** Element `index` of a container (`bitsView`: the Uint32Array view of an f32 container, created on demand). */
export function load(body: Body, dtype: LoopDType, container: () => string, bitsView: () => string, index: string): Elem {
  switch (dtype) {
    case 'f32':
      return new Elem(dtype, 'bits', () => body.temp(`${container()}[${index}]`), () => body.temp(`${bitsView()}[${index}]`));
    case 'f16':
    case 'bf16':
      return fromBits(body, dtype, () => `${container()}[${index}]`);
    default:
      return new Elem(dtype, 'num', () => body.temp(`${container()}[${index}]`), () => body.temp(`${container()}[${index}]`));
  }
}

/** A constant element inlined as literals (`value`: its exact number; `bits` for floats). */
export function literal(dtype: LoopDType, value: number, bits: number): Elem {
  return new Elem(dtype, isFloatD(dtype) ? 'bits' : 'num', () => num(value), () => hex(bits));
}

/** Stores an element into `container` (f32: `bitsView` is its Uint32Array view). */
export function store(dtype: LoopDType, e: Elem, container: () => string, bitsView: () => string, index: string): string {
  if (dtype === 'f32') {
    if (e.exact === 'bits') return `${bitsView()}[${index}] = ${e.bits()};`;
    const n = e.num();
    return `if (${n} === ${n}) ${container()}[${index}] = ${n}; else ${bitsView()}[${index}] = 0x7fc00000;`;
  }
  return `${container()}[${index}] = ${isFloatD(dtype) ? e.bits() : e.num()};`;
}

const WIDTH: Record<'i8' | 'u8' | 'i32', number> = { i8: 8, u8: 8, i32: 32 };

/** Wraps an integer expression to the dtype, as a typed-array store would. */
function wrap(dtype: 'i8' | 'u8' | 'i32', e: string): string {
  return dtype === 'i8' ? `((${e}) << 24) >> 24` : dtype === 'u8' ? `(${e}) & 0xff` : `(${e}) | 0`;
}

const ARITH: Partial<Record<OpName, string>> = { 'prim.add': '+', 'prim.sub': '-', 'prim.mul': '*', 'prim.div': '/' };
const BITWISE: Partial<Record<OpName, string>> = { 'prim.and': '&', 'prim.or': '|', 'prim.xor': '^' };

/** A float bound of clamp in x's dtype: its exact value and bits (rounded once from float64). */
function floatBound(dtype: 'f32' | 'f16' | 'bf16', v: number): { value: number; bits: number } {
  if (dtype === 'f32') {
    const value = Math.fround(v);
    return { value, bits: f32Bits(value) };
  }
  const bits = dtype === 'f16' ? f16FromF64(v) : bf16FromF64(v);
  return { value: dtype === 'f16' ? f16ToF64(bits) : bf16ToF32(bits), bits };
}

/** The result of one element-wise statement on its operands' elements. */
export function apply(body: Body, node: Node, xs: readonly Elem[]): Elem {
  const d = node.results[0]!.type.dtype as LoopDType;
  const [a, b] = xs as [Elem, Elem];
  const h = (name: string) => body.helper(name);
  const op = node.op;
  const arith = ARITH[op];
  if (arith) {
    switch (d) {
      case 'f32':
        return fromNum(body, d, () => `Math.fround(${a.num()} ${arith} ${b.num()})`);
      case 'f16':
        return fromBits(body, d, () => `${h('f16FromF64')}(${a.num()} ${arith} ${b.num()})`);
      case 'bf16':
        return fromBits(body, d, () => `${h('bf16FromF32')}(Math.fround(${a.num()} ${arith} ${b.num()}))`);
      default:
        if (op === 'prim.mul') return fromNum(body, d, () => (d === 'i32' ? `Math.imul(${a.num()}, ${b.num()})` : wrap(d, `Math.imul(${a.num()}, ${b.num()})`)));
        return fromNum(body, d, () => wrap(d, `${a.num()} ${arith} ${b.num()}`));
    }
  }
  if (op === 'prim.max' || op === 'prim.min') {
    if (!isFloatD(d)) return fromNum(body, d, () => `${a.num()} ${op === 'prim.max' ? '>' : '<'} ${b.num()} ? ${a.num()} : ${b.num()}`);
    const call = () => `${h(op === 'prim.max' ? 'fmax' : 'fmin')}(${a.num()}, ${b.num()})`;
    return fromNum(body, d, call);
  }
  const bitwise = BITWISE[op];
  if (bitwise) return fromNum(body, d, () => `${a.num()} ${bitwise} ${b.num()}`);
  if (op === 'prim.shl' || op === 'prim.shr') {
    const id = d as 'i8' | 'u8' | 'i32';
    const w = WIDTH[id];
    // A count outside [0, width) acts as the width: shl gives 0, shr 0 or -1 (negative signed).
    if (op === 'prim.shl') return fromNum(body, d, () => `${b.num()} < 0 || ${b.num()} >= ${w} ? 0 : ${wrap(id, `${a.num()} << ${b.num()}`)}`);
    if (id === 'u8') return fromNum(body, d, () => `${b.num()} >= 8 ? 0 : ${a.num()} >>> ${b.num()}`);
    return fromNum(body, d, () => `${b.num()} < 0 || ${b.num()} >= ${w} ? (${a.num()} < 0 ? -1 : 0) : ${a.num()} >> ${b.num()}`);
  }
  switch (op) {
    case 'prim.abs':
    case 'prim.neg': {
      const abs = op === 'prim.abs';
      // A computed operand's NaN is canonical, and so is its absolute value: no bits needed.
      if (abs && a.exact === 'num') return fromNum(body, d, () => `Math.abs(${a.num()})`);
      const [mask, op32] = d === 'f32' ? (abs ? ['0x7fffffff', '&'] : ['0x80000000', '^']) : abs ? ['0x7fff', '&'] : ['0x8000', '^'];
      const bitsOp = () => (d === 'f32' ? `(${a.bits()} ${op32} ${mask}) >>> 0` : `${a.bits()} ${op32} ${mask}`);
      return fromBits(body, d, bitsOp, () => (abs ? `Math.abs(${a.num()})` : `-${a.num()}`));
    }
    case 'prim.reciprocal':
    case 'prim.round': {
      const v = () => (op === 'prim.round' ? `${h('rne24')}(${a.num()})` : `1 / ${a.num()}`);
      if (d === 'f32') return fromNum(body, d, () => (op === 'prim.round' ? v() : `Math.fround(${v()})`));
      if (d === 'f16') return fromBits(body, d, () => `${h('f16FromF64')}(${v()})`);
      return fromBits(body, d, () => `${h('bf16FromF32')}(Math.fround(${v()}))`);
    }
    case 'prim.clamp': {
      if (!isFloatD(d)) {
        const lo = num(Number(node.scalar('min')));
        const hi = num(Number(node.scalar('max')));
        return fromNum(body, d, () => `${a.num()} < ${lo} ? ${lo} : ${a.num()} > ${hi} ? ${hi} : ${a.num()}`);
      }
      const fd = d as 'f32' | 'f16' | 'bf16';
      const lo = floatBound(fd, Number(node.scalar('min')));
      const hi = floatBound(fd, Number(node.scalar('max')));
      const pick = (low: string, high: string, same: string) => `${a.num()} < ${num(lo.value)} ? ${low} : ${a.num()} > ${num(hi.value)} ? ${high} : ${same}`;
      return new Elem(
        d,
        'bits',
        () => body.temp(pick(num(lo.value), num(hi.value), a.num())),
        () => body.temp(pick(hex(lo.bits), hex(hi.bits), a.bits())),
      );
    }
    case 'prim.cast':
      return cast(body, a, d);
    default:
      throw new FractalError('RUNTIME', `tsgen: internal error: ${op} is not element-wise`);
  }
}

/** prim.cast between loop dtypes (ir.md §6.4). */
function cast(body: Body, a: Elem, to: LoopDType): Elem {
  const from = a.dtype;
  if (from === to) return a;
  const h = (name: string) => body.helper(name);
  if (isFloatD(from)) {
    switch (to) {
      case 'f32': {
        // The number is exact in f32; the bits are encoded from it, so a NaN becomes canonical.
        const e: Elem = new Elem(to, 'num', () => a.num(), () => body.temp(encode(body, to, e.num())));
        return e;
      }
      case 'f16':
        return fromBits(body, to, () => `${h('f16FromF64')}(${a.num()})`);
      case 'bf16':
        return fromBits(body, to, () => `${h('bf16FromF32')}(${a.num()})`);
      default: {
        const [lo, hi] = to === 'i8' ? [-128, 127] : to === 'u8' ? [0, 255] : [-2147483648, 2147483647];
        return fromNum(body, to, () => `${h('quantInt')}(${a.num()}, ${num(lo)}, ${num(hi)})`);
      }
    }
  }
  switch (to) {
    case 'f32':
      return fromNum(body, to, () => `Math.fround(${a.num()})`);
    case 'f16':
      return fromBits(body, to, () => `${h('f16FromF64')}(${a.num()})`);
    case 'bf16':
      return fromBits(body, to, () => `${h('bf16FromF64')}(${a.num()})`);
    default:
      return fromNum(body, to, () => wrap(to, a.num()));
  }
}
