// Tensor types: (logical shape, dtype, layout). Storage is derived (ir.md §1.2).
import { bitsOf, type DType } from './dtype.ts';
import { ND, layoutEquals, layoutToString, storageShape, type Layout } from './layout.ts';

export class TensorType {
  readonly shape: readonly number[];
  constructor(
    shape: readonly number[],
    readonly dtype: DType,
    readonly layout: Layout = ND,
  ) {
    this.shape = Object.freeze([...shape]);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Logical element count. */
  get numel(): number {
    return numelOf(this.shape);
  }

  get storageShape(): number[] {
    return storageShape(this.shape, this.layout);
  }

  /** Elements in storage (NZ includes the padding). */
  get storageNumel(): number {
    return numelOf(this.storageShape);
  }

  /** Bytes of the storage buffer (i4 packs two per byte). */
  get byteLength(): number {
    return Math.ceil((this.storageNumel * bitsOf(this.dtype)) / 8);
  }

  get isNz(): boolean {
    return this.layout.kind === 'nz';
  }

  with(changes: { shape?: readonly number[]; dtype?: DType; layout?: Layout }): TensorType {
    return new TensorType(changes.shape ?? this.shape, changes.dtype ?? this.dtype, changes.layout ?? this.layout);
  }

  equals(o: TensorType): boolean {
    return (
      this.dtype === o.dtype &&
      layoutEquals(this.layout, o.layout) &&
      this.shape.length === o.shape.length &&
      this.shape.every((d, i) => d === o.shape[i])
    );
  }

  /** The textual form, e.g. `tensor<64x32xi8, #nz<c0=32>>`. */
  toString(): string {
    const dims = this.shape.map((d) => `${d}x`).join('');
    const layout = this.layout.kind === 'nd' ? '' : `, ${layoutToString(this.layout)}`;
    return `tensor<${dims}${this.dtype}${layout}>`;
  }
}

export const numelOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export const shapeToString = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

export const shapesEqual = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}
