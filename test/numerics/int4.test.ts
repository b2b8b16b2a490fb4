import { describe, expect, it } from 'vitest';
import { int4FromNibble, nibbleOf, packInt4, packInt4Words, unpackInt4, unpackInt4Words } from '../../src/numerics/int4.ts';

describe('int4 packing (layout.md §3)', () => {
  it('decodes nibbles as two’s complement and masks values to 4 bits', () => {
    expect([0x0, 0x7, 0x8, 0xf].map(int4FromNibble)).toEqual([0, 7, -8, -1]);
    expect([8, -9, 100, -1].map(nibbleOf)).toEqual([0x8, 0x7, 0x4, 0xf]);
  });

  it('packs element 2t into the low nibble of byte t', () => {
    expect([...packInt4([1, -1, 7, -8])]).toEqual([0xf1, 0x87]);
    expect([...packInt4([3, 2, -5])]).toEqual([0x23, 0x0b]); // odd count: last low nibble only
    expect([...unpackInt4(new Uint8Array([0xf1, 0x87]), 4)]).toEqual([1, -1, 7, -8]);
  });

  it('packs eight per int32, least significant nibble first (§3.3 example)', () => {
    const words = packInt4Words([0, 1, 2, 3, -1, -2, -8, 7]);
    expect(words[0]).toBe(0x78ef3210);
    expect(words[0]).toBe(2028941840);
    expect([...unpackInt4Words(words)]).toEqual([0, 1, 2, 3, -1, -2, -8, 7]);
    // Bit 31 is element 7's sign bit: packed words are often negative.
    expect(packInt4Words([0, 0, 0, 0, 0, 0, 0, -1])[0]).toBe(-268435456);
  });

  it('the int32 words and the bytes are one little-endian buffer', () => {
    const values = [2, -4, 7, 0, -7, 0, 4, 2, 1, 1, 1, 1, 1, 1, 1, -8];
    const bytes = packInt4(values);
    const words = packInt4Words(values);
    expect([...new Int32Array(bytes.buffer)]).toEqual([...words]);
    expect(words[0]).toBe(0x240907c2); // dynamic_quant.md §5 int4 example
  });
});
