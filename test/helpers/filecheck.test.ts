import { describe, expect, it } from 'vitest';
import { fileCheck, FileCheckError } from './filecheck.ts';

const OUT = `graph @a(%x: tensor<4xf32>) -> (tensor<4xf32>) {
  %y = prim.abs(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %z = prim.neg(%y) : (tensor<4xf32>) -> tensor<4xf32>
  return %z
}

graph @b(%x: tensor<4xf32>) -> (tensor<4xf32>) {
  %w = prim.abs(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %w
}
`;

const check = (checks: string) => () => fileCheck(OUT, checks);

describe('fileCheck', () => {
  it('CHECK, CHECK-NEXT and CHECK-SAME', () => {
    expect(check('// CHECK: prim.abs\n// CHECK-SAME: -> tensor<4xf32>\n// CHECK-NEXT: prim.neg\n// CHECK-NEXT: return')).not.toThrow();
    expect(check('// CHECK: prim.abs\n// CHECK-NEXT: return')).toThrow(/no match on the next line/);
    expect(check('// CHECK: -> tensor<4xf32>\n// CHECK-SAME: prim.abs')).toThrow(/no match on the same line/);
    expect(check('// CHECK: prim.neg\n// CHECK: prim.neg')).toThrow(/no match/);
  });

  it('horizontal whitespace runs match any run', () => {
    expect(check('// CHECK: %y   =    prim.abs(%x)')).not.toThrow();
    expect(check('// CHECK: %y=prim.abs')).toThrow(FileCheckError);
  });

  it('captures and regexes', () => {
    expect(check('// CHECK: [[V:%[a-z]+]] = prim.abs\n// CHECK-NEXT: prim.neg([[V]])')).not.toThrow();
    expect(check('// CHECK: [[V:%[a-z]+]] = prim.abs\n// CHECK-NEXT: prim.neg([[V]]) {{.*}} -> tensor<{{[0-9]+}}xf32>')).not.toThrow();
    expect(check('// CHECK: [[V:%[a-z]+]] = prim.abs\n// CHECK: prim.neg(%x)')).toThrow(/no match/);
    // A capture can be used later on its own line.
    expect(check('// CHECK: [[T:tensor<[^>]+>]]) -> [[T]]')).not.toThrow();
    expect(check('// CHECK: prim.abs([[UNDEF]])')).toThrow(/\[\[UNDEF\]\] is not defined/);
  });

  it('CHECK-NOT between matches and at the end', () => {
    expect(check('// CHECK: @a\n// CHECK-NOT: prim.mul\n// CHECK: return')).not.toThrow();
    expect(check('// CHECK: @a\n// CHECK-NOT: prim.neg\n// CHECK: return')).toThrow(/excluded pattern found/);
    expect(check('// CHECK: @b\n// CHECK-NOT: prim.neg')).not.toThrow();
    expect(check('// CHECK: @a\n// CHECK-NOT: prim.neg')).toThrow(/excluded pattern found/);
  });

  it('CHECK-LABEL bounds the checks between labels', () => {
    expect(check('// CHECK-LABEL: graph @a\n// CHECK: prim.neg\n// CHECK-LABEL: graph @b\n// CHECK: prim.abs')).not.toThrow();
    // prim.neg exists only in @a: after the @b label it cannot match.
    expect(check('// CHECK-LABEL: graph @a\n// CHECK-LABEL: graph @b\n// CHECK: prim.neg')).toThrow(/no match/);
    // Nor may a check before the @b label match inside @b.
    expect(check('// CHECK-LABEL: graph @a\n// CHECK: %w = prim.abs\n// CHECK-LABEL: graph @b')).toThrow(/no match/);
  });

  it('failure messages show the check line and the output near the failure', () => {
    let message = '';
    try {
      fileCheck(OUT, '\n\n// CHECK: prim.abs\n// CHECK-NEXT: prim.mul', { file: 'x.fir', firstLine: 10 });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('x.fir:13: no match on the next line');
    expect(message).toContain('  CHECK-NEXT: prim.mul');
    expect(message).toContain('>    2 |   %y = prim.abs(%x)');
  });

  it('no CHECK lines, or a misspelt directive, is an error', () => {
    expect(check('// nothing to see')).toThrow(/no CHECK lines/);
    expect(check('// CHECK: graph\n// CHECK-NXT: prim.abs')).toThrow('<checks>:2: unknown directive CHECK-NXT');
  });
});
