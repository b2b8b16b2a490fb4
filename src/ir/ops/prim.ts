// prim.* ops (ir.md §6): what users write and what fusions match.
import type { OpDef } from './registry.ts';

export const PRIM_OPS = {
  'prim.constant': {
    name: 'prim.constant',
    operands: [],
    results: ['y'],
    attrs: { value: { kind: 'resource' } },
    infer(ctx) {
      const r = ctx.resources?.get(ctx.str('value'));
      if (!r) return undefined;
      return [r.perRank ? r.type.with({ shape: r.type.shape.slice(1) }) : r.type];
    },
    verify(ctx) {
      const name = ctx.str('value');
      const r = ctx.resources?.get(name);
      if (!r) return ctx.fail('ir.3', 'value must name a resource of the module', `@${name}`);
      const expected = r.perRank ? r.type.with({ shape: r.type.shape.slice(1) }) : r.type;
      ctx.checkResult(0, expected, 'prim.6');
    },
  },
} satisfies Record<string, OpDef>;
