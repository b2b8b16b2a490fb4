// The CLI as users run it: `node bin/fractal.mjs …` in a child process, from another directory.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moduleFromJson } from '../../src/ir/json.ts';
import { printModule } from '../../src/ir/print.ts';
import { fractal as run } from '../helpers/cli.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/tp_linear_fused.fir', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fractal-cli-'));

const fractal = (...args: string[]) => run(args, { cwd: dir });

describe('fractal print / verify', () => {
  it('print writes the canonical text', async () => {
    const r = await fractal('print', EXAMPLE);
    expect(r).toEqual({ code: 0, stdout: readFileSync(EXAMPLE, 'utf8'), stderr: '' });
  });

  it('print --json writes the JSON form, and print reads it back', async () => {
    const r = await fractal('print', '--json', EXAMPLE);
    expect(r.code).toBe(0);
    expect(printModule(moduleFromJson(JSON.parse(r.stdout)))).toBe(readFileSync(EXAMPLE, 'utf8'));
    writeFileSync(join(dir, 'm.json'), r.stdout);
    expect((await fractal('print', 'm.json')).stdout).toBe(readFileSync(EXAMPLE, 'utf8'));
  });

  it('verify prints ok, or the diagnostic with exit status 1', async () => {
    expect(await fractal('verify', EXAMPLE)).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    writeFileSync(join(dir, 'bad.fir'), 'graph @g(%a: tensor<f32>) -> (tensor<f16>) {\n  return %a\n}\n');
    expect(await fractal('verify', 'bad.fir')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: graph @g: [ir.5] return value 0 must have type tensor<f16>, got tensor<f32>\n  at bad.fir:2:3\n',
    });
    writeFileSync(join(dir, 'syntax.fir'), 'graph @g(%a tensor<f32>)');
    expect(await fractal('print', 'syntax.fir')).toEqual({ code: 1, stdout: '', stderr: "error: syntax.fir:1:13: expected ':', got 'tensor'\n" });
  });

  it('a missing file is an IO error naming the path', async () => {
    expect(await fractal('verify', 'missing.fir')).toEqual({ code: 1, stdout: '', stderr: 'error: missing.fir: cannot read the file, got ENOENT\n' });
  });

  it('usage errors come from commander', async () => {
    const r = await fractal('frobnicate');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});
