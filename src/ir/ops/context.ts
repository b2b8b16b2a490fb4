// What an op's type rules and verifier see: operand and result types by schema name,
// attributes (defaults filled in), the graph's world size, and a way to fail with a rule id.
import type { Attr, Attrs } from '../attr.ts';
import { AttrReader } from '../attr-reader.ts';
import { ruleError, show } from '../diagnostics.ts';
import type { Resource } from '../module.ts';
import type { TensorType } from '../types.ts';
import type { OpDef } from './registry.ts';

export class OpContext extends AttrReader {
  constructor(
    readonly def: OpDef,
    /** Positional operand types; null for an absent optional. */
    readonly operandTypes: readonly (TensorType | null)[],
    readonly attrs: Attrs,
    /** Written result types; undefined while inferring. */
    readonly resultTypes: readonly TensorType[] | undefined,
    readonly worldSize: number,
    /** Names `<op> %<first result>` for messages; called only when a rule fails. */
    private readonly subjectOf: () => string,
    /** The module's resources, for `prim.constant`. */
    readonly resources?: ReadonlyMap<string, Resource>,
  ) {
    super();
  }

  get subject(): string {
    return this.subjectOf();
  }

  /** The operand with this schema name (null when absent). */
  operand(name: string): TensorType | null {
    const i = this.def.operands.findIndex((o) => o.name === name);
    return i < 0 ? null : (this.operandTypes[i] ?? null);
  }

  /** Like `operand` for a required operand (the NULL rule has run already). */
  input(name: string): TensorType {
    const t = this.operand(name);
    if (!t) this.fail(this.def.nullRule ?? 'ir.2', `operand ${name} is required`, 'none');
    return t;
  }

  result(name: string): TensorType {
    const i = this.def.results.indexOf(name);
    const t = this.resultTypes?.[i];
    if (!t) this.fail('ir.2', `result ${name} is missing`, 'none');
    return t;
  }

  override attr(name: string): Attr {
    const a = this.attrs[name];
    if (!a) this.fail('ir.3', `attribute ${name} is required`, 'none');
    return a;
  }
  fail(rule: string, what: string, got: unknown): never {
    throw ruleError('VERIFY', this.subject, rule, what, show(got));
  }

  /** Fails unless `cond`. (A failing branch that must narrow types: `return ctx.fail(…)`.) */
  check(cond: boolean, rule: string, what: string, got: unknown): void {
    if (!cond) this.fail(rule, what, got);
  }

  /** Checks that written result i equals the expected type. */
  checkResult(i: number, expected: TensorType, rule: string): void {
    const got = this.resultTypes?.[i];
    if (got && !got.equals(expected)) {
      this.fail(rule, `result ${this.def.results[i]} must have type ${expected}`, got.toString());
    }
  }
}
