// dce (ir.md §9.2): removes statements whose results are unused — walking backwards, so a chain
// goes in one walk — then resources no graph references. Parameters always stay.
import type { Graph } from '../ir/graph.ts';
import type { Module } from '../ir/module.ts';
import type { Node } from '../ir/node.ts';
import type { Pass } from './pass.ts';
import { Rewriter } from './rewrite/rewriter.ts';

function dceGraph(g: Graph): number {
  const dead = new Set<Node>();
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (n.results.every((r) => !g.outputs.includes(r) && r.uses.every((u) => dead.has(u.node)))) dead.add(n);
  }
  new Rewriter(g).eraseAll(dead);
  return dead.size;
}

/** Names of the resources that some attribute of some statement refers to. */
function referencedResources(m: Module): Set<string> {
  const refs = new Set<string>();
  for (const g of m.graphs) {
    for (const n of g.nodes) for (const a of Object.values(n.attrs)) if (a.k === 'resource') refs.add(a.v);
  }
  return refs;
}

export const dce: Pass = {
  name: 'dce',
  summary: 'removes unused statements, then unreferenced resources; never parameters',
  run(module) {
    let erased = 0;
    for (const g of module.graphs) erased += dceGraph(g);
    const refs = referencedResources(module);
    const first = module.graphs[0];
    const unreferenced = first ? [...module.resources.keys()].filter((name) => !refs.has(name)) : [];
    if (first && unreferenced.length > 0) {
      const rw = new Rewriter(first);
      for (const name of unreferenced) rw.removeResource(name);
    }
    const stats: Record<string, number> = {};
    if (erased > 0) stats['erased'] = erased;
    if (unreferenced.length > 0) stats['resources'] = unreferenced.length;
    return { changed: erased > 0 || unreferenced.length > 0, stats };
  },
};
