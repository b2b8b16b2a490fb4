// Would an op accept these operands, attributes and result types? Guards ask this before they
// create an op (guard first, then mutate): the answer runs the op's own verifier on the types
// alone, so a rejected rewrite is explained by the rule the new op would have failed.
import { attrFromJs, type Attr } from '../../ir/attr.ts';
import { FractalError } from '../../ir/diagnostics.ts';
import { OpContext } from '../../ir/ops/context.ts';
import { opDef, type OpName } from '../../ir/ops/registry.ts';
import type { TensorType } from '../../ir/types.ts';
import { checkAttrs, typeProblem } from '../../ir/verify.ts';

const isAttr = (v: unknown): v is Attr => typeof v === 'object' && v !== null && 'k' in v && 'v' in v;

/**
 * `true`, or the verifier's message (`npu.… : [rule] what, got …`) for why the op would be
 * rejected. Attributes are plain JavaScript values (as for `Builder.create`) or tagged `Attr`s.
 */
export function opAccepts(
  op: OpName,
  operands: readonly (TensorType | null)[],
  attrs: Readonly<Record<string, unknown>>,
  results: readonly TensorType[],
  worldSize = 1,
): true | string {
  const def = opDef(op);
  const subject = () => op;
  try {
    const tagged: Record<string, Attr> = {};
    for (const [k, v] of Object.entries(attrs)) {
      const spec = def.attrs[k];
      const a = isAttr(v) ? v : spec && attrFromJs(spec.kind, v);
      if (!a) return `${op}: attribute ${k} cannot be ${String(v)}`;
      tagged[k] = a;
    }
    for (const t of results) {
      const p = typeProblem(t);
      if (p) return `${op}: [ir.1] ${p}, got ${t}`;
    }
    def.verify(new OpContext(def, operands, checkAttrs(def, tagged, subject), results, worldSize, subject));
    return true;
  } catch (e) {
    if (e instanceof FractalError) return e.message;
    throw e;
  }
}
