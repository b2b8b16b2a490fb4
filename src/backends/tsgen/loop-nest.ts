// Loops with the shapes and strides inlined: a row-major walk over an output shape, each operand
// indexed by its own strides (0 where it is broadcast). Axes of size 1 are dropped and
// neighbouring axes that every operand walks as one are merged, so most nests are one or two
// loops deep.
import { stridesOf } from '../../ir/types.ts';
import { int } from './safe-text.ts';

export interface Walk {
  readonly dims: readonly number[];
  /** Per operand, its stride on each of `dims`. */
  readonly strides: readonly (readonly number[])[];
  readonly offsets: readonly number[];
}

/** The collapsed walk of `shape` (row-major, the output contiguous) for operands with these strides. */
export function walk(shape: readonly number[], strides: readonly (readonly number[])[], offsets: readonly number[] = strides.map(() => 0)): Walk {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  shape.forEach((d, a) => {
    if (d === 1) return;
    dims.push(d);
    strides.forEach((s, j) => st[j]!.push(s[a]!));
  });
  for (let a = dims.length - 2; a >= 0; a--) {
    const inner = dims[a + 1]!;
    if (st.every((s) => s[a] === s[a + 1]! * inner)) {
      dims[a] = dims[a]! * inner;
      dims.splice(a + 1, 1);
      for (const s of st) s.splice(a, 1);
    }
  }
  return { dims, strides: st, offsets };
}

/** Strides of an operand of `shape` broadcast to `outShape` (NumPy: aligned at the right). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_, a) => (a < off || shape[a - off] === 1 ? 0 : own[a - off]!));
}

/**
 * The loops of a walk. `body(index, o)` gives the statements of one element: `index[j]` is the
 * expression of operand j's index, `o` the output's (row-major) index.
 */
export function loops(w: Walk, body: (index: readonly string[], o: string) => readonly string[]): string[] {
  const k = w.dims.length;
  const term = (l: number, st: number) => (st === 0 ? '' : st === 1 ? `i${l}` : `i${l} * ${int(st)}`);
  const join = (a: string, b: string) => (a && b ? `${a} + ${b}` : a || b);
  // Outer levels keep each operand's partial index in a const; the innermost adds its own term.
  const base = w.offsets.map((off) => (off ? int(off) : ''));
  if (k === 0) return ['{', ...body(base.map((b) => b || '0'), '0'), '}'];
  // The output counter gets a block of its own, so a function may hold several nests (concat).
  const out: string[] = k > 1 ? ['{', 'let o = 0;'] : [];
  for (let l = 0; l < k; l++) {
    out.push(`for (let i${l} = 0; i${l} < ${int(w.dims[l]!)}; i${l}++) {`);
    if (l === k - 1) break;
    w.strides.forEach((s, j) => {
      if (s[l] === 0) return;
      const name = `a${j}_${l}`;
      out.push(`const ${name} = ${join(base[j]!, term(l, s[l]!))};`);
      base[j] = name;
    });
  }
  const index = w.strides.map((s, j) => join(base[j]!, term(k - 1, s[k - 1]!)) || '0');
  out.push(...body(index, k === 1 ? 'i0' : 'o'));
  if (k > 1) out.push('o++;');
  for (let l = 0; l < k; l++) out.push('}');
  if (k > 1) out.push('}');
  return out;
}
