// Typed reads of an attribute dictionary, shared by nodes (kernels, passes) and op contexts
// (type rules, verifiers). Subclasses say how a missing attribute fails.
import { attrToJs, type Attr } from './attr.ts';
import type { DType } from './dtype.ts';

export abstract class AttrReader {
  abstract attr(name: string): Attr;

  int(name: string): number {
    return Number(this.attr(name).v as bigint);
  }
  float(name: string): number {
    return this.attr(name).v as number;
  }
  bool(name: string): boolean {
    return this.attr(name).v as boolean;
  }
  str(name: string): string {
    return this.attr(name).v as string;
  }
  dtype(name: string): DType {
    return this.attr(name).v as DType;
  }
  ints(name: string): number[] {
    return (attrToJs(this.attr(name)) as (number | bigint)[]).map(Number);
  }
  /** A `scalar` attribute (clamp bounds, pad value) as a number, or bigint when beyond 2^53. */
  scalar(name: string): number | bigint {
    const a = this.attr(name);
    return a.k === 'int' ? (attrToJs(a) as number | bigint) : (a.v as number);
  }
}
