import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/io/npy.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CONFORMANCE = resolve(ROOT, '../shared/conformance');

function fractal(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/fractal.mjs'), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fractal case', () => {
  it('runs conformance cases (a four-rank quant matmul with an NZ weight, a refused input) and writes their outputs', { timeout: 120_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), 'fractal-case-'));
    const cases = ['qmm_w4_pertoken_bf16_nz_3d', 'reject_dq_x_1d'].map((c) => join(CONFORMANCE, c));
    const r = fractal('case', ...cases, '--out', out);
    expect(r.stdout).toBe('PASS qmm_w4_pertoken_bf16_nz_3d\nPASS reject_dq_x_1d (refused: [dynamic_quant.3])\n2 passed, 0 failed\n');
    expect(r.status).toBe(0);
    // The bf16 output is written as uint16 bits in the expected file's shape.
    const got = readNpy(join(out, 'qmm_w4_pertoken_bf16_nz_3d', 'out.npy'));
    const want = readNpy(join(CONFORMANCE, 'qmm_w4_pertoken_bf16_nz_3d', 'expected_out.npy'));
    expect(got.dtype).toBe('uint16');
    expect(got.shape).toEqual(want.shape);
    expect(readFileSync(join(out, 'reject_dq_x_1d', 'error.txt'), 'utf8')).toMatch(/^npu\.dynamic_quant %y: \[dynamic_quant\.3\] /);
    expect(existsSync(join(out, 'reject_dq_x_1d', 'y.npy'))).toBe(false);
  });

  it('exits 1 when a case fails', { timeout: 120_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'fractal-case-'));
    cpSync(join(CONFORMANCE, 'tqp_round0_no_offset'), join(dir, 'tqp_changed'), { recursive: true });
    const path = join(dir, 'tqp_changed', 'expected_out.npy');
    const want = readNpy(path);
    const words = want.data as BigInt64Array;
    words[0]! ^= 1n;
    writeNpy(path, want);
    writeFileSync(join(dir, 'README'), 'not a case');
    const r = fractal('case', dir, '--out', join(dir, 'out'));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL tqp_changed: output out: 1 of \d+ elements differ \(compared exactly\); first at \[0\]: got \d+, expected \d+\n0 passed, 1 failed\n$/);
  });
});
