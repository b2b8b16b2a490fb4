// The README's commands and API tour must work as written.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
    const file = join(dir, 'tour.ts');
    writeFileSync(file, tour!.replace("from 'fractal'", `from ${JSON.stringify(join(ROOT, 'src/index.ts'))}`));
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('npu.dynamic_quant(%x) : (tensor<4x64xf16>) -> (tensor<4x64xi8>, tensor<4xf32>)');
    expect(r.stdout).toContain('[dynamic_quant.3]');
  });

  it('prints the embedded example with the command it shows', () => {
    const cmd = /```sh\n(npx fractal print [^\n]+)\n```/.exec(README)?.[1];
    expect(cmd).toBe('npx fractal print examples/tp_linear.fir');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/fractal.mjs'), 'print', 'examples/tp_linear.fir'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(ROOT, 'examples/tp_linear.fir'), 'utf8'));
  });
});
