import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCases } from '../../src/io/case-spec.ts';
import { runCase, runCases } from '../../src/io/cases.ts';
import { readNpy, writeNpy, type NpyArray } from '../../src/io/npy.ts';

// A dynamic_quant case worked by hand (dynamic_quant.md §2): row 0 has amax 127, so inv = 1 and
// −63.5 ties to −64; row 1 has amax 4, inv = f32(127/4) = 31.75, 2·31.75 = 63.5 ties to 64.
const X_BITS = [0x57f0, 0xd3f0, 0x0000, 0x3c00, 0x4000, 0x0000, 0x0000, 0xc400]; // 127 -63.5 0 1 / 2 0 0 -4
const Y = [127, -64, 0, 1, 64, 0, 0, -127];
const INV127 = Math.fround(1 / 127);
const SCALE = [Math.fround(127 * INV127), Math.fround(4 * INV127)];

const f16 = (shape: number[], v: number[]): NpyArray => ({ dtype: 'float16', shape, data: new Uint16Array(v) });
const i8 = (shape: number[], v: number[]): NpyArray => ({ dtype: 'int8', shape, data: new Int8Array(v) });
const f32 = (shape: number[], v: number[]): NpyArray => ({ dtype: 'float32', shape, data: new Float32Array(v) });

function makeCase(root: string, name: string, json: Record<string, unknown>, files: Record<string, NpyArray>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'case.json'), JSON.stringify(json));
  for (const [f, arr] of Object.entries(files)) writeNpy(join(dir, f), arr);
  return dir;
}

const dqJson = (extra: Record<string, unknown> = {}) => ({
  op: 'dynamic_quant',
  attrs: {},
  inputs: { x: 'x.npy' },
  outputs: { y: 'expected_y.npy', scale: 'expected_scale.npy' },
  dtypes: { x: 'float16', y: 'int8', scale: 'float32' },
  tolerance: { y: { kind: 'exact' }, scale: { kind: 'ulp', dtype: 'float32', max_ulp: 1 } },
  expect_error: false,
  ...extra,
});

const dqFiles = (y = Y, scale = SCALE) => ({
  'x.npy': f16([2, 4], X_BITS),
  'expected_y.npy': i8([2, 4], y),
  'expected_scale.npy': f32([2], scale),
});

const fresh = () => mkdtempSync(join(tmpdir(), 'cases-'));

describe('golden-case runner', () => {
  it('runs a case through the IR, writes its outputs in their containers and passes', async () => {
    const root = fresh();
    const out = fresh();
    const dir = makeCase(root, 'dq_hand', dqJson(), dqFiles());
    const r = await runCase(dir, { out });
    expect(r.line).toBe('PASS dq_hand');
    const y = readNpy(join(out, 'dq_hand', 'y.npy'));
    expect(y.dtype).toBe('int8');
    expect([...y.data]).toEqual(Y);
    expect([...readNpy(join(out, 'dq_hand', 'scale.npy')).data]).toEqual(SCALE);
    expect(existsSync(join(out, 'dq_hand', 'error.txt'))).toBe(false);
  });

  it('fails with the first differing element, and accepts a matching alternative', async () => {
    const root = fresh();
    const wrong = [...Y];
    wrong[1] = -63; // a half-away-from-zero golden would say -63.5 -> -64 too; this one is just wrong
    const dir = makeCase(root, 'dq_wrong', dqJson(), dqFiles(wrong));
    expect((await runCase(dir, { out: fresh() })).line).toBe(
      'FAIL dq_wrong: output y: 1 of 8 elements differ (compared exactly); first at [0, 1]: got -64, expected -63',
    );
    const alt = makeCase(root, 'dq_alt', dqJson({ alternatives: [{ outputs: { y: 'alt_y.npy' }, why: 'ties' }] }), {
      ...dqFiles(wrong),
      'alt_y.npy': i8([2, 4], Y),
    });
    expect((await runCase(alt, { out: fresh() })).passed).toBe(true);
  });

  it('compares the scale within the stated ulp', async () => {
    const root = fresh();
    const up = (v: number, k: number) => {
      const u = new Uint32Array(new Float32Array([v]).buffer);
      u[0]! += k;
      return new Float32Array(u.buffer)[0]!;
    };
    expect((await runCase(makeCase(root, 'one', dqJson(), dqFiles(Y, [up(SCALE[0]!, 1), SCALE[1]!])), { out: fresh() })).passed).toBe(true);
    const two = await runCase(makeCase(root, 'two', dqJson(), dqFiles(Y, [up(SCALE[0]!, 2), SCALE[1]!])), { out: fresh() });
    expect(two.line).toMatch(/^FAIL two: output scale: 1 of 2 elements differ \(compared within 1 ulp\)/);
  });

  it('passes an expect_error case only when the input is refused, and writes error.txt', async () => {
    const root = fresh();
    const out = fresh();
    const json = { ...dqJson({ expect_error: true, rule: 'x must have more than one dimension' }), outputs: {}, tolerance: {} };
    const dir = makeCase(root, 'reject_1d', json, { 'x.npy': f16([4], X_BITS.slice(0, 4)) });
    const r = await runCase(dir, { out });
    expect(r.line).toBe('PASS reject_1d (refused: [dynamic_quant.3])');
    expect(r.rule).toBe('dynamic_quant.3');
    expect(readFileSync(join(out, 'reject_1d', 'error.txt'), 'utf8')).toMatch(/^npu\.dynamic_quant %y: \[dynamic_quant\.3\] .*, got 1\n$/);
    const runs = makeCase(root, 'reject_runs', json, { 'x.npy': f16([2, 4], X_BITS) });
    expect((await runCase(runs, { out })).line).toBe('FAIL reject_runs: the input must be refused (x must have more than one dimension), but it ran');
  });

  it('refuses a dtype tag the IR cannot express under the op rule, and a stored shape that lies under [ir.8]', async () => {
    const root = fresh();
    const f64: NpyArray = { dtype: 'float64', shape: [2, 4], data: new Float64Array(8) };
    const json = { ...dqJson({ expect_error: true }), dtypes: { x: 'float64' }, outputs: {}, tolerance: {} };
    expect((await runCase(makeCase(root, 'f64', json, { 'x.npy': f64 }), { out: fresh() })).line).toBe('PASS f64 (refused: [dynamic_quant.2])');
    const nz = {
      op: 'nz_to_nd',
      attrs: { view_shape: [40, 100] },
      inputs: { x_nz: 'x_nz.npy' },
      outputs: {},
      dtypes: { x_nz: 'int8', y: 'int8' },
      expect_error: true,
    };
    // The NZ storage of a 40 x 100 int8 view is (4, 3, 16, 32); (4, 2, 16, 32) is not it.
    const r = await runCase(makeCase(root, 'nz', nz, { 'x_nz.npy': i8([4, 2, 16, 32], new Array(4096).fill(0)) }), { out: fresh() });
    expect(r.line).toBe('PASS nz (refused: [ir.8])');
  });

  it('fails a malformed case with an IO message and keeps going', async () => {
    const root = fresh();
    makeCase(root, 'a_ok', dqJson(), dqFiles());
    mkdirSync(join(root, 'b_bad'));
    writeFileSync(join(root, 'b_bad', 'case.json'), '{"op": "dynamic_quant", ');
    makeCase(root, 'c_missing', { ...dqJson(), inputs: { x: 'nope.npy' } }, {});
    makeCase(root, 'd_op', { ...dqJson(), op: 'softmax' }, {});
    mkdirSync(join(root, 'not_a_case'));
    const lines: string[] = [];
    const s = await runCases([root], { out: fresh(), onResult: (r) => lines.push(r.line) });
    expect(s.passed).toBe(1);
    expect(s.failed).toBe(3);
    expect(lines[0]).toBe('PASS a_ok');
    expect(lines[1]).toMatch(/^FAIL b_bad: .*b_bad\/case\.json: cannot read it as JSON, got /);
    expect(lines[2]).toBe(`FAIL c_missing: ${join(root, 'c_missing', 'nope.npy')}: cannot open the file, got ENOENT`);
    expect(lines[3]).toMatch(/^FAIL d_op: .*: op must be one of dynamic_quant, .*, got softmax$/);
  });

  it('finds cases in a case directory or a directory of cases', () => {
    const root = fresh();
    const b = makeCase(root, 'b', dqJson(), {});
    const a = makeCase(root, 'a', dqJson(), {});
    expect(findCases([root])).toEqual([a, b]);
    expect(findCases([b, a])).toEqual([b, a]);
    expect(() => findCases([join(root, 'none')])).toThrow(/not a case directory or a directory of cases, got nothing/);
    expect(() => findCases([fresh()])).toThrow(/no case\.json in it or in its subdirectories/);
  });
});
