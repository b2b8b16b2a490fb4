// Printed value names (ir.md §2.5): hints when free, `%h_1`… on clashes, numbers otherwise.
import type { Graph } from './graph.ts';
import type { Value } from './value.ts';

export function valueNames(g: Graph): Map<Value, string> {
  const names = new Map<Value, string>();
  const taken = new Set<string>();
  let counter = 0;
  const name = (v: Value) => {
    let n: string;
    if (v.hint === undefined) n = String(counter++);
    else if (!taken.has(v.hint)) n = v.hint;
    else {
      let i = 1;
      while (taken.has(`${v.hint}_${i}`)) i++;
      n = `${v.hint}_${i}`;
    }
    taken.add(n);
    names.set(v, n);
  };
  g.params.forEach(name);
  for (const node of g.nodes) node.results.forEach(name);
  return names;
}
