// Attribute values (ir.md §2.4). Values are tagged like MLIR attributes, so an int and a float
// never blur and printing needs no schema; op schemas say which kinds they accept.
import { isDType, type DType } from './dtype.ts';
import type { Layout } from './layout.ts';

export type Attr =
  | { readonly k: 'int'; readonly v: bigint }
  | { readonly k: 'float'; readonly v: number }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'string'; readonly v: string }
  | { readonly k: 'dtype'; readonly v: DType }
  | { readonly k: 'layout'; readonly v: Layout }
  | { readonly k: 'resource'; readonly v: string }
  | { readonly k: 'array'; readonly v: readonly Attr[] };

export type Attrs = Readonly<Record<string, Attr>>;

export const intAttr = (v: number | bigint): Attr => ({ k: 'int', v: BigInt(v) });
export const floatAttr = (v: number): Attr => ({ k: 'float', v });
export const boolAttr = (v: boolean): Attr => ({ k: 'bool', v });
export const stringAttr = (v: string): Attr => ({ k: 'string', v });
export const dtypeAttr = (v: DType): Attr => ({ k: 'dtype', v });
export const resourceAttr = (v: string): Attr => ({ k: 'resource', v });
export const intsAttr = (v: readonly (number | bigint)[]): Attr => ({ k: 'array', v: v.map(intAttr) });

/**
 * What an attribute accepts. `scalar` is a number whose kind follows the operand dtype (clamp
 * bounds, pad value: float for float x, int otherwise; the op's verifier checks which).
 */
export type AttrKind = 'int' | 'float' | 'bool' | 'string' | 'dtype' | 'layout' | 'resource' | 'ints' | 'scalar';

export interface AttrSpec {
  readonly kind: AttrKind;
  /** Absent: the attribute is required. */
  readonly default?: Attr;
}

/** Equality by kind and value, `Object.is` per element (so -0.0 is not 0.0; ir.md §2.4). */
export function attrEquals(a: Attr, b: Attr): boolean {
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'array': {
      const bv = (b as typeof a).v;
      return a.v.length === bv.length && a.v.every((x, i) => attrEquals(x, bv[i]!));
    }
    case 'layout': {
      const bl = (b as typeof a).v;
      return a.v.kind === bl.kind && (a.v.kind === 'nd' || a.v.c0 === (bl as { c0: number }).c0);
    }
    default:
      return Object.is(a.v, (b as typeof a).v);
  }
}

/** Does a value fit a kind? A float kind also takes an int literal (converted to float64). */
export function coerceAttr(kind: AttrKind, a: Attr): Attr | undefined {
  switch (kind) {
    case 'float':
      if (a.k === 'float') return a;
      return a.k === 'int' ? { k: 'float', v: Number(a.v) } : undefined;
    case 'scalar':
      return a.k === 'int' || a.k === 'float' ? a : undefined;
    case 'ints':
      return a.k === 'array' && a.v.every((x) => x.k === 'int') ? a : undefined;
    case 'dtype':
      // Builders pass plain strings; only the dtype names of ir.md §1.1 are dtypes.
      return a.k === 'dtype' && isDType(a.v) ? a : undefined;
    default:
      return a.k === kind ? a : undefined;
  }
}

/** Converts a builder's plain JavaScript value to an attribute of the given kind. */
export function attrFromJs(kind: AttrKind, v: unknown): Attr | undefined {
  switch (kind) {
    case 'int':
      return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)) ? intAttr(v) : undefined;
    case 'float':
      return typeof v === 'number' ? floatAttr(v) : undefined;
    case 'scalar':
      return typeof v === 'bigint' ? intAttr(v) : typeof v === 'number' ? floatAttr(v) : undefined;
    case 'bool':
      return typeof v === 'boolean' ? boolAttr(v) : undefined;
    case 'string':
    case 'dtype':
    case 'resource':
      return typeof v === 'string' ? ({ k: kind, v } as Attr) : undefined;
    case 'layout':
      return typeof v === 'object' && v !== null && 'kind' in v ? { k: 'layout', v: v as Layout } : undefined;
    case 'ints':
      return Array.isArray(v) && v.every((x) => typeof x === 'bigint' || Number.isInteger(x))
        ? intsAttr(v as number[])
        : undefined;
  }
}

/** Plain JavaScript view of an attribute (ints as numbers when safe). */
export function attrToJs(a: Attr): unknown {
  switch (a.k) {
    case 'int':
      return a.v >= BigInt(Number.MIN_SAFE_INTEGER) && a.v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(a.v) : a.v;
    case 'array':
      return a.v.map(attrToJs);
    default:
      return a.v;
  }
}
