import { describe, expect, it } from 'vitest';
import { run, type FreeEvent, type KernelTable } from '../../../src/backends/cpu/executor.ts';
import type { Kernel } from '../../../src/backends/cpu/kernel.ts';
import { KERNELS } from '../../../src/backends/cpu/kernels/index.ts';
import { Builder } from '../../../src/ir/builder.ts';
import { FractalError, ruleMessage } from '../../../src/ir/diagnostics.ts';
import type { Tensor } from '../../../src/ir/storage.ts';
import { TensorType } from '../../../src/ir/types.ts';

const f32x4 = new TensorType([4], 'f32');
const tensor = (data: Float32Array, type = f32x4): Tensor => ({ type, data });

async function runError(p: Promise<unknown>): Promise<FractalError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FractalError);
    return e as FractalError;
  }
  throw new Error('expected the run to fail');
}

/** %x -> a = x + x -> m = a * x; returns (m, a). */
function addMul() {
  const b = Builder.graph('g');
  const x = b.param(f32x4, 'x');
  const a = b.prim.add(x, x, 'a');
  const m = b.prim.mul(a, x, 'm');
  b.return(m, a);
  return b.module;
}

describe('executor: running a graph', () => {
  it('runs the statements in order and returns every result', async () => {
    const x = new Float32Array([1.5, -2, 0.1, 3e38]);
    const r = await run(addMul(), { x: tensor(x) });
    const a = x.map((v) => Math.fround(v + v));
    expect(r.outputs).toHaveLength(1);
    expect([...r.outputs[0]![1]!.data]).toEqual([...a]);
    expect([...r.outputs[0]![0]!.data]).toEqual([...a.map((v, i) => Math.fround(v * x[i]!))]);
    expect(r.outputs[0]![0]!.type.equals(f32x4)).toBe(true);
    expect(r.warnings).toEqual([]);
  });

  it('accepts a bare container for a parameter, and per-rank arrays', async () => {
    const r = await run(addMul(), { x: new Float32Array([1, 2, 3, 4]) });
    expect([...r.outputs[0]![1]!.data]).toEqual([2, 4, 6, 8]);
    const b = Builder.graph('two', { worldSize: 2 });
    const x = b.param(f32x4, 'x');
    b.return(b.prim.add(x, x, 'y'));
    const two = await run(b.module, { x: [new Float32Array([1, 1, 1, 1]), tensor(new Float32Array([5, 6, 7, 8]))] });
    expect(two.outputs.map((o) => [...o[0]!.data])).toEqual([
      [2, 2, 2, 2],
      [10, 12, 14, 16],
    ]);
  });

  it('runs the graph named in the options', async () => {
    const m = addMul();
    const b = Builder.graph('other', { module: m });
    const x = b.param(f32x4, 'x');
    b.return(b.prim.neg(x, 'y'));
    const r = await run(m, { x: new Float32Array([1, -2, 0, 4]) }, { graph: 'other' });
    expect([...r.outputs[0]![0]!.data]).toEqual([-1, 2, -0, -4]);
  });
});

describe('executor: feeds [ir.8]', () => {
  const where = 'graph @g';
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['missing', {}, 'input x is missing', 'none'],
    ['unknown', { x: new Float32Array(4), y: new Float32Array(4) }, 'unknown input y (the parameters are x)', 'y'],
    ['wrong shape', { x: tensor(new Float32Array(8), new TensorType([8], 'f32')) }, 'input x must have type tensor<4xf32>', 'tensor<8xf32>'],
    ['wrong dtype', { x: tensor(new Float32Array(4), new TensorType([4], 'f16')) }, 'input x must have type tensor<4xf32>', 'tensor<4xf16>'],
    ['short storage', { x: new Float32Array(3) }, 'input x of type tensor<4xf32> must hold 4 elements in a Float32Array', '3 in a Float32Array'],
    ['wrong container', { x: new Uint16Array(4) }, 'input x of type tensor<4xf32> must hold 4 elements in a Float32Array', '4 in a Uint16Array'],
    ['per-rank count', { x: [new Float32Array(4), new Float32Array(4)] }, 'input x must be one value for every rank or an array of 1 (one per rank)', 'an array of 2'],
  ];
  for (const [name, feeds, what, got] of cases) {
    it(`names the input: ${name}`, async () => {
      const e = await runError(run(addMul(), feeds as never));
      expect(e.code).toBe('RUNTIME');
      expect(e.rule).toBe('ir.8');
      expect(e.message).toBe(ruleMessage(where, 'ir.8', what, got));
    });
  }

  it('names the rank of a per-rank input', async () => {
    const b = Builder.graph('g', { worldSize: 2 });
    const x = b.param(f32x4, 'x');
    b.return(b.prim.neg(x, 'y'));
    const e = await runError(run(b.module, { x: [new Float32Array(4), new Float32Array(2)] }));
    expect(e.message).toBe(ruleMessage(where, 'ir.8', 'input x of rank 1 of type tensor<4xf32> must hold 4 elements in a Float32Array', '2 in a Float32Array'));
  });
});

describe('executor: freeing intermediates', () => {
  it('releases each value right after its last consumer and never an output', async () => {
    const b = Builder.graph('chain');
    const x = b.param(f32x4, 'x');
    let v = x;
    for (let i = 1; i <= 5; i++) v = b.prim.add(v, v, `c${i}`);
    b.prim.neg(x, 'dead'); // unused: released right after it is made
    b.return(v);
    const events: FreeEvent[] = [];
    const r = await run(b.module, { x: new Float32Array([1, 2, 3, 4]) }, { onFree: (e) => events.push(e) });
    expect([...r.outputs[0]![0]!.data]).toEqual([32, 64, 96, 128]);
    expect(events.map((e) => `${e.value} after ${e.after}`)).toEqual([
      'c1 after prim.add %c2',
      'c2 after prim.add %c3',
      'c3 after prim.add %c4',
      'c4 after prim.add %c5',
      'x after prim.neg %dead',
      'dead after prim.neg %dead',
    ]);
    // Never more than three 16-byte buffers alive (x, one link of the chain and its successor).
    expect(r.stats).toEqual([{ peakLiveBytes: 48, freedValues: 6 }]);
  });
});

describe('executor: kernel failures', () => {
  const table = (add: Kernel): KernelTable => ({ ...KERNELS, 'prim.add': add });

  it('turns a kernel exception into a RUNTIME error naming the node', async () => {
    const e = await runError(run(addMul(), { x: new Float32Array(4) }, { kernels: table(() => { throw new TypeError('boom'); }) }));
    expect(e.code).toBe('RUNTIME');
    expect(e.message).toBe('prim.add %a: kernel failed: boom');
    expect((e.cause as Error).message).toBe('boom');
  });

  it('passes a FractalError through with its rule', async () => {
    const err = new FractalError('RUNTIME', 'prim.add %a: [prim.8] bad, got 1', 'prim.8');
    expect(await runError(run(addMul(), { x: new Float32Array(4) }, { kernels: table(() => { throw err; }) }))).toBe(err);
  });

  it('checks what a kernel returns', async () => {
    const wrongType: Kernel = () => [{ type: new TensorType([2], 'f32'), data: new Float32Array(2) }];
    expect((await runError(run(addMul(), { x: new Float32Array(4) }, { kernels: table(wrongType) }))).message).toBe(
      'prim.add %a: internal error: the kernel must return result 0 of type tensor<4xf32>, got tensor<2xf32>',
    );
    const short: Kernel = () => [{ type: f32x4, data: new Float32Array(3) }];
    expect((await runError(run(addMul(), { x: new Float32Array(4) }, { kernels: table(short) }))).message).toBe(
      'prim.add %a: internal error: the kernel must return result 0 as 4 elements in a Float32Array, got 3 in a Float32Array',
    );
    const none: Kernel = () => [];
    expect((await runError(run(addMul(), { x: new Float32Array(4) }, { kernels: table(none) }))).message).toBe(
      'prim.add %a: internal error: the kernel must return 1 tensors, got 0',
    );
  });

  it('refuses an op without a kernel before running anything', async () => {
    const { 'prim.mul': _, ...noMul } = KERNELS;
    const e = await runError(run(addMul(), { x: new Float32Array(4) }, { kernels: noMul }));
    expect(e.message).toBe('prim.mul %m: the CPU backend has no kernel for prim.mul, got none');
  });

  it('collects warnings, prefixed with the rank when there are several', async () => {
    const warnAdd: Kernel = (inputs, ctx) => {
      ctx.warn('x.1', `${ctx.subject}: [x.1] careful, got ${ctx.rank}`);
      return [inputs[0]!];
    };
    const one = await run(addMul(), { x: new Float32Array(4) }, { kernels: table(warnAdd) });
    expect(one.warnings).toEqual([{ rule: 'x.1', message: 'prim.add %a: [x.1] careful, got 0' }]);
    const b = Builder.graph('g', { worldSize: 3 });
    const x = b.param(f32x4, 'x');
    b.return(b.prim.add(x, x, 'a'));
    const three = await run(b.module, { x: new Float32Array(4) }, { kernels: table(warnAdd) });
    expect(three.warnings.map((w) => w.message)).toEqual([0, 1, 2].map((r) => `rank ${r}: prim.add %a: [x.1] careful, got ${r}`));
  });

  it('refuses inline-only options in workers mode', async () => {
    expect((await runError(run(addMul(), { x: new Float32Array(4) }, { mode: 'workers', onFree: () => undefined }))).message).toBe(
      'run: the kernels and onFree options work in inline mode only, got mode workers',
    );
  });

  it('rejects an unknown mode', async () => {
    expect((await runError(run(addMul(), { x: new Float32Array(4) }, { mode: 'gpu' as never }))).message).toBe(
      'run: mode must be inline or workers, got gpu',
    );
  });
});
