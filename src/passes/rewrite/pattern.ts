// Patterns and rules as data (in the style of tinygrad's `PatternMatcher` rules): a rule is a
// pattern over the graph, a guard that checks everything the pattern cannot express, and a
// rewrite that mutates only through a Rewriter — guard first, then mutate (DESIGN.md §5).
//
// Vocabulary:
// * `op(ops, operands, opts)` matches a value produced by one of `ops` (result `opts.result`,
//   default 0) whose operands match `operands` positionally; a missing pattern position means
//   "operand absent". prim.add/mul/max/min match their two operands in either order. `as` names
//   the statement (and its result) for guards and rewrites, and makes a pattern object used twice
//   match one statement; `attrs` matches attributes with the op's defaults filled in (plain values
//   exactly, or `oneOf`, `attrWhere`, `anyAttr`); `leaf: true` inspects a statement without making
//   it part of the match (it is neither erased nor checked for outside uses), as constants are.
// * `capture(name?, constraints)` matches any present value; a name bound twice must be the same
//   value, so a capture also serves as a back-reference. `any()` is an anonymous capture.
// * `constant(name?, { splat })` matches a `prim.constant` result, by splat value if asked. The
//   constant is a leaf: it stays in the graph until dce (ir.md §9.3).
// * `either(p1, p2, …)` tries branches in order; `optional(op(…))` matches the op or, skipping it,
//   its operand `through` (default 0), and also an absent operand: one rule then covers "with and
//   without clamp / bias / smooth scales".
// * `none()` matches an absent optional operand; `ANY_OPERANDS` in place of the operand list
//   leaves the operands uninspected.
//
// The matcher backtracks: when a complete match fails a structural check or the guard, other
// bindings (the other operand order, the other branch, a skipped optional) are tried.
//
// A multi-output fusion, in outline (dynamic quant: y from a cast chain, scale beside it):
//
//   const v = op('prim.cast', [capture('x', { dtype: ['f16', 'bf16'] })], { as: 'v', attrs: { to: 'f32' } });
//   const amax = op('prim.reduce_max', [op('prim.abs', [v])], { as: 'amax', attrs: { axes: attrWhere(isLastAxis, 'the last axis') } });
//   const inv = …a pattern for reshape(div(constant 127, amax))…;
//   const rule = defineRule({
//     name: 'fuse-dynamic-quant',
//     pattern: op('prim.cast', [optional(op('prim.clamp', [optional(op('prim.round', [op('prim.mul', [v, inv])]))]))], { as: 'y', attrs: { to: 'i8' } }),
//     extraRoots: [{ pattern: op('prim.mul', [amax, constant('inv_max', { splat: Math.fround(1 / 127) })], { as: 'scale' }), optional: true }],
//     guard: (m) => everyCheckThePatternCannotExpress(m) || 'why not, for explain',
//     rewrite(rw, m) {
//       const q = rw.b.npu.dynamicQuant(m.value('x'));        // inserted before the last matched statement
//       rw.replace(m.value('y'), q.y);                        // q.y takes y's name hint
//       if (m.has('scale')) rw.replace(m.value('scale'), q.scale);
//     },                                                      // the driver erases what became unused
//   });
//
// Run rules with `applyRules` (driver.ts) or wrap them as a pass with `rulePass` (../pass.ts);
// `explain(graph, rule)` (explain.ts) says why a rule does not apply at each candidate.
import { attrEquals, type Attr } from '../../ir/attr.ts';
import { FractalError } from '../../ir/diagnostics.ts';
import { printAttr } from '../../ir/print.ts';
import type { DType } from '../../ir/dtype.ts';
import { layoutEquals, layoutToString, type Layout } from '../../ir/layout.ts';
import type { Node } from '../../ir/node.ts';
import { isOpName, opDef, type OpName } from '../../ir/ops/registry.ts';
import type { Value } from '../../ir/value.ts';
import type { Match, MatchView } from './match.ts';
import type { Rewriter } from './rewriter.ts';

/** A check that passes (`true`) or fails (`false`, or a string saying why). */
export type Predicate<T> = (x: T, m: MatchView) => boolean | string;

export interface TypeConstraint {
  readonly dtype?: DType | readonly DType[];
  readonly rank?: number;
  readonly layout?: 'nd' | 'nz';
  readonly shape?: readonly number[];
}

/** Matches one attribute (after defaults are filled in). A plain value in `attrs` means `equals`. */
export class AttrMatcher {
  constructor(
    readonly test: (a: Attr, node: Node) => boolean,
    /** Completes "attribute k: expected …". */
    readonly describe: string,
  ) {}
}

export const oneOf = (...values: readonly unknown[]): AttrMatcher =>
  new AttrMatcher((a) => values.some((v) => jsEqualsAttr(v, a)), `one of ${values.map(showJs).join(', ')}`);

/** An attribute predicate; `describe` completes "expected …" in explanations. */
export const attrWhere = (test: (a: Attr, node: Node) => boolean, describe: string): AttrMatcher => new AttrMatcher(test, describe);

export const anyAttr: AttrMatcher = new AttrMatcher(() => true, 'any value');

/** In place of an operand list: the operands are not inspected. */
export const ANY_OPERANDS = 'any';

export interface OpPattern {
  readonly kind: 'op';
  readonly ops: readonly OpName[];
  readonly operands: readonly Pattern[] | typeof ANY_OPERANDS;
  readonly attrs: Readonly<Record<string, AttrMatcher>>;
  readonly as: string | undefined;
  readonly result: number;
  readonly type: TypeConstraint | undefined;
  readonly commutative: boolean;
  readonly leaf: boolean;
  readonly where: Predicate<Node> | undefined;
}

export interface CapturePattern {
  readonly kind: 'capture';
  readonly name: string | undefined;
  readonly type: TypeConstraint | undefined;
  readonly where: Predicate<Value> | undefined;
}

export interface ConstantPattern {
  readonly kind: 'constant';
  readonly name: string | undefined;
  readonly type: TypeConstraint | undefined;
  /** Every element equals this (floats compared exactly with `Object.is`, NaN matching any NaN). */
  readonly splat: number | bigint | boolean | undefined;
  readonly where: Predicate<Value> | undefined;
}

export interface EitherPattern {
  readonly kind: 'either';
  readonly branches: readonly Pattern[];
}

export interface OptionalPattern {
  readonly kind: 'optional';
  readonly inner: Pattern;
  /** For an op pattern: the operand pattern matched when the op is skipped. */
  readonly through: number | undefined;
}

export interface NonePattern {
  readonly kind: 'none';
}

export type Pattern = OpPattern | CapturePattern | ConstantPattern | EitherPattern | OptionalPattern | NonePattern;

export interface OpOptions {
  /** Plain values match exactly (`{ to: 'i8' }`, `{ axes: [1] }`); or use oneOf / attrWhere / anyAttr. */
  readonly attrs?: Readonly<Record<string, unknown>>;
  readonly as?: string;
  readonly result?: number;
  readonly type?: TypeConstraint;
  /** Defaults to true for prim.add, prim.mul, prim.max and prim.min. */
  readonly commutative?: boolean;
  readonly leaf?: boolean;
  readonly where?: Predicate<Node>;
}

const COMMUTATIVE: ReadonlySet<OpName> = new Set<string>(['prim.add', 'prim.mul', 'prim.max', 'prim.min']) as ReadonlySet<OpName>;

function patternError(what: string): FractalError {
  return new FractalError('VERIFY', `pattern: ${what}`);
}

export function op(ops: OpName | readonly OpName[], operands: readonly Pattern[] | typeof ANY_OPERANDS = [], opts: OpOptions = {}): OpPattern {
  const list: readonly OpName[] = typeof ops === 'string' ? [ops] : ops;
  if (list.length === 0) throw patternError('op() needs at least one op name');
  for (const name of list) {
    if (!isOpName(name)) throw patternError(`unknown op '${String(name)}'`);
    const def = opDef(name);
    const variadic = def.operands.some((o) => o.variadic);
    if (operands !== ANY_OPERANDS && !variadic && operands.length > def.operands.length) {
      throw patternError(`${name} has ${def.operands.length} operands, the pattern gives ${operands.length}`);
    }
    for (const k of Object.keys(opts.attrs ?? {})) {
      if (!def.attrs[k]) throw patternError(`${name} has no attribute '${k}'`);
    }
    const result = opts.result ?? 0;
    if (!(result >= 0 && result < def.results.length)) throw patternError(`${name} has no result ${result}`);
  }
  const attrs: Record<string, AttrMatcher> = {};
  for (const [k, v] of Object.entries(opts.attrs ?? {})) {
    attrs[k] = v instanceof AttrMatcher ? v : new AttrMatcher((a) => jsEqualsAttr(v, a), showJs(v));
  }
  return {
    kind: 'op',
    ops: list,
    operands,
    attrs,
    as: opts.as,
    result: opts.result ?? 0,
    type: opts.type,
    commutative: opts.commutative ?? (operands !== ANY_OPERANDS && operands.length === 2 && list.every((o) => COMMUTATIVE.has(o))),
    leaf: opts.leaf ?? false,
    where: opts.where,
  };
}

export function capture(name?: string, opts: TypeConstraint & { readonly where?: Predicate<Value> } = {}): CapturePattern {
  const { where, ...type } = opts;
  return { kind: 'capture', name, type: Object.keys(type).length > 0 ? type : undefined, where };
}

export const any = (): CapturePattern => capture();

export function constant(
  name?: string,
  opts: TypeConstraint & { readonly splat?: number | bigint | boolean; readonly where?: Predicate<Value> } = {},
): ConstantPattern {
  const { where, splat, ...type } = opts;
  return { kind: 'constant', name, type: Object.keys(type).length > 0 ? type : undefined, splat, where };
}

export function either(...branches: readonly Pattern[]): EitherPattern {
  if (branches.length === 0) throw patternError('either() needs at least one branch');
  return { kind: 'either', branches };
}

export function optional(inner: Pattern, opts: { readonly through?: number } = {}): OptionalPattern {
  const through = inner.kind === 'op' ? (opts.through ?? 0) : undefined;
  if (through !== undefined && inner.kind === 'op' && (inner.operands === ANY_OPERANDS || !inner.operands[through])) {
    throw patternError(`optional(): operand ${through} of ${inner.ops.join('|')} has no pattern to pass through`);
  }
  return { kind: 'optional', inner, through };
}

export const none = (): NonePattern => ({ kind: 'none' });

/** An extra root of a multi-output pattern, looked for among the users of values already bound. */
export interface ExtraRoot {
  readonly pattern: OpPattern;
  /** When no user matches, the rule still applies with this root unbound. */
  readonly optional?: boolean;
}

export interface RuleSpec {
  readonly name: string;
  /** The anchor: the driver tries the rule at every statement whose op is one of `pattern.ops`. */
  readonly pattern: OpPattern;
  /** Further roots (multi-output patterns), matched after the anchor, in order. */
  readonly extraRoots?: readonly ExtraRoot[];
  /** Higher goes first; equal benefit: larger patterns first, then definition order. */
  readonly benefit?: number;
  /** Every check the pattern cannot express; a string says why the rule does not apply. */
  guard?(m: Match): true | string;
  /**
   * Mutates through `rw` only. New statements go before the last matched statement; matched
   * statements left unused are erased afterwards. Return false to decline (only before any
   * mutation).
   */
  rewrite(rw: Rewriter, m: Match): void | false;
}

export interface Rule extends RuleSpec {
  /** The ops the driver indexes this rule by. */
  readonly rootOps: readonly OpName[];
  /** Statements the pattern matches at most (all roots): "larger patterns first". */
  readonly size: number;
}

export function defineRule(spec: RuleSpec): Rule {
  if (spec.pattern.leaf) throw patternError(`rule ${spec.name}: the anchor cannot be a leaf`);
  const roots = [spec.pattern, ...(spec.extraRoots ?? []).map((r) => r.pattern)];
  return { ...spec, rootOps: spec.pattern.ops, size: roots.reduce((s, p) => s + patternSize(p), 0) };
}

/** The number of op patterns along the largest branch. */
export function patternSize(p: Pattern): number {
  switch (p.kind) {
    case 'op':
      return p.leaf ? 0 : 1 + (p.operands === ANY_OPERANDS ? 0 : p.operands.reduce((s, q) => s + patternSize(q), 0));
    case 'either':
      return Math.max(...p.branches.map(patternSize));
    case 'optional':
      return patternSize(p.inner);
    default:
      return 0;
  }
}

/** Does a plain JavaScript value (or an Attr) equal an attribute? Floats compare with Object.is. */
export function jsEqualsAttr(js: unknown, a: Attr): boolean {
  if (typeof js === 'object' && js !== null && 'k' in js && 'v' in js) return attrEquals(js as Attr, a);
  switch (a.k) {
    case 'int':
      return (typeof js === 'bigint' && js === a.v) || (typeof js === 'number' && Number.isInteger(js) && BigInt(js) === a.v);
    case 'float':
      return typeof js === 'number' && Object.is(js, a.v);
    case 'layout':
      return typeof js === 'object' && js !== null && 'kind' in js && layoutEquals(js as Layout, a.v);
    case 'array':
      return Array.isArray(js) && js.length === a.v.length && js.every((x, i) => jsEqualsAttr(x, a.v[i]!));
    default:
      return js === a.v;
  }
}

function showJs(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(showJs).join(', ')}]`;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && 'k' in v && 'v' in v) return printAttr(v as Attr);
  if (typeof v === 'object' && v !== null && 'kind' in v) return layoutToString(v as Layout);
  return String(v);
}

/** A pattern in one line, for explanations: `prim.mul(x, constant inv)`. */
export function describePattern(p: Pattern): string {
  switch (p.kind) {
    case 'op': {
      const name = p.ops.join('|');
      const args = p.operands === ANY_OPERANDS ? '…' : p.operands.map(describePattern).join(', ');
      return `${name}(${args})${p.as ? ` as ${p.as}` : ''}`;
    }
    case 'capture':
      return p.name ?? '_';
    case 'constant':
      return `constant${p.name ? ` ${p.name}` : ''}${p.splat !== undefined ? ` = ${String(p.splat)}` : ''}`;
    case 'either':
      return `either(${p.branches.map(describePattern).join(' | ')})`;
    case 'optional':
      return `optional(${describePattern(p.inner)})`;
    case 'none':
      return 'none';
  }
}
