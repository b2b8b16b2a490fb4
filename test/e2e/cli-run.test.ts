import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/io/npy.ts';

const ROOT = resolve(import.meta.dirname, '../..');

function fractal(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/fractal.mjs'), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Two ranks: s = x + w (w a per-rank constant), y = all_reduce(s); returns y and s.
const TP = `graph @tp(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) attributes {world_size = 2} {
  %w = prim.constant {value = @w0} : () -> tensor<2x3xf32>
  %s = prim.add(%x, %w) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = comm.all_reduce(%s) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y, %s
}

resources {
  @w0 = dense<[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]]]> : tensor<2x2x3xf32> {per_rank}
}
`;
const W = [
  [1, 2, 3, 4, 5, 6],
  [10, 20, 30, 40, 50, 60],
];
// x of rank r: 0.5 * (6r + i), exact in f32, so every sum below is exact too.
const X = [0, 1].map((r) => [0, 1, 2, 3, 4, 5].map((i) => 0.5 * (6 * r + i)));

// One rank, a weight with out-of-range int4 values: a warning, not an error.
const PACK = `graph @pack(%w: tensor<2x8xi32>) -> (tensor<2x1xi32>) {
  %p = npu.convert_weight_to_int4_pack(%w) : (tensor<2x8xi32>) -> tensor<2x1xi32>
  return %p
}
`;

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'fractal-run-'));
  writeFileSync(join(dir, 'tp.fir'), TP);
  writeFileSync(join(dir, 'pack.fir'), PACK);
  writeNpy(join(dir, 'x.npy'), { dtype: 'float32', shape: [2, 2, 3], data: new Float32Array(X.flat()) });
  X.forEach((x, r) => writeNpy(join(dir, `x${r}.npy`), { dtype: 'float32', shape: [2, 3], data: new Float32Array(x) }));
  return dir;
}

const values = (path: string) => [...readNpy(path).data];

describe('fractal run', () => {
  it('splits a file with a leading rank axis across ranks and writes each rank\'s results', { timeout: 120_000 }, () => {
    const dir = setup();
    const out = join(dir, 'out');
    const r = fractal('run', join(dir, 'tp.fir'), '--input', `x=${join(dir, 'x.npy')}`, '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['rank0/y', 'rank0/s', 'rank1/y', 'rank1/s'].map((f) => `${join(out, f)}.npy: tensor<2x3xf32>`));
    const s = (rank: number) => X[rank]!.map((v, i) => v + W[rank]![i]!);
    for (const rank of [0, 1]) {
      expect(values(join(out, `rank${rank}`, 's.npy'))).toEqual(s(rank));
      expect(values(join(out, `rank${rank}`, 'y.npy'))).toEqual(s(0).map((v, i) => v + s(1)[i]!));
    }
    expect(readNpy(join(out, 'rank0', 'y.npy')).shape).toEqual([2, 3]);
  });

  it('takes one tensor per rank with NAME@RANK and gives the same bits in workers mode', { timeout: 120_000 }, () => {
    const dir = setup();
    const a = fractal('run', join(dir, 'tp.fir'), '-i', `x=${join(dir, 'x.npy')}`, '-o', join(dir, 'a'));
    const b = fractal('run', join(dir, 'tp.fir'), '-i', `x@1=${join(dir, 'x1.npy')}`, '-i', `x@0=${join(dir, 'x0.npy')}`, '-o', join(dir, 'b'), '--ranks', 'workers');
    expect([a.status, b.status]).toEqual([0, 0]);
    for (const f of ['rank0/y.npy', 'rank1/y.npy', 'rank1/s.npy']) expect(values(join(dir, 'b', f))).toEqual(values(join(dir, 'a', f)));
  });

  it('prints warnings on stderr without failing', { timeout: 120_000 }, () => {
    const dir = setup();
    writeNpy(join(dir, 'w.npy'), { dtype: 'int32', shape: [2, 8], data: new Int32Array([1, 2, 3, 4, 5, 6, 7, -8, 100, 0, 0, 0, 0, 0, 0, 0]) });
    const r = fractal('run', join(dir, 'pack.fir'), '-i', `w=${join(dir, 'w.npy')}`, '-o', join(dir, 'out'));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^warning: npu\.convert_weight_to_int4_pack %p: \[convert_weight_to_int4pack\.9\] .*, got 100 at \[1, 0\]\n$/);
    // Row 0 packs 1..7, -8 as nibbles 1..7, 8 (low first); row 1 keeps the low nibble of 100 (4).
    expect(values(join(dir, 'out', 'p.npy'))).toEqual([0x87654321 | 0, 4]);
  });

  it('names a missing, unknown or mismatched input and exits 1', { timeout: 120_000 }, () => {
    const dir = setup();
    const tp = join(dir, 'tp.fir');
    const out = join(dir, 'out');
    expect(fractal('run', tp, '-o', out)).toMatchObject({ status: 1, stderr: 'error: graph @tp: [ir.8] input x is missing, got none\n' });
    expect(fractal('run', tp, '-i', `z=${join(dir, 'x.npy')}`, '-o', out).stderr).toBe('error: graph @tp: [ir.8] unknown input z (the parameters are x), got z\n');
    expect(fractal('run', tp, '-i', `x@0=${join(dir, 'x0.npy')}`, '-o', out).stderr).toBe(
      'error: graph @tp: [ir.8] input x needs a tensor for every rank (x@1=FILE is missing), got 1 of 2\n',
    );
    writeNpy(join(dir, 'bad.npy'), { dtype: 'float32', shape: [3, 2], data: new Float32Array(6) });
    const bad = fractal('run', tp, '-i', `x=${join(dir, 'bad.npy')}`, '-o', out);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(`error: ${join(dir, 'bad.npy')}: tensor<2x3xf32> is stored with shape [2, 3], or [2, 2, 3] for one tensor per rank, got [3, 2]\n`);
    expect(fractal('run', join(dir, 'none.fir'), '-o', out).stderr).toBe(`error: ${join(dir, 'none.fir')}: cannot read the file, got ENOENT\n`);
  });
});
