// The textual IR parser (ir.md §2.2 grammar, §2.5 names, §3.1 initializer literals). It checks
// the grammar and resolves names (PARSE errors); every other rule belongs to the verifier, which
// `parseModule` runs. Input-controlled nesting (dense lists) is parsed iteratively and attribute
// arrays are capped, so no input can overflow the stack.
import type { Attr } from './attr.ts';
import { ruleError, type FractalError, type SourceLoc } from './diagnostics.ts';
import { isDType, isFloat, type DType } from './dtype.ts';
import { CLOSE, literalNumber, nestingProblem, OPEN, storeLiteral, type Literal } from './elements.ts';
import { Graph } from './graph.ts';
import { describeToken, Lexer, quote, type Token, type TokenKind } from './lexer.ts';
import { ND, nz, type Layout } from './layout.ts';
import { Module, type Initializer } from './module.ts';
import { Node } from './node.ts';
import { isOpName } from './ops/registry.ts';
import { allocStorage } from './storage.ts';
import { stridesOf, TensorType } from './types.ts';
import type { Value } from './value.ts';
import { guarded, verifyModule } from './verify.ts';

/** Deepest nesting of attribute arrays (no op needs more than 1). */
export const MAX_ATTR_DEPTH = 32;

/** Parses a module and verifies it (ir.md §8: PARSE, then VERIFY errors). */
export function parseModule(text: string, source = '<input>'): Module {
  const m = parseModuleUnverified(text, source);
  guarded('VERIFY', source, () => verifyModule(m));
  return m;
}

/** Parses a module without running the verifier. */
export function parseModuleUnverified(text: string, source = '<input>'): Module {
  return guarded('PARSE', source, () => new Parser(text, source).module());
}

/** Parses one tensor type such as `tensor<64x32xi8, #nz<c0=32>>`. */
export function parseType(text: string, source = '<type>'): TensorType {
  return guarded('PARSE', source, () => new Parser(text, source).typeOnly());
}

/** Builds an initializer once the resource's type (read after it) is known. */
type InitMaker = (type: TensorType, where: string) => Initializer;

class Parser {
  private readonly lex: Lexer;
  private tok: Token;
  /** `@name` attribute values, resolved against the resources block at the end. */
  private readonly resourceRefs: Token[] = [];

  constructor(text: string, source: string) {
    this.lex = new Lexer(text, source);
    this.tok = this.lex.next();
  }

  module(): Module {
    const m = new Module();
    if (!this.isWord('graph')) this.fail("'graph'");
    while (this.isWord('graph')) this.graph(m);
    const hadResources = this.isWord('resources');
    if (hadResources) this.resources(m);
    if (this.tok.kind !== 'eof') this.fail(hadResources ? 'end of input' : "'graph', 'resources' or end of input");
    for (const t of this.resourceRefs) {
      if (!m.resources.has(t.text.slice(1))) this.fail('a resource defined in the resources block', t);
    }
    return m;
  }

  typeOnly(): TensorType {
    const t = this.type();
    if (this.tok.kind !== 'eof') this.fail('end of input');
    return t;
  }

  // ---- tokens ----------------------------------------------------------------------------

  private advance(): Token {
    const t = this.tok;
    this.tok = this.lex.next();
    return t;
  }
  private isPunct(p: string): boolean {
    return this.tok.kind === 'punct' && this.tok.text === p;
  }
  private isWord(w: string): boolean {
    return this.tok.kind === 'ident' && this.tok.text === w;
  }
  private fail(what: string, t: Token = this.tok, got = describeToken(t)): never {
    throw this.lex.error(t.pos, what, got);
  }
  private punct(p: string, what = `'${p}'`): Token {
    if (!this.isPunct(p)) this.fail(what);
    return this.advance();
  }
  private word(w: string, what = `'${w}'`): Token {
    if (!this.isWord(w)) this.fail(what);
    return this.advance();
  }
  private expectKind(kind: TokenKind, what: string): Token {
    if (this.tok.kind !== kind) this.fail(what);
    return this.advance();
  }
  private loc(t: Token): SourceLoc {
    return this.lex.loc(t.pos);
  }
  /** A rule the parser must check because the IR cannot hold the violation ([ir.6], [ir.7]). */
  private ruleAt(pos: number, subject: string, rule: string, what: string, got: unknown): FractalError {
    const e = ruleError('VERIFY', subject, rule, what, got);
    e.loc = this.lex.loc(pos);
    return e;
  }

  /** Items separated by ',' up to `close`; returns the closing token. */
  private commaList(close: string, item: () => void, allowEmpty = true): Token {
    if (allowEmpty && this.isPunct(close)) return this.advance();
    for (;;) {
      item();
      if (!this.isPunct(',')) return this.punct(close, `'${close}' or ','`);
      this.advance();
    }
  }

  // ---- graphs ----------------------------------------------------------------------------

  private graph(m: Module): void {
    const kw = this.advance();
    const nameTok = this.expectKind('symbol', 'a graph name such as @main');
    const name = nameTok.text.slice(1);
    if (m.graphs.some((g) => g.name === name)) this.fail('a new graph name', nameTok);
    const g = m.addGraph(new Graph(name));
    g.loc = this.loc(kw);
    const where = `graph @${name}`;
    const scope = new Map<string, Value>();
    this.punct('(');
    this.commaList(')', () => {
      const t = this.expectKind('value', 'a parameter such as %x');
      if (scope.has(t.text)) this.fail('a new value name', t);
      this.punct(':');
      const type = this.type();
      let weight = false;
      if (this.isPunct('{')) {
        const at = this.tok.pos;
        for (const [k, a] of this.attrDict()) {
          if (k !== 'weight') throw this.ruleAt(at, where, 'ir.6', `parameter ${t.text} has no attribute '${k}' (only weight)`, k);
          if (a.k !== 'bool') throw this.ruleAt(at, where, 'ir.6', `parameter ${t.text}: weight must be a bool`, a.k);
          weight = a.v;
        }
      }
      scope.set(t.text, g.addParam(type, hintOf(t), { weight }));
    });
    this.punct('->');
    this.punct('(');
    this.commaList(')', () => g.resultTypes.push(this.type()), false);
    let bodyWhat = "'attributes' or '{'";
    if (this.isWord('attributes')) {
      bodyWhat = "'{'";
      const at = this.advance().pos;
      for (const [k, a] of this.attrDict()) {
        if (k !== 'world_size') throw this.ruleAt(at, where, 'ir.6', `graph has no attribute '${k}' (only world_size)`, k);
        if (a.k !== 'int') throw this.ruleAt(at, where, 'ir.6', 'world_size must be an int', a.k);
        g.worldSize = Number(a.v);
      }
    }
    this.punct('{', bodyWhat);
    while (!this.isWord('return')) {
      if (this.tok.kind !== 'value') this.fail("a statement or 'return'");
      this.statement(g, scope);
    }
    g.returnLoc = this.loc(this.advance());
    for (;;) {
      g.outputs.push(this.use(scope, this.expectKind('value', 'a returned value such as %y')));
      if (!this.isPunct(',')) break;
      this.advance();
    }
    this.punct('}', "'}' or ','");
  }

  private use(scope: Map<string, Value>, t: Token): Value {
    const v = scope.get(t.text);
    if (!v) this.fail('a value defined earlier in the graph', t);
    return v;
  }

  private statement(g: Graph, scope: Map<string, Value>): void {
    const first = this.tok;
    const names: Token[] = [];
    for (;;) {
      const t = this.expectKind('value', 'a result name such as %y');
      if (scope.has(t.text) || names.some((n) => n.text === t.text)) this.fail('a new value name', t);
      names.push(t);
      if (!this.isPunct(',')) break;
      this.advance();
    }
    this.punct('=', "'=' or ','");
    const opTok = this.expectKind('opname', 'an op name such as prim.add');
    const op = opTok.text;
    if (!isOpName(op)) this.fail('a known op name', opTok);

    const operands: (Value | null)[] = [];
    const operandNames: string[] = [];
    let next = "'(', '{' or ':'";
    if (this.isPunct('(')) {
      this.advance();
      this.commaList(')', () => {
        if (this.isWord('none')) {
          operandNames.push(this.advance().text);
          operands.push(null);
        } else {
          const t = this.expectKind('value', "an operand (a value or 'none')");
          operandNames.push(t.text);
          operands.push(this.use(scope, t));
        }
      });
      next = "'{' or ':'";
    }
    let attrs = {};
    if (this.isPunct('{')) {
      attrs = Object.fromEntries(this.attrDict());
      next = "':'";
    }
    this.punct(':', next);

    // The operand-type list restates the operands' types exactly (ir.md §2.3).
    this.punct('(');
    let i = 0;
    const close = this.commaList(')', () => {
      const t = this.tok;
      if (i >= operands.length) this.fail(`')' (the statement has ${operands.length} operand${operands.length === 1 ? '' : 's'})`);
      const v = operands[i];
      if (this.isWord('none')) {
        if (v) this.fail(`${v.type} (the type of ${operandNames[i]})`);
        this.advance();
      } else {
        const type = this.type();
        if (!v) this.fail(`'none' (operand ${i} is none)`, t, quote(type.toString()));
        if (!type.equals(v.type)) this.fail(`${v.type} (the type of ${operandNames[i]})`, t, quote(type.toString()));
      }
      i++;
    });
    if (i < operands.length) this.fail(`a type for operand ${i} (${operandNames[i]})`, close);

    this.punct('->');
    const typesAt = this.tok;
    const types: TensorType[] = [];
    if (this.isPunct('(')) {
      this.advance();
      this.commaList(')', () => types.push(this.type()), false);
    } else types.push(this.type());
    if (types.length !== names.length) {
      this.fail(`${names.length} result type${names.length > 1 ? 's' : ''} (one per result name)`, typesAt, String(types.length));
    }

    const node = new Node(op, operands, attrs, types, names.map(hintOf));
    node.loc = this.loc(first);
    g.insert(node);
    node.results.forEach((r, k) => scope.set(names[k]!.text, r));
  }

  // ---- types and attributes --------------------------------------------------------------

  private type(): TensorType {
    this.word('tensor', 'a type such as tensor<8xf32>');
    this.punct('<');
    const t = this.tok;
    const what = 'a shape and dtype such as 8x64xf16';
    if (t.kind !== 'shape') this.fail(what);
    const parts = t.text.split('x');
    const dtype = parts.pop()!;
    if (!isDType(dtype) || !parts.every((d) => /^[0-9]+$/.test(d))) this.fail(what);
    if (parts.some((d) => d.length > 15)) this.fail('dimensions of at most 15 digits');
    this.advance();
    let layout: Layout = ND;
    if (this.isPunct(',')) {
      this.advance();
      layout = this.layout();
      this.punct('>');
    } else this.punct('>', "'>' or ','");
    return new TensorType(parts.map(Number), dtype as DType, layout);
  }

  private layout(): Layout {
    const what = "a layout ('#nd' or '#nz<c0=N>')";
    const t = this.expectKind('hash', what);
    if (t.text === '#nd') return ND;
    if (t.text !== '#nz') this.fail(what, t);
    this.punct('<');
    this.word('c0');
    this.punct('=');
    const c = this.expectKind('int', 'an integer c0');
    if (c.text.length > 9) this.fail('a c0 of at most 9 digits', c);
    this.punct('>');
    return nz(Number(c.text));
  }

  /** `{k = v, …}` as entries in text order (duplicate keys are a PARSE error). */
  private attrDict(): [string, Attr][] {
    this.punct('{');
    const entries: [string, Attr][] = [];
    const seen = new Set<string>();
    this.commaList('}', () => {
      const k = this.expectKind('ident', 'an attribute name');
      if (seen.has(k.text)) this.fail('a new attribute name', k);
      seen.add(k.text);
      this.punct('=');
      entries.push([k.text, this.attrValue(0)]);
    });
    return entries;
  }

  private attrValue(depth: number): Attr {
    const t = this.tok;
    switch (t.kind) {
      case 'int':
        this.advance();
        return { k: 'int', v: BigInt(t.text) };
      case 'float':
        this.advance();
        return { k: 'float', v: literalNumber(t.text) };
      case 'string':
        this.advance();
        return { k: 'string', v: JSON.parse(t.text) as string };
      case 'hash':
        return { k: 'layout', v: this.layout() };
      case 'symbol':
        this.advance();
        this.resourceRefs.push(t);
        return { k: 'resource', v: t.text.slice(1) };
      case 'ident':
        if (t.text === 'true' || t.text === 'false') {
          this.advance();
          return { k: 'bool', v: t.text === 'true' };
        }
        if (t.text === 'inf' || t.text === 'nan') {
          this.advance();
          return { k: 'float', v: literalNumber(t.text) };
        }
        if (isDType(t.text)) {
          this.advance();
          return { k: 'dtype', v: t.text };
        }
        break;
      case 'hex':
        return this.fail('an attribute value (hex literals appear only in dense and splat)');
      case 'punct':
        if (t.text !== '[') break;
        if (depth >= MAX_ATTR_DEPTH) this.fail(`attribute arrays nested at most ${MAX_ATTR_DEPTH} deep`);
        this.advance();
        {
          const items: Attr[] = [];
          this.commaList(']', () => items.push(this.attrValue(depth + 1)));
          return { k: 'array', v: items };
        }
    }
    return this.fail('an attribute value');
  }

  // ---- resources -------------------------------------------------------------------------

  private resources(m: Module): void {
    this.advance();
    this.punct('{');
    while (!this.isPunct('}')) {
      if (this.tok.kind !== 'symbol') this.fail("a resource such as @w = … or '}'");
      const sym = this.advance();
      const name = sym.text.slice(1);
      if (m.resources.has(name) || m.graphs.some((g) => g.name === name)) this.fail('a new resource name', sym);
      this.punct('=');
      const make = this.initializer();
      this.punct(':');
      const type = this.type();
      let perRank = false;
      if (this.isPunct('{')) {
        this.advance();
        this.word('per_rank');
        this.punct('}');
        perRank = true;
      }
      m.addResource({ name, type, init: make(type, `resource @${name}`), perRank, loc: this.loc(sym) });
    }
    this.advance();
  }

  private initializer(): InitMaker {
    const kw = this.tok;
    if (kw.kind === 'ident') {
      switch (kw.text) {
        case 'dense':
          return this.dense();
        case 'splat': {
          this.advance();
          this.punct('<');
          const at = this.tok.pos;
          const lit = this.element();
          this.punct('>');
          return (type, where) => {
            const data = allocStorage(type.dtype, 1);
            const what = storeLiteral(type.dtype, data, 0, lit);
            if (what) throw this.ruleAt(at, where, 'ir.7', `splat element ${what}`, lit.text);
            return { kind: 'splat', data };
          };
        }
        case 'iota':
          this.advance();
          this.punct('<');
          this.punct('>');
          return () => ({ kind: 'iota' });
        case 'random':
          return this.random();
      }
    }
    return this.fail('an initializer (dense, splat, iota or random)');
  }

  /** `dense<…>`: nested lists read iteratively into events (open, close, element index). */
  private dense(): InitMaker {
    this.advance();
    this.punct('<');
    const events: number[] = [];
    const positions: number[] = [];
    const elems: Literal[] = [];
    const elemPos: number[] = [];
    let depth = 0;
    for (;;) {
      if (this.isPunct('[')) {
        positions.push(this.advance().pos);
        events.push(OPEN);
        depth++;
        if (!this.isPunct(']')) continue;
      } else {
        positions.push(this.tok.pos);
        elemPos.push(this.tok.pos);
        events.push(elems.length);
        elems.push(this.element());
      }
      // After an item: close finished lists, then a ',' leads to the next item.
      while (depth > 0 && this.isPunct(']')) {
        positions.push(this.advance().pos);
        events.push(CLOSE);
        depth--;
      }
      if (depth === 0) break;
      this.punct(',', "',' or ']'");
    }
    this.punct('>');
    return (type, where) => {
      const p = nestingProblem(events, type.shape);
      if (p) throw this.ruleAt(positions[p.at]!, where, 'ir.7', p.what, p.got);
      const data = allocStorage(type.dtype, elems.length);
      const strides = stridesOf(type.shape);
      elems.forEach((lit, i) => {
        const what = storeLiteral(type.dtype, data, i, lit);
        if (what) {
          const index = strides.map((s, a) => Math.floor(i / s) % type.shape[a]!);
          throw this.ruleAt(elemPos[i]!, where, 'ir.7', `element [${index.join(', ')}] ${what}`, lit.text);
        }
      });
      return { kind: 'dense', data };
    };
  }

  private element(): Literal {
    const t = this.tok;
    if (t.kind === 'int' || t.kind === 'float' || t.kind === 'hex') {
      this.advance();
      return { kind: t.kind, text: t.text };
    }
    if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false' || t.text === 'inf' || t.text === 'nan')) {
      this.advance();
      return { kind: t.text === 'inf' || t.text === 'nan' ? 'float' : 'bool', text: t.text };
    }
    return this.fail('an element (a number, true, false or a hex pattern)');
  }

  private random(): InitMaker {
    this.advance();
    this.punct('<');
    this.word('seed');
    this.punct('=');
    const seed = this.expectKind('int', 'an integer seed');
    this.punct(',');
    this.word('lo');
    this.punct('=');
    const lo = this.number();
    this.punct(',');
    this.word('hi');
    this.punct('=');
    const hi = this.number();
    this.punct('>');
    return (type, where) => {
      // Integer dtypes (and i1) take integers, exact beyond 2^53; float dtypes take float64s.
      const bound = (t: Token, which: string): number | bigint => {
        if (isFloat(type.dtype)) return literalNumber(t.text);
        if (t.kind !== 'int') throw this.ruleAt(t.pos, where, 'ir.7', `random ${which} must be an integer for ${type.dtype}`, t.text);
        const v = BigInt(t.text);
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      };
      return { kind: 'random', seed: Number(seed.text), lo: bound(lo, 'lo'), hi: bound(hi, 'hi') };
    };
  }

  /** INTEGER or FLOAT (including inf and nan). */
  private number(): Token {
    const t = this.tok;
    if (t.kind === 'int' || t.kind === 'float' || (t.kind === 'ident' && (t.text === 'inf' || t.text === 'nan'))) return this.advance();
    return this.fail('a number');
  }
}

/** `%name` gives the hint `name`; a numeric name gives none (ir.md §2.5). */
function hintOf(t: Token): string | undefined {
  const c = t.text.charCodeAt(1);
  return c >= 48 && c <= 57 ? undefined : t.text.slice(1);
}
