// Nothing a graph spells becomes code: hostile name hints, graph and resource names and string
// attributes appear in the generated module only inside one-line comments, every identifier is
// one the emitter made up, and the module type-checks and runs with the interpreter's bits.
import { describe, expect, it, vi } from 'vitest';
import { ts } from 'ts-morph';
import { emitGraph } from '../../../src/backends/tsgen/emit.ts';
import { typeCheck } from '../../../src/backends/tsgen/load.ts';
import * as runtime from '../../../src/backends/tsgen/runtime.ts';
import { stringAttr } from '../../../src/ir/attr.ts';
import { Builder } from '../../../src/ir/builder.ts';
import { TensorType } from '../../../src/ir/types.ts';
import { expectCompiledAgrees, seededFeeds } from '../../helpers/compiled-equality.ts';

const HOSTILE = [
  'x*/process.exit(1)/*',
  'a\nprocess.exit(2)//',
  'b\u2028process.exit(3)',
  '`${process.exit(4)}`',
  "'); process.exit(5); ('",
  '</script><script>process.exit(6)</script>',
  '\\u0070rocess.exit(7)',
];

/** Identifiers the emitter makes: values, views, buffers, steps, temporaries, loop variables. */
const GENERATED = /^(v\d+u?|b\d+|s\d+|t\d+|[xy]\d+u?|i\d+|a\d+_\d+|r\d+|[wdq]\d+(_\d+)?|o|m|r|t|v|e|at|end|row|bt|av|acc|len|nz|nd|j|k|b|x|y|yu|io|env|inputs|_env|_inputs|scale|smooth|scales|pertoken|bias|x1|x3|w)$/;
const RUNTIME = new Set(Object.keys(runtime));
const BUILTINS = new Set(['Math', 'fround', 'abs', 'floor', 'min', 'imul', 'NaN', 'Infinity', 'fill', 'set', 'slice', 'buffer', 'byteOffset', 'byteLength', 'allGather', 'kernel', 'fail', 'constant', 'outIsBf16']);
const TYPES = /^(Float32Array|Float64Array|Uint32Array|Uint16Array|Uint8Array|Int8Array|Int32Array|BigInt64Array|BigUint64Array|ArrayBuffer|Promise|Storage|RankEnv|RankIo|RankProgram|PackedB|instantiate)$/;

/** Every identifier, string literal and comment of a source text. */
function tokens(text: string) {
  const sf = ts.createSourceFile('g.ts', text, ts.ScriptTarget.ES2022, true);
  const identifiers = new Set<string>();
  const strings = new Set<string>();
  const visit = (n: ts.Node) => {
    if (ts.isIdentifier(n)) identifiers.add(n.text);
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) strings.add(n.text);
    if (n.kind === ts.SyntaxKind.TemplateExpression) strings.add(n.getText());
    ts.forEachChild(n, visit);
  };
  visit(sf);
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, text);
  const comments: string[] = [];
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) {
    if (k === ts.SyntaxKind.SingleLineCommentTrivia || k === ts.SyntaxKind.MultiLineCommentTrivia) comments.push(scanner.getTokenText());
  }
  return { identifiers, strings, comments };
}

function hostileGraph(hint: string) {
  const b = Builder.graph(`g_${HOSTILE.indexOf(hint)}`);
  const x = b.param(new TensorType([4, 8], 'f16'), hint);
  const c = b.constant(new TensorType([], 'f32'), { kind: 'splat', data: new Float32Array([0.5]) }, { name: `r${HOSTILE.indexOf(hint)}`, hint });
  const xf = b.prim.cast(x, 'f32', hint);
  const y = b.prim.mul(xf, c, hint);
  const { y: q, scale } = b.npu.dynamicQuant(x, { hints: [hint, hint] });
  b.return(b.prim.abs(y, hint), q, scale);
  return b.module;
}

describe('hostile names and strings', () => {
  for (const hint of HOSTILE) {
    it(`hint ${JSON.stringify(hint)} stays in comments, and the module runs`, async () => {
      const module = hostileGraph(hint);
      const text = emitGraph(module.graph()).text;
      const { identifiers, strings, comments } = tokens(text);
      for (const id of identifiers) expect(GENERATED.test(id) || RUNTIME.has(id) || BUILTINS.has(id) || TYPES.test(id), id).toBe(true);
      expect([...strings]).toEqual(['../runtime.ts']);
      for (const c of comments) {
        expect(c.startsWith('//') && !/[\n\r\u2028\u2029]/.test(c), c).toBe(true);
        expect(c.slice(2)).not.toContain('*/');
      }
      expect(comments.some((c) => c.includes('prim.cast'))).toBe(true);
      typeCheck(text);
      const exit = vi.spyOn(process, 'exit').mockImplementation(() => {
        throw new Error('process.exit was called');
      });
      try {
        const outcome = await expectCompiledAgrees(module, seededFeeds(module.graph(), 0));
        expect(outcome.ok).toBe(true);
      } finally {
        expect(exit).not.toHaveBeenCalled();
        exit.mockRestore();
      }
    });
  }

  it('string attributes never reach the code, even on a graph the verifier would refuse', () => {
    const b = Builder.graph('g', { worldSize: 2 });
    const x = b.param(new TensorType([2, 2], 'f32'), 'x');
    const y = b.comm.allReduce(x, 'y');
    b.return(y);
    const node = y.producer!;
    node.attrs = { ...node.attrs, group: stringAttr(HOSTILE[0]!), reduce_op: stringAttr(HOSTILE[1]!) };
    const text = emitGraph(b.module.graph()).text;
    const { strings, comments } = tokens(text);
    expect([...strings].sort()).toEqual(["../runtime.ts", 'f32']);
    expect(comments.find((c) => c.includes('comm.all_reduce'))).toBe(
      '// %y = comm.all_reduce(%x) {group = "x*\\/process.exit(1)/*", reduce_op = "a\\nprocess.exit(2)//"} : (tensor<2x2xf32>) -> tensor<2x2xf32>',
    );
  });

  it('a hostile group is refused by the verifier in both modes alike', async () => {
    const b = Builder.graph('g', { worldSize: 2 });
    const x = b.param(new TensorType([2, 2], 'f32'), 'x');
    b.return(b.comm.allReduce(x, 'y'));
    const node = b.module.graph().nodes[0]!;
    node.attrs = { ...node.attrs, group: stringAttr(HOSTILE[0]!) };
    const outcome = await expectCompiledAgrees(b.module, { x: new Float32Array(4) });
    expect(!outcome.ok && outcome.error.message).toBe('comm.all_reduce %y: [all_reduce.2] group must be "world", got "x*/process.exit(1)/*"');
  });
});
