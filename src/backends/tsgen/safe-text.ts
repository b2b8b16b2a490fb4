// The only ways text derived from a graph enters generated source (emit.ts): numbers as checked
// literals and IR text inside `//` comments, escaped. Names, strings and other attribute values
// never become code: identifiers are generated (`v0`, `s3`) by the emitter itself.
import { FractalError } from '../../ir/diagnostics.ts';

/** A JavaScript numeric literal for a number, parenthesised when negative. */
export function num(v: number): string {
  if (typeof v !== 'number') throw new FractalError('RUNTIME', `tsgen: internal error: a literal must be a number, got ${typeof v}`);
  if (v !== v) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  if (Object.is(v, -0)) return '(-0)';
  return v < 0 ? `(${String(v)})` : String(v);
}

/** A bigint literal (`12n`), parenthesised when negative. */
export function bigintLit(v: bigint): string {
  if (typeof v !== 'bigint') throw new FractalError('RUNTIME', `tsgen: internal error: a literal must be a bigint, got ${typeof v}`);
  return v < 0n ? `(${v}n)` : `${v}n`;
}

/** A non-negative integer literal (shapes, strides, indices). */
export function int(v: number): string {
  if (!Number.isSafeInteger(v) || v < 0) throw new FractalError('RUNTIME', `tsgen: internal error: expected an index, got ${String(v)}`);
  return String(v);
}

/**
 * Text safe inside a `//` comment and inside a block comment: one line (line terminators and
 * other control characters written as `\uXXXX`), no comment terminator, bounded length.
 */
export function commentText(s: string, max = 400): string {
  const clipped = s.length > max ? `${s.slice(0, max)}…` : s;
  return clipped
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\*\//g, '*\\/');
}
