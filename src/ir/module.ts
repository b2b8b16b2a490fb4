// A module: graphs plus the resources their constants read (ir.md §2.2, §3).
import { FractalError, type SourceLoc } from './diagnostics.ts';
import type { Graph } from './graph.ts';
import type { Storage } from './storage.ts';
import type { TensorType } from './types.ts';

/** Initializers list or generate the logical elements in row-major order (ir.md §3.1). */
export type Initializer =
  /** Logical elements (rank axis included for per_rank) in an ND container of the dtype. */
  | { readonly kind: 'dense'; readonly data: Storage }
  /** One element in a one-element container of the dtype. */
  | { readonly kind: 'splat'; readonly data: Storage }
  | { readonly kind: 'iota' }
  | { readonly kind: 'random'; readonly seed: number; readonly lo: number | bigint; readonly hi: number | bigint };

export interface Resource {
  name: string;
  /** For a per_rank resource this includes the leading rank axis. */
  type: TensorType;
  init: Initializer;
  perRank: boolean;
  /** Where a parsed resource was written (for diagnostics). */
  loc?: SourceLoc;
}

export class Module {
  readonly graphs: Graph[] = [];
  /** Creation order (text order for a parsed module). */
  readonly resources = new Map<string, Resource>();

  addGraph(g: Graph): Graph {
    if (this.graphs.some((x) => x.name === g.name) || this.resources.has(g.name)) {
      throw new FractalError('VERIFY', `graph @${g.name}: the name is already used in this module`);
    }
    g.module = this;
    this.graphs.push(g);
    return g;
  }

  addResource(r: Resource): Resource {
    if (this.resources.has(r.name) || this.graphs.some((g) => g.name === r.name)) {
      throw new FractalError('VERIFY', `resource @${r.name}: the name is already used in this module`);
    }
    this.resources.set(r.name, r);
    return r;
  }

  /** A fresh resource name: `base`, else `base_1`, `base_2`, … */
  freshResourceName(base: string): string {
    const taken = (n: string) => this.resources.has(n) || this.graphs.some((g) => g.name === n);
    if (!taken(base)) return base;
    for (let i = 1; ; i++) if (!taken(`${base}_${i}`)) return `${base}_${i}`;
  }

  graph(name?: string): Graph {
    const g = name === undefined ? this.graphs[0] : this.graphs.find((x) => x.name === name);
    if (!g) throw new FractalError('VERIFY', `module: no graph ${name === undefined ? '' : `@${name}`}`.trim());
    return g;
  }
}
