// int4 nibble packing (layout.md §3): 4-bit two's complement, two per byte with element 2t in
// the low nibble, or eight per int32 with element 8q+s in bits 4s..4s+3 (the same bytes).

/** Sign-extends a nibble: 0x8..0xF -> -8..-1. */
export const int4FromNibble = (nib: number): number => ((nib & 0xf) ^ 8) - 8;

/** The nibble of an int4 value (any integer keeps its low 4 bits: 8 -> -8, -9 -> 7). */
export const nibbleOf = (v: number): number => v & 0xf;

/** Packs values two per byte (a trailing odd element fills the low nibble of the last byte). */
export function packInt4(values: ArrayLike<number>, out: Uint8Array = new Uint8Array((values.length + 1) >> 1)): Uint8Array {
  const n = values.length;
  let t = 0;
  for (let e = 0; e + 1 < n; e += 2, t++) out[t] = ((values[e + 1]! & 0xf) << 4) | (values[e]! & 0xf);
  if (n & 1) out[t] = values[n - 1]! & 0xf;
  return out;
}

/** Unpacks `count` sign-extended int4 values from packed bytes. */
export function unpackInt4(bytes: Uint8Array, count: number, out: Int8Array = new Int8Array(count)): Int8Array {
  for (let e = 0; e < count; e++) {
    const b = bytes[e >> 1]!;
    out[e] = int4FromNibble(e & 1 ? b >> 4 : b);
  }
  return out;
}

/** Packs values eight per int32 word, least significant nibble first (length a multiple of 8). */
export function packInt4Words(values: ArrayLike<number>, out: Int32Array = new Int32Array(values.length >> 3)): Int32Array {
  for (let q = 0; q < out.length; q++) {
    let w = 0;
    for (let s = 7; s >= 0; s--) w = (w << 4) | (values[8 * q + s]! & 0xf);
    out[q] = w;
  }
  return out;
}

/** Unpacks eight sign-extended int4 values per int32 word. */
export function unpackInt4Words(words: Int32Array, out: Int8Array = new Int8Array(words.length * 8)): Int8Array {
  for (let q = 0; q < words.length; q++) {
    const w = words[q]!;
    for (let s = 0; s < 8; s++) out[8 * q + s] = int4FromNibble(w >>> (4 * s));
  }
  return out;
}
