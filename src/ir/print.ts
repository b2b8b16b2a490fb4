// The canonical text of a module (ir.md §2.4–§2.7): deterministic names, full result types,
// sorted attributes without defaults, trailing absent operands omitted, resources in order of
// first reference. `printModule(parseModule(t)) === t` for every text this prints.
import { attrEquals, type Attr, type Attrs } from './attr.ts';
import { isFloat } from './dtype.ts';
import { formatDense, formatElement, formatFloat } from './elements.ts';
import type { Graph } from './graph.ts';
import { layoutToString } from './layout.ts';
import type { Module, Resource } from './module.ts';
import { valueNames } from './names.ts';
import type { Node } from './node.ts';
import { isOpName, opDef } from './ops/registry.ts';
import type { Value } from './value.ts';

export function printModule(m: Module): string {
  const blocks = m.graphs.map((g) => printGraph(g));
  const resources = resourcesInPrintOrder(m);
  if (resources.length > 0) blocks.push(`resources {\n${resources.map((r) => `  ${printResource(r)}\n`).join('')}}\n`);
  return blocks.join('\n');
}

export function printGraph(g: Graph): string {
  const names = valueNames(g);
  const name = (v: Value) => `%${names.get(v) ?? '?'}`;
  const params = g.params.map((p, i) => `${name(p)}: ${p.type}${g.paramInfo[i]?.weight ? ' {weight = true}' : ''}`);
  const attrs = g.worldSize !== 1 ? ` attributes {world_size = ${g.worldSize}}` : '';
  const lines = [`graph @${g.name}(${params.join(', ')}) -> (${g.resultTypes.join(', ')})${attrs} {`];
  for (const node of g.nodes) lines.push(`  ${printNode(node, name)}`);
  lines.push(`  return ${g.outputs.map(name).join(', ')}`, '}');
  return `${lines.join('\n')}\n`;
}

/** One statement, without indentation; `name` gives a value's printed `%name`. */
export function printNode(node: Node, name: (v: Value) => string): string {
  const operands = [...node.operands];
  while (operands.length > 0 && operands[operands.length - 1] === null) operands.pop();
  const results = node.results.map(name).join(', ');
  const args = operands.length > 0 ? `(${operands.map((v) => (v ? name(v) : 'none')).join(', ')})` : '';
  const attrs = printAttrDict(node.op, node.attrs);
  const operandTypes = operands.map((v) => (v ? v.type.toString() : 'none')).join(', ');
  const types = node.results.map((r) => r.type.toString());
  const resultTypes = types.length === 1 ? types[0]! : `(${types.join(', ')})`;
  return `${results} = ${node.op}${args}${attrs ? ` ${attrs}` : ''} : (${operandTypes}) -> ${resultTypes}`;
}

/** `{k = v, …}` with keys sorted and attributes equal to the op's default omitted; '' when empty. */
export function printAttrDict(op: string, attrs: Attrs): string {
  const specs = isOpName(op) ? opDef(op).attrs : {};
  const parts = Object.keys(attrs)
    .sort()
    .filter((k) => {
      const dflt = Object.hasOwn(specs, k) ? specs[k]!.default : undefined;
      return !(dflt && attrEquals(attrs[k]!, dflt));
    })
    .map((k) => `${k} = ${printAttr(attrs[k]!)}`);
  return parts.length > 0 ? `{${parts.join(', ')}}` : '';
}

export function printAttr(a: Attr): string {
  switch (a.k) {
    case 'int':
      return a.v.toString();
    case 'float':
      return formatFloat(a.v);
    case 'bool':
    case 'dtype':
      return String(a.v);
    case 'string':
      return JSON.stringify(a.v);
    case 'layout':
      return layoutToString(a.v);
    case 'resource':
      return `@${a.v}`;
    case 'array':
      return `[${a.v.map(printAttr).join(', ')}]`;
  }
}

export function printResource(r: Resource): string {
  const { dtype } = r.type;
  let init: string;
  switch (r.init.kind) {
    case 'dense':
      init = `dense<${formatDense(r.type.shape, dtype, r.init.data)}>`;
      break;
    case 'splat':
      init = `splat<${formatElement(dtype, r.init.data, 0)}>`;
      break;
    case 'iota':
      init = 'iota<>';
      break;
    case 'random': {
      const bound = (v: number | bigint) => (isFloat(dtype) ? formatFloat(Number(v)) : String(v));
      init = `random<seed = ${r.init.seed}, lo = ${bound(r.init.lo)}, hi = ${bound(r.init.hi)}>`;
      break;
    }
  }
  return `@${r.name} = ${init} : ${r.type}${r.perRank ? ' {per_rank}' : ''}`;
}

/**
 * Resources in printed order (ir.md §2.7): by first reference (graphs, statements, sorted
 * attribute keys, in order), then unreferenced ones in creation order.
 */
export function resourcesInPrintOrder(m: Module): Resource[] {
  const seen = new Set<Resource>();
  const visit = (a: Attr): void => {
    if (a.k === 'array') a.v.forEach(visit);
    else if (a.k === 'resource') {
      const r = m.resources.get(a.v);
      if (r) seen.add(r);
    }
  };
  for (const g of m.graphs) {
    for (const node of g.nodes) {
      for (const k of Object.keys(node.attrs).sort()) visit(node.attrs[k]!);
    }
  }
  for (const r of m.resources.values()) seen.add(r);
  return [...seen];
}
