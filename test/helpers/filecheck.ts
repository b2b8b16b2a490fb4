// A small FileCheck (LLVM's, trimmed): checks printed IR against `// CHECK…:` lines.
//
//   CHECK:        the pattern occurs at or after the previous match
//   CHECK-NEXT:   … on the line right after the previous match's line
//   CHECK-SAME:   … on the same line as the previous match, after it
//   CHECK-NOT:    the pattern does not occur between the surrounding matches
//   CHECK-LABEL:  like CHECK, and the input is split at labels first, so the checks between two
//                 labels only match between their matches (labels take no variables)
//
// Patterns are literal text with horizontal whitespace runs matching any run of spaces and
// tabs, `{{regex}}` inline, `[[X:regex]]` to capture and `[[X]]` to reuse a capture (also later
// on the same line). Matches never span lines.

export type CheckKind = 'CHECK' | 'CHECK-NEXT' | 'CHECK-SAME' | 'CHECK-NOT' | 'CHECK-LABEL';

export interface Check {
  readonly kind: CheckKind;
  readonly pattern: string;
  /** 1-based line of the check in its file, for messages. */
  readonly line: number;
}

export class FileCheckError extends Error {
  override readonly name = 'FileCheckError';
}

const DIRECTIVE = /\/\/\s*(CHECK[A-Z-]*):(.*)$/;
const KINDS: readonly string[] = ['CHECK', 'CHECK-NEXT', 'CHECK-SAME', 'CHECK-NOT', 'CHECK-LABEL'];

/** Reads the CHECK lines of a text whose first line is line `firstLine` of its file. */
export function parseChecks(text: string, firstLine = 1, file = '<checks>'): Check[] {
  const checks: Check[] = [];
  text.split('\n').forEach((l, i) => {
    const m = DIRECTIVE.exec(l);
    if (!m) return;
    // A misspelt directive would silently check nothing.
    if (!KINDS.includes(m[1]!)) throw new FileCheckError(`${file}:${firstLine + i}: unknown directive ${m[1]}`);
    checks.push({ kind: m[1] as CheckKind, pattern: m[2]!.trim(), line: firstLine + i });
  });
  return checks;
}

/** Checks `output` against the CHECK lines in `checkText`; throws a FileCheckError on failure. */
export function fileCheck(output: string, checkText: string, opts: { firstLine?: number; file?: string } = {}): void {
  const checks = parseChecks(checkText, opts.firstLine, opts.file);
  if (checks.length === 0) throw new FileCheckError(`${opts.file ?? '<checks>'}: no CHECK lines`);
  new Matcher(output, checks, opts.file ?? '<checks>').run();
}

interface Match {
  line: number;
  start: number;
  end: number;
}

class Matcher {
  private readonly lines: string[];
  private readonly vars = new Map<string, string>();

  constructor(
    output: string,
    private readonly checks: readonly Check[],
    private readonly file: string,
  ) {
    this.lines = output.split('\n');
  }

  run(): void {
    // Labels first: each bounds the checks that follow it up to the next label.
    const labelAt: (Match | undefined)[] = [];
    let from: Match = { line: 0, start: 0, end: 0 };
    this.checks.forEach((c, i) => {
      if (c.kind !== 'CHECK-LABEL') return;
      const m = this.search(c, from, this.lines.length);
      if (!m) this.fail(c, from, 'no match for label');
      labelAt[i] = m;
      from = m;
    });
    let prev: Match | undefined;
    let pendingNot: Check[] = [];
    for (let i = 0; i < this.checks.length; i++) {
      const c = this.checks[i]!;
      const limit = this.nextLabelLine(labelAt, i);
      if (c.kind === 'CHECK-NOT') {
        pendingNot.push(c);
        continue;
      }
      let m: Match | undefined;
      if (c.kind === 'CHECK-LABEL') m = labelAt[i]!;
      else if (c.kind === 'CHECK-NEXT' || c.kind === 'CHECK-SAME') {
        if (!prev) this.fail(c, undefined, `${c.kind} needs a previous match`);
        const line = c.kind === 'CHECK-NEXT' ? prev.line + 1 : prev.line;
        const start = c.kind === 'CHECK-NEXT' ? 0 : prev.end;
        m = line < this.lines.length ? this.search(c, { line, start: 0, end: start }, line + 1) : undefined;
        if (!m) this.fail(c, prev, c.kind === 'CHECK-NEXT' ? 'no match on the next line' : 'no match on the same line');
      } else {
        m = this.search(c, prev ?? { line: 0, start: 0, end: 0 }, limit);
        if (!m) this.fail(c, prev, 'no match');
      }
      this.checkNots(pendingNot, prev, m);
      pendingNot = [];
      prev = m;
    }
    if (pendingNot.length > 0) this.checkNots(pendingNot, prev, { line: this.lines.length, start: 0, end: 0 });
  }

  private nextLabelLine(labelAt: (Match | undefined)[], i: number): number {
    for (let k = i + 1; k < labelAt.length; k++) if (labelAt[k]) return labelAt[k]!.line;
    return this.lines.length;
  }

  /** The patterns of `nots` must not occur between the end of `from` and the start of `to`. */
  private checkNots(nots: Check[], from: Match | undefined, to: Match): void {
    for (const c of nots) {
      const start = from ?? { line: 0, start: 0, end: 0 };
      for (let line = start.line; line <= Math.min(to.line, this.lines.length - 1); line++) {
        const text = this.lines[line]!.slice(0, line === to.line ? to.start : undefined);
        const re = this.compile(c, false);
        re.lastIndex = line === start.line ? start.end : 0;
        const hit = re.exec(text);
        if (hit) this.fail(c, { line, start: hit.index, end: hit.index + hit[0].length }, 'excluded pattern found');
      }
    }
  }

  /** First match of `c` at or after `from.end` on line `from.line`, or on later lines before `limit`. */
  private search(c: Check, from: Match, limit: number): Match | undefined {
    const re = this.compile(c, true);
    for (let line = from.line; line < limit; line++) {
      re.lastIndex = line === from.line ? from.end : 0;
      const hit = re.exec(this.lines[line]!);
      if (hit) {
        for (const [k, v] of Object.entries(hit.groups ?? {})) if (v !== undefined) this.vars.set(k, v);
        return { line, start: hit.index, end: hit.index + hit[0].length };
      }
    }
    return undefined;
  }

  /** The pattern as a regex; captures become named groups (`define` false: uses only). */
  private compile(c: Check, define: boolean): RegExp {
    let src = '';
    const local = new Set<string>();
    const re = /\{\{(.*?)\}\}|\[\[([A-Za-z_][A-Za-z0-9_]*)(?::(.*?))?\]\]/g;
    let last = 0;
    const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[ \t]+/g, '[ \\t]+');
    for (let m = re.exec(c.pattern); m; m = re.exec(c.pattern)) {
      src += literal(c.pattern.slice(last, m.index));
      last = m.index + m[0].length;
      if (m[1] === undefined && c.kind === 'CHECK-LABEL') this.fail(c, undefined, 'a CHECK-LABEL cannot use variables');
      if (m[1] !== undefined) src += `(?:${m[1]})`;
      else if (m[3] !== undefined) {
        if (!define) this.fail(c, undefined, `a CHECK-NOT cannot define [[${m[2]}]]`);
        src += `(?<${m[2]}>${m[3]})`;
        local.add(m[2]!);
      } else if (local.has(m[2]!)) src += `\\k<${m[2]}>`;
      else {
        const v = this.vars.get(m[2]!);
        if (v === undefined) this.fail(c, undefined, `[[${m[2]}]] is not defined`);
        src += literal(v);
      }
    }
    src += literal(c.pattern.slice(last));
    try {
      return new RegExp(src, 'g');
    } catch (e) {
      return this.fail(c, undefined, `bad pattern: ${(e as Error).message}`);
    }
  }

  private fail(c: Check, near: Match | undefined, why: string): never {
    const at = near?.line ?? 0;
    const lo = Math.max(0, at - 2);
    const hi = Math.min(this.lines.length, at + 8);
    const context = this.lines
      .slice(lo, hi)
      .map((l, k) => `${lo + k === at ? '>' : ' '} ${String(lo + k + 1).padStart(4)} | ${l}`)
      .join('\n');
    const vars = [...this.vars].map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', ');
    throw new FileCheckError(
      `${this.file}:${c.line}: ${why}\n  ${c.kind}: ${c.pattern}\n` +
        (vars ? `  with ${vars}\n` : '') +
        `output near line ${at + 1}:\n${context}`,
    );
  }
}
