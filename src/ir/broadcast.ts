// NumPy broadcasting of shapes (ir.md §6.1): align at the right, pad the shorter shape with
// leading 1s; each pair of dimensions is equal or one of them is 1 (so a 0 pairs with 0 or 1),
// and the result takes the non-1 size.

/** The broadcast shape of all the shapes, or undefined when they do not broadcast. */
export function broadcastShapes(...shapes: readonly (readonly number[])[]): number[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const off = rank - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const o = out[off + i]!;
      if (d === o || d === 1) continue;
      if (o !== 1) return undefined;
      out[off + i] = d;
    }
  }
  return out;
}

/** Whether `from` broadcasts to exactly `to` (prim.broadcast_to): only 1s of `from` stretch. */
export function broadcastsTo(from: readonly number[], to: readonly number[]): boolean {
  const off = to.length - from.length;
  return off >= 0 && from.every((d, i) => d === 1 || d === to[off + i]);
}
