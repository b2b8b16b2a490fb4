// Fused element-wise loops: every element-wise op on every dtype it accepts, in chains that fuse,
// with broadcasting and with NaN payloads, signed zeros and infinities planted in the feeds. The
// compiled mode must give the interpreter's bits; a few results are also checked against values
// worked out here from ir.md §6.
import { describe, expect, it } from 'vitest';
import { runCompiled } from '../../../src/backends/tsgen/compiled-backend.ts';
import { compileGraph } from '../../../src/backends/tsgen/load.ts';
import { Builder } from '../../../src/ir/builder.ts';
import type { DType } from '../../../src/ir/dtype.ts';
import type { Feeds } from '../../../src/backends/backend.ts';
import type { Storage, Tensor } from '../../../src/ir/storage.ts';
import { TensorType } from '../../../src/ir/types.ts';
import type { Value } from '../../../src/ir/value.ts';
import { expectCompiledAgrees, seededFeeds } from '../../helpers/compiled-equality.ts';

const FLOATS: DType[] = ['f32', 'f16', 'bf16'];
const INTS: DType[] = ['i8', 'u8', 'i32', 'i4', 'i64', 'u64'];

/** Plants NaNs with payloads (quiet and signalling, both signs), ±0 and ±Inf at the start of float feeds. */
function plantSpecials(feeds: Feeds): Feeds {
  for (const ranks of Object.values(feeds)) {
    for (const t of ranks as Tensor[]) {
      const d = t.type.dtype;
      const bits: number[] =
        d === 'f32'
          ? [0x7f800001, 0xffc00123, 0x80000000, 0x7f800000, 0xff800000, 0x3f000000]
          : d === 'f16'
            ? [0x7c01, 0xfe01, 0x8000, 0x7c00, 0xfc00, 0x3800]
            : d === 'bf16'
              ? [0x7f81, 0xffc1, 0x8000, 0x7f80, 0xff80, 0x3f00]
              : [];
      const view = d === 'f32' ? new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length) : (t.data as Uint16Array);
      bits.forEach((b, i) => {
        if (i < view.length) view[i] = b;
      });
    }
  }
  return feeds;
}

async function agree(b: Builder, minFused = 0): Promise<void> {
  const g = b.module.graph();
  if (minFused > 0) expect(compileGraph(b.module).emitted.stats.fusedStatements).toBeGreaterThanOrEqual(minFused);
  for (const seed of [0, 3, 5, 6]) {
    const outcome = await expectCompiledAgrees(b.module, plantSpecials(seededFeeds(g, seed)));
    expect(outcome.ok && outcome.result.outputs.length, outcome.ok ? '' : outcome.error.message).toBe(1);
  }
}

const loopable = (d: DType) => ['f32', 'f16', 'bf16', 'i8', 'u8', 'i32'].includes(d);

describe('binary arithmetic', () => {
  for (const op of ['add', 'sub', 'mul', 'div', 'max', 'min'] as const) {
    for (const dtype of [...FLOATS, ...INTS]) {
      if (op === 'div' && !FLOATS.includes(dtype)) continue;
      it(`prim.${op} ${dtype}, broadcast and chained`, async () => {
        const b = Builder.graph('g');
        const x = b.param(new TensorType([4, 6], dtype), 'x');
        const y = b.param(new TensorType([6], dtype), 'y');
        const s = b.param(new TensorType([1, 6], dtype), 's');
        const r1 = b.create(`prim.${op}`, [x, y], {}).result;
        const r2 = b.create(`prim.${op}`, [r1, s], {}).result;
        const r3 = b.create(`prim.${op}`, [x, r2], {}).result;
        b.return(r1, r3);
        await agree(b, loopable(dtype) ? 3 : 0);
      });
    }
  }
});

describe('bitwise and shifts', () => {
  for (const op of ['and', 'or', 'xor', 'shl', 'shr'] as const) {
    for (const dtype of [...INTS, 'i1' as DType]) {
      if (dtype === 'i1' && (op === 'shl' || op === 'shr')) continue;
      it(`prim.${op} ${dtype}`, async () => {
        const b = Builder.graph('g');
        const x = b.param(new TensorType([3, 8], dtype), 'x');
        const y = b.param(new TensorType([1, 8], dtype), 'y');
        const r1 = b.create(`prim.${op}`, [x, y], {}).result;
        b.return(b.create(`prim.${op}`, [r1, x], {}).result);
        await agree(b, loopable(dtype) ? 2 : 0);
      });
    }
  }
  it('shift counts below 0 and at or above the width act as the width', async () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([6], 'i8'), 'x');
    const n = b.param(new TensorType([6], 'i8'), 'n');
    b.return(b.prim.shl(x, n), b.prim.shr(x, n));
    const feeds = { x: new Int8Array([-5, -5, 96, 96, -128, 7]), n: new Int8Array([-1, 8, 2, 1, 9, 3]) };
    const r = await runCompiled(b.module, feeds);
    // shl: 0, 0, 96<<2 = 384 -> 0x80 = -128, 192 -> -64, 0, 56;  shr (arithmetic): -1, -1, 24, 48, -1, 0.
    expect([...(r.outputs[0]![0]!.data as Int8Array)]).toEqual([0, 0, -128, -64, 0, 56]);
    expect([...(r.outputs[0]![1]!.data as Int8Array)]).toEqual([-1, -1, 24, 48, -1, 0]);
  });
});

describe('unary ops and clamp', () => {
  for (const dtype of FLOATS) {
    it(`abs, neg, reciprocal, round, clamp on ${dtype}, fused`, async () => {
      const b = Builder.graph('g');
      const x = b.param(new TensorType([5, 7], dtype), 'x');
      const a = b.prim.abs(x);
      const n = b.prim.neg(x);
      const c = b.prim.clamp(n, -0.0, 2.5);
      const r = b.prim.round(b.prim.reciprocal(b.prim.add(a, c)));
      b.return(a, n, c, r, b.prim.neg(b.prim.abs(b.prim.mul(x, x))));
      await agree(b, 8);
    });
  }
  for (const dtype of ['i8', 'u8', 'i32', 'i4', 'i64', 'u64'] as DType[]) {
    it(`clamp on ${dtype}`, async () => {
      const b = Builder.graph('g');
      const x = b.param(new TensorType([4, 6], dtype), 'x');
      const [lo, hi] = dtype === 'u8' || dtype === 'u64' ? [3n, 200n] : dtype === 'i4' ? [-3n, 5n] : [-100n, 100n];
      b.return(b.prim.clamp(b.prim.add(x, x), lo, hi));
      await agree(b, loopable(dtype) ? 2 : 0);
    });
  }
});

describe('casts', () => {
  const ALL: DType[] = ['f32', 'f16', 'bf16', 'i8', 'u8', 'i4', 'i32', 'i64', 'u64', 'i1'];
  for (const from of ALL) {
    it(`prim.cast from ${from} to every dtype, and back`, async () => {
      const b = Builder.graph('g');
      const x = b.param(new TensorType([4, 10], from), 'x');
      const outs: Value[] = [];
      for (const to of ALL) {
        const y = b.prim.cast(x, to);
        outs.push(y, b.prim.cast(y, from));
      }
      b.return(...outs);
      await agree(b);
    });
  }
});

describe('NaN payloads, signed zeros and rounding, worked out from ir.md §6', () => {
  const f32 = (...bits: number[]) => new Float32Array(new Uint32Array(bits).buffer);
  const bitsOf = (s: Storage) => [...new Uint32Array(s.buffer, s.byteOffset, s.length)];

  it('abs, neg and clamp keep a NaN payload; arithmetic writes the canonical NaN', async () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([4], 'f32'), 'x');
    b.return(b.prim.abs(x), b.prim.neg(x), b.prim.clamp(x, -1, 1), b.prim.add(x, x));
    const r = await runCompiled(b.module, { x: f32(0xff800001, 0x7fc00123, 0x80000000, 0x40400000) });
    const [abs, neg, clamp, add] = r.outputs[0]!.map((t) => bitsOf(t.data));
    expect(abs).toEqual([0x7f800001, 0x7fc00123, 0x00000000, 0x40400000]);
    expect(neg).toEqual([0x7f800001, 0xffc00123, 0x00000000, 0xc0400000]);
    expect(clamp).toEqual([0xff800001, 0x7fc00123, 0x80000000, 0x3f800000]); // 3.0 -> 1.0
    expect(add).toEqual([0x7fc00000, 0x7fc00000, 0x80000000, 0x40c00000]); // -0 + -0 = -0
  });

  it('f16 arithmetic rounds the exact result once; round is half to even and keeps the sign of zero', async () => {
    const b = Builder.graph('g');
    const x = b.param(new TensorType([4], 'f16'), 'x');
    const y = b.param(new TensorType([4], 'f16'), 'y');
    b.return(b.prim.round(b.prim.add(x, y)));
    // 1 + 2^-11 (a tie at f16 precision) -> 1 (even); 2.5 + 0 -> 2; -0.25 + -0.25 = -0.5 -> -0; 65504 + 8 -> 65504 (below the midpoint to Inf)
    const r = await runCompiled(b.module, { x: new Uint16Array([0x3c00, 0x4100, 0xb400, 0x7bff]), y: new Uint16Array([0x1000, 0x0000, 0xb400, 0x4800]) });
    expect([...(r.outputs[0]![0]!.data as Uint16Array)]).toEqual([0x3c00, 0x4000, 0x8000, 0x7bff]);
  });
});
