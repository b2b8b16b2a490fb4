// Writes the inputs of examples/transformer_block.fir (4 ranks; one leading rank axis per file):
//   x           [4, 16, 64] f16   activations, uniform in [-2, 2) (seeded)
//   row_idx     [4, 16, 2]  i32   the canonical routing positions j·16 + i
//   expert_idx  [4, 16, 2]  i32   two distinct experts of 8 per token (seeded)
// Run: npx tsx examples/make-inputs.ts
import { join } from 'node:path';
import { writeNpy } from '../src/io/npy.ts';
import { f16FromF64 } from '../src/numerics/float.ts';
import { Xoshiro128 } from '../src/ir/random.ts';

const RANKS = 4;
const N = 16;
const H = 64;
const K = 2;
const dir = join(import.meta.dirname, 'inputs');
const rng = new Xoshiro128(2026);
const unit = () => rng.next() / 4294967296;

const x = new Uint16Array(RANKS * N * H).map(() => f16FromF64(unit() * 4 - 2));
const rowIdx = new Int32Array(RANKS * N * K).map((_, p) => (p % K) * N + (Math.floor(p / K) % N));
const expertIdx = new Int32Array(RANKS * N * K);
for (let t = 0; t < RANKS * N; t++) {
  const first = Math.floor(unit() * 8);
  expertIdx[t * K] = first;
  expertIdx[t * K + 1] = (first + 1 + Math.floor(unit() * 7)) % 8;
}

writeNpy(join(dir, 'x.npy'), { dtype: 'float16', shape: [RANKS, N, H], data: x });
writeNpy(join(dir, 'row_idx.npy'), { dtype: 'int32', shape: [RANKS, N, K], data: rowIdx });
writeNpy(join(dir, 'expert_idx.npy'), { dtype: 'int32', shape: [RANKS, N, K], data: expertIdx });
