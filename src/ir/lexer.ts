// Tokens of the textual IR (ir.md §2.1–§2.2). A pull lexer: the parser asks for one token at a
// time, so garbage input fails at its first bad token without being tokenized in full.
import { FractalError, type SourceLoc } from './diagnostics.ts';

export type TokenKind =
  | 'ident' // IDENT, including the positional keywords (graph, none, inf, dtype names, …)
  | 'opname' // IDENT "." IDENT
  | 'value' // %name or %7
  | 'symbol' // @name
  | 'int'
  | 'float' // digits with a fraction or exponent, or -inf (bare inf and nan lex as idents)
  | 'hex'
  | 'string' // a JSON string literal, quotes included
  | 'hash' // #nd, #nz
  | 'shape' // the shape-dtype token directly after `tensor<`
  | 'punct' // ( ) { } [ ] < > , = : ->
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** Offset of the first character in the source text. */
  readonly pos: number;
}

/** Number tokens longer than this are refused: nothing needs them, and BigInt parsing is quadratic. */
export const MAX_NUMBER_CHARS = 4096;

const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentChar = (c: number) => isIdentStart(c) || isDigit(c);
const isHexDigit = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const PUNCT = '(){}[]<>,=:';

/** A token as an error message shows it: quoted, control characters escaped, long text cut. */
export function describeToken(t: Token): string {
  if (t.kind === 'eof') return 'end of input';
  return quote(t.text);
}

export function quote(text: string): string {
  const cut = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  // Escape control characters and lone surrogates so the message stays printable.
  const shown = cut.replace(/[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `'${shown}'`;
}

export class Lexer {
  private pos = 0;
  private prev: Token | undefined;
  private prev2: Token | undefined;
  private lineStarts: number[] | undefined;

  constructor(
    readonly text: string,
    readonly source: string,
  ) {}

  /** Line and column (1-based) of an offset. */
  loc(pos: number): SourceLoc {
    const starts = (this.lineStarts ??= lineStartsOf(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return { source: this.source, line: lo + 1, col: pos - starts[lo]! + 1 };
  }

  /** `<source>:<line>:<col>: expected <what>, got <token>` (ir.md §8.1). */
  error(pos: number, what: string, got: string): FractalError {
    const loc = this.loc(pos);
    return new FractalError('PARSE', `${loc.source}:${loc.line}:${loc.col}: expected ${what}, got ${got}`, undefined, { loc });
  }

  next(): Token {
    const t = this.lex();
    this.prev2 = this.prev;
    this.prev = t;
    return t;
  }

  private lex(): Token {
    const s = this.text;
    this.skipTrivia();
    const start = this.pos;
    if (start >= s.length) return { kind: 'eof', text: '', pos: start };
    if (this.prev?.text === '<' && this.prev.kind === 'punct' && this.prev2?.kind === 'ident' && this.prev2.text === 'tensor') {
      const end = this.scan(start, isIdentChar);
      if (end > start) return this.take('shape', end);
    }
    const c = s.charCodeAt(start);
    if (PUNCT.includes(s[start]!)) return this.take('punct', start + 1);
    if (isIdentStart(c)) {
      let end = this.scan(start, isIdentChar);
      if (s[end] === '.' && isIdentStart(s.charCodeAt(end + 1))) return this.take('opname', this.scan(end + 1, isIdentChar));
      return this.take('ident', end);
    }
    if (isDigit(c)) return this.number(start);
    switch (s[start]) {
      case '-':
        if (s[start + 1] === '>') return this.take('punct', start + 2);
        if (isDigit(s.charCodeAt(start + 1))) return this.number(start);
        if (s.startsWith('inf', start + 1) && !isIdentChar(s.charCodeAt(start + 4))) return this.take('float', start + 4);
        throw this.error(start, "a number, '-inf' or '->'", quote(s.slice(start, start + 2)));
      case '%':
        if (isIdentStart(s.charCodeAt(start + 1))) return this.take('value', this.scan(start + 1, isIdentChar));
        if (isDigit(s.charCodeAt(start + 1))) return this.take('value', this.scan(start + 1, isDigit));
        throw this.error(start, "a value name after '%'", quote(s.slice(start, start + 2)));
      case '@':
      case '#':
        if (isIdentStart(s.charCodeAt(start + 1))) return this.take(s[start] === '@' ? 'symbol' : 'hash', this.scan(start + 1, isIdentChar));
        throw this.error(start, `a name after '${s[start]}'`, quote(s.slice(start, start + 2)));
      case '"':
        return this.string(start);
    }
    throw this.error(start, 'a token', quote(String.fromCodePoint(s.codePointAt(start)!)));
  }

  private skipTrivia(): void {
    const s = this.text;
    for (;;) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else if (c === 47 && s.charCodeAt(this.pos + 1) === 47) {
        const nl = s.indexOf('\n', this.pos);
        this.pos = nl < 0 ? s.length : nl + 1;
      } else return;
    }
  }

  private scan(from: number, ok: (c: number) => boolean): number {
    let i = from;
    while (i < this.text.length && ok(this.text.charCodeAt(i))) i++;
    return i;
  }

  private take(kind: TokenKind, end: number): Token {
    const t = { kind, text: this.text.slice(this.pos, end), pos: this.pos };
    this.pos = end;
    return t;
  }

  /** INTEGER, FLOAT or HEX; the caller saw a digit or '-' followed by a digit. */
  private number(start: number): Token {
    const s = this.text;
    let kind: TokenKind = 'int';
    let end: number;
    if (s.startsWith('0x', start)) {
      end = this.scan(start + 2, isHexDigit);
      if (end === start + 2) throw this.error(start, "hex digits after '0x'", quote(s.slice(start, start + 3)));
      kind = 'hex';
    } else {
      end = this.scan(start + 1, isDigit);
      if (s[end] === '.' && isDigit(s.charCodeAt(end + 1))) {
        end = this.scan(end + 1, isDigit);
        kind = 'float';
      }
      const e = s[end];
      if (e === 'e' || e === 'E') {
        const sign = s[end + 1] === '+' || s[end + 1] === '-' ? 1 : 0;
        if (isDigit(s.charCodeAt(end + 1 + sign))) {
          end = this.scan(end + 1 + sign, isDigit);
          kind = 'float';
        }
      }
    }
    if (end - start > MAX_NUMBER_CHARS) throw this.error(start, `a number of at most ${MAX_NUMBER_CHARS} characters`, `${end - start} characters`);
    return this.take(kind, end);
  }

  /** A JSON string literal (RFC 8259 §7): no raw control characters, only JSON escapes. */
  private string(start: number): Token {
    const s = this.text;
    let i = start + 1;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 34) return this.take('string', i + 1);
      if (c < 32) throw this.error(i, "a string character or '\"'", quote(s[i]!));
      if (c === 92) {
        const e = s[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) throw this.error(i, 'four hex digits after \\u', quote(s.slice(i, i + 6)));
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) throw this.error(i, 'a JSON escape', quote(s.slice(i, i + 2)));
        i += 2;
        continue;
      }
      i++;
    }
    throw this.error(s.length, "'\"' to close the string", 'end of input');
  }
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
