// The README's commands and API tour must work as written.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('runs the API tour', () => {
    const tour = /## API tour\s+```ts\n([\s\S]*?)```/.exec(README)?.[1];
    expect(tour).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'fractal-tour-'));
    const file = join(dir, 'tour.mts'); // ESM, for the top-level await
    writeFileSync(file, tour!.replace("from 'fractal'", `from ${JSON.stringify(join(ROOT, 'src/index.ts'))}`));
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('npu.dynamic_quant(%x) : (tensor<4x64xf16>) -> (tensor<4x64xi8>, tensor<4xf32>)');
    expect(r.stdout).toContain('[dynamic_quant.3]');
    expect(r.stdout).toContain('Int8Array(4) [ 127, 127, 127, 127 ]');
    expect(r.stdout).toContain(readFileSync(join(ROOT, 'examples/tp_linear_fused.fir'), 'utf8'));
  });

  it('prints the embedded example with the command it shows', () => {
    const cmd = /```sh\n(npx fractal print [^\n]+)\n```/.exec(README)?.[1];
    expect(cmd).toBe('npx fractal print examples/tp_linear.fir');
    // Exactly as written: npx runs the package's own `fractal` bin.
    const r = spawnSync('bash', ['-c', cmd!], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(ROOT, 'examples/tp_linear.fir'), 'utf8'));
  });

  it('fuses the transformer block and gets the same bits before and after, as shown', () => {
    const block = /## The compiler at work[\s\S]*?```sh\n([\s\S]*?)```/.exec(README)?.[1];
    expect(block).toContain('fractal opt examples/transformer_block.fir --pipeline default');
    const dir = mkdtempSync(join(tmpdir(), 'fractal-block-'));
    symlinkSync(join(ROOT, 'examples'), join(dir, 'examples'));
    const script = block!.replaceAll('npx fractal', `${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'bin/fractal.mjs'))}`);
    const r = spawnSync('bash', ['-e', '-c', script], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('same bits');
    const fused = readFileSync(join(dir, 'block.fused.fir'), 'utf8');
    const ops = (op: string) => fused.split(`= ${op}(`).length - 1;
    expect([ops('npu.dynamic_quant'), ops('npu.quant_matmul_all_reduce'), ops('npu.moe_init_routing_quant')]).toEqual([1, 2, 1]);
    expect(fused).not.toMatch(/prim\.(matmul|argsort|scatter|bitcast|div)\(/);
    expect(fused).not.toContain('layout.trans_data');
    // Every weight is an NZ constant.
    expect(fused).toMatch(/%w1 = prim.constant \{value = @w1\} : \(\) -> tensor<64x32xi8, #nz<c0=32>>/);
    expect(fused).toMatch(/%w2 = prim.constant \{value = @w2\} : \(\) -> tensor<32x16xi8, #nz<c0=32>>/);
    expect(fused).toMatch(/%w4_nz = prim.constant \{value = @w4_nz\} : \(\) -> tensor<32x8xi32, #nz<c0=8>>/);
  });
});
