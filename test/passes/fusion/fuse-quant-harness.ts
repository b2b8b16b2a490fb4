// Shared by the quant fusion tests: seeded feeds for every parameter of a graph (one per rank),
// bit-exact comparison of modules on the CPU backend, op counts, fixture chunks, and graphs
// holding one npu op built from its OpDef examples.
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Feeds } from '../../../src/backends/backend.ts';
import { run } from '../../../src/backends/cpu/executor.ts';
import { Builder } from '../../../src/ir/builder.ts';
import { ndToNz } from '../../../src/ir/layout-convert.ts';
import type { Module } from '../../../src/ir/module.ts';
import { valueNames } from '../../../src/ir/names.ts';
import { opDef, type OpExample, type OpName } from '../../../src/ir/ops/registry.ts';
import { parseModule } from '../../../src/ir/parse.ts';
import { printModule } from '../../../src/ir/print.ts';
import type { Tensor } from '../../../src/ir/storage.ts';
import { TensorType } from '../../../src/ir/types.ts';
import { expectCompiledAgrees } from '../../helpers/compiled-equality.ts';
import { readFixture } from '../../helpers/fixtures.ts';
import { bytesOf, seededStorage, type Role } from '../../helpers/seeded-inputs.ts';

export const clone = (m: Module): Module => parseModule(printModule(m), 'clone');

/** The role a parameter plays, read from its name; `plainScales` feeds scales like data (NaN, Inf, 0). */
function roleOf(name: string, plainScales: boolean): Role {
  if (name.includes('bias')) return 'bias';
  if (/^(z|zp|zero_points)(_|$)/.test(name)) return 'zero-point';
  if (!plainScales && /^(s|ds|sm|zs|scales?|dequant_scale|smooth)(_|\d|$)/.test(name)) return 'scale';
  return 'data';
}

/** Seeded feeds for every parameter of the module's first graph, a different tensor per rank. */
export function feedsFor(m: Module, seed: number): Feeds {
  const g = m.graph();
  const names = valueNames(g);
  const feeds: Record<string, Tensor[]> = {};
  g.params.forEach((p, i) => {
    const name = names.get(p)!;
    const nd = p.type.with({ layout: { kind: 'nd' } });
    feeds[name] = Array.from({ length: g.worldSize }, (_, rank) => {
      // Rows cycle through the edge patterns of seeded-inputs.ts from `seed` on (mod 8); ranks
      // and parameters differ by multiples of 8 so they keep that cycle but not their values.
      const data = seededStorage(nd, roleOf(name, seed % 2 === 1), seed + 8 * (1 + rank * 31 + i * 7));
      const t = p.type;
      return { type: t, data: t.layout.kind === 'nz' ? ndToNz(data, t.shape, t.dtype, t.layout.c0) : data };
    });
  });
  return feeds;
}

/** outputs[rank][i] as bytes; the compiled mode must give the same (test/helpers/compiled-equality.ts). */
export async function outputBits(m: Module, feeds: Feeds): Promise<Uint8Array[][]> {
  await expectCompiledAgrees(m, feeds);
  const r = await run(m, feeds);
  return r.outputs.map((outs) => outs.map((t) => bytesOf(t.data).slice()));
}

/**
 * Every output of every rank has the same bytes in both modules, for each seed. The default
 * seeds start the row patterns at 0, 4, 1 and 5, so four rows see every pattern; odd seeds feed
 * scales like data (zeros, NaN, ±Inf).
 */
export async function expectSameBits(before: Module, after: Module, seeds: readonly number[] = [0, 4, 9, 13]): Promise<void> {
  for (const seed of seeds) {
    const feeds = feedsFor(before, seed);
    const [a, b] = [await outputBits(before, feeds), await outputBits(after, feeds)];
    a.forEach((outs, rank) =>
      outs.forEach((bytes, i) => {
        const got = b[rank]![i]!;
        const at = bytes.findIndex((x, k) => x !== got[k]);
        const where = `seed ${seed}, rank ${rank}, output ${i}`;
        expect(got.length, where).toBe(bytes.length);
        expect(at, `${where}: first differing byte`).toBe(-1);
      }),
    );
  }
}

/** How often each op occurs in the module's first graph. */
export function opCounts(m: Module): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of m.graph().nodes) out[n.op] = (out[n.op] ?? 0) + 1;
  return out;
}

/** The chunks of a fixture under test/passes/fixtures/ that hold a graph. */
export function fixtureChunks(path: string): { name: string; source: string }[] {
  return readFixture(fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url)))
    .chunks.filter((c) => /^graph @/m.test(c.text))
    .map((c) => ({ name: `${path} ${/^graph @(\w+)/m.exec(c.text)![1]}`, source: c.source }));
}

/** A module whose graph holds just `op` as the example gives it (parameters x1, x2, … by schema name). */
export function exampleModule(op: OpName, ex: OpExample): Module {
  const def = opDef(op);
  const b = Builder.graph('g', { worldSize: ex.worldSize ?? 1 });
  const operands = ex.operands.map((t: TensorType | null, i: number) => (t ? b.param(t, def.operands[i]!.name) : null));
  const node = b.create(op, operands, ex.attrs ?? {}, { results: ex.results, hints: def.results });
  b.return(...node.results);
  return b.module;
}
