// Reference npu.convert_weight_to_int4_pack (convert_weight_to_int4pack.md §2): the bytes of the
// packed weight. ND: row-major bytes, byte[i, t] = (w[i, 2t+1] & 0xF) << 4 | (w[i, 2t] & 0xF).
// NZ: ND->NZ of the byte matrix (d0, d1/2) with C0 = 32 bytes, padding 0. The i4 and i32 results
// are the same bytes (i32 words read little-endian).
import { refNdToNz } from './trans-data.ts';

export function refConvertWeightBytes(w: readonly number[], d0: number, d1: number, format: 'nd' | 'nz'): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < d0; i++)
    for (let t = 0; t < d1 / 2; t++) bytes.push(((w[i * d1 + 2 * t + 1]! & 0xf) << 4) | (w[i * d1 + 2 * t]! & 0xf));
  return format === 'nd' ? bytes : refNdToNz(bytes, [d0, d1 / 2], 32);
}
