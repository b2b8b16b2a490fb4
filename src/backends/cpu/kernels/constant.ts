// prim.constant (ir.md §3.3): the resource's data; rank r of a per_rank resource reads slice r.
import { constantTensor } from '../../../ir/constants.ts';
import { FractalError } from '../../../ir/diagnostics.ts';
import type { Kernel } from '../kernel.ts';

export const constantKernel: Kernel = (_inputs, ctx) => {
  const name = ctx.node.str('value');
  const resource = ctx.node.graph?.module?.resources.get(name);
  if (!resource) throw new FractalError('RUNTIME', `${ctx.subject}: [ir.3] value must name a resource of the module, got @${name}`, 'ir.3');
  return [constantTensor(resource, ctx.rank)];
};
