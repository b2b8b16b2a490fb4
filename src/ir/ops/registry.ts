// The op registry: the single source of truth for every op's operands, results, attributes,
// type rules, verifier, layout preference and decomposition (DESIGN.md principle 2).
// Per-op tables elsewhere are mapped types over `OpName`, so a missing entry does not compile.
import type { Attrs, AttrSpec } from '../attr.ts';
import type { Builder } from '../builder.ts';
import type { Node } from '../node.ts';
import type { TensorType } from '../types.ts';
import type { Value } from '../value.ts';
import type { OpContext } from './context.ts';
import { COMM_OPS } from './comm.ts';
import { LAYOUT_OPS } from './layout.ts';
import { NPU_OPS } from './npu.ts';
import { PRIM_OPS } from './prim.ts';

export interface OperandSpec {
  readonly name: string;
  readonly optional?: boolean;
  /** Only `prim.concat`: one or more operands. */
  readonly variadic?: boolean;
}

/** An example signature: operand types and attributes that the op accepts (used by tests). */
export interface OpExample {
  readonly name: string;
  readonly operands: readonly (TensorType | null)[];
  readonly attrs?: Readonly<Record<string, unknown>>;
  /** For ops whose result type is not implied (trans_data, convert_weight, trans_quant_param). */
  readonly results?: readonly TensorType[];
  readonly worldSize?: number;
}

export interface OpDef {
  readonly name: string;
  readonly operands: readonly OperandSpec[];
  readonly results: readonly string[];
  readonly attrs: Readonly<Record<string, AttrSpec>>;
  /**
   * Rule id reported when a required operand is absent (`npu.*` NULLPTR rules, e.g.
   * `dynamic_quant.1`); defaults to `ir.2`. An op that sets it checks presence in its own
   * `verify`, in its spec's rule order (the generic arity check leaves that to it).
   */
  readonly nullRule?: string;
  /**
   * Result types implied by the operands and attributes, or undefined where the op takes its
   * result type from the caller (layout.trans_data and friends). The verifier runs afterwards
   * and reports bad operands by their rule, so this may give any type for them, but it must not
   * throw anything but a FractalError.
   */
  infer?(ctx: OpContext): TensorType[] | undefined;
  /** Every rule of the op, in the spec's order, on a statement with its written result types. */
  verify(ctx: OpContext): void;
  /** Operand indices that the op prefers in FRACTAL_NZ (assign-weight-layout). */
  readonly prefersNz?: readonly number[];
  /** The op written in primitives (ir.md §7); returns the values replacing the results. */
  decompose?(b: Builder, node: Node): Value[];
  readonly examples?: readonly OpExample[];
}

export const OPS = { ...PRIM_OPS, ...NPU_OPS, ...LAYOUT_OPS, ...COMM_OPS } satisfies Record<string, OpDef>;

export type OpName = keyof typeof OPS;

export function isOpName(s: string): s is OpName {
  return Object.hasOwn(OPS, s);
}

export function opDef(name: OpName): OpDef {
  return OPS[name];
}

/** Attributes as written plus defaults. */
export function withDefaults(def: OpDef, attrs: Attrs): Attrs {
  const out: Record<string, (typeof attrs)[string]> = {};
  for (const [k, spec] of Object.entries(def.attrs)) {
    const v = attrs[k] ?? spec.default;
    if (v) out[k] = v;
  }
  for (const [k, v] of Object.entries(attrs)) if (!(k in out)) out[k] = v;
  return out;
}
