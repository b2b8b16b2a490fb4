// The one error type of Fractal (ir.md §8.1). Messages name the op or file, the operand or
// field, the rule id and the value seen.

export type ErrorCode = 'PARSE' | 'VERIFY' | 'RUNTIME' | 'IO';

/** Where a parsed statement, graph or resource was written (1-based line and column). */
export interface SourceLoc {
  readonly source: string;
  readonly line: number;
  readonly col: number;
}

export class FractalError extends Error {
  override readonly name = 'FractalError';
  /** The text position of the failing statement (VERIFY on parsed IR) or token (PARSE). */
  loc?: SourceLoc;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Rule id such as `dynamic_quant.4`, for rule violations. */
    readonly rule?: string,
    options?: { cause?: unknown; loc?: SourceLoc },
  ) {
    super(message, options);
    if (options?.loc) this.loc = options.loc;
  }
}

/** A warning: a rule id and a message in the same format; it never stops execution (§8.3). */
export interface Warning {
  readonly rule: string;
  readonly message: string;
}

/** `<subject>: [<rule>] <what>, got <seen>`; `subject` is e.g. `npu.dynamic_quant %y`. */
export function ruleMessage(subject: string, rule: string, what: string, got: string): string {
  return `${subject}: [${rule}] ${what}, got ${got}`;
}

export function ruleError(code: ErrorCode, subject: string, rule: string, what: string, got: unknown): FractalError {
  return new FractalError(code, ruleMessage(subject, rule, what, show(got)), rule);
}

/** Formats a value seen for a message: shapes as `[a, b]`, strings quoted, arrays bracketed. */
export function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'none';
  return String(v);
}
