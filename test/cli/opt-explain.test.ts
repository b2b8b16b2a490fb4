// `fractal opt` and `fractal explain` as users run them.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fractal, ROOT } from '../helpers/cli.ts';

const PRIMS = join(ROOT, 'examples/tp_linear.fir');
const FUSED = readFileSync(join(ROOT, 'examples/tp_linear_fused.fir'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'fractal-opt-'));

describe('fractal opt', () => {
  it('turns the primitive tp_linear of ir.md §10 into the fused module with the default pipeline', async () => {
    const r = await fractal(['opt', PRIMS, '--pipeline', 'default']);
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: FUSED });
  });

  it('writes the result atomically with -o and reports per-pass statistics', async () => {
    const out = join(dir, 'fused.fir');
    const r = await fractal(['opt', PRIMS, '-o', out, '--stats']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(FUSED);
    expect(r.stderr).toMatch(/^fuse-quant: [\d.]+ ms, changed, .*fuse-dynamic-quant=1/m);
  });

  it('prints the IR after each pass that changed it', async () => {
    const r = await fractal(['opt', PRIMS, '--pipeline', 'canonicalize,fuse-dynamic-quant', '--print-after-change']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('// ----- IR after fuse-dynamic-quant (#1) -----');
    expect(r.stderr).not.toContain('after canonicalize');
  });

  it('refuses an unknown pass with a PARSE diagnostic and exit 1', async () => {
    const r = await fractal(['opt', PRIMS, '--pipeline', 'cse, fuse-foo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: pipeline:1:6: expected a pass name .*got 'fuse-foo'/);
  });
});

describe('fractal explain', () => {
  it('says why a rule does not match where the scale is computed by division', async () => {
    const text = readFileSync(PRIMS, 'utf8').replace(
      '%xs = prim.mul(%amax, %inv_max) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>',
      '%xs = prim.div(%amax, %qmax0) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>',
    ).replace('%inv_max = prim.constant {value = @inv127} : () -> tensor<f32>', '%qmax0 = prim.constant {value = @c127} : () -> tensor<f32>');
    const file = join(dir, 'div-scale.fir');
    writeFileSync(file, text);
    const r = await fractal(['explain', file, '--rule', 'fuse-dynamic-quant']);
    expect(r.code).toBe(0);
    // The scale must be amax · f32(1/127): a division by 127 gives other bits, so amax is used
    // outside the quantization chain and the match is refused.
    expect(r.stdout).toContain('prim.cast %xq: rejected: interior value %amax (prim.reduce_max) is also used by prim.div %xs outside the match');
    expect(r.stdout).toContain('prim.cast %xf: no match');
  });

  it('names the known rules when the rule is unknown', async () => {
    const r = await fractal(['explain', PRIMS, '--rule', 'no-such-rule']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown rule 'no-such-rule'");
    expect(r.stderr).toContain('fuse-dynamic-quant');
  });
});
