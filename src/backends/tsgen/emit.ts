// The compiled CPU backend's code generator: a graph (after the pipeline) becomes one TypeScript
// module, built with ts-morph in an in-memory project. The module has one function per step —
// a statement, or a fused group of element-wise primitives — with shapes, NZ strides and
// constants inlined, each under a comment naming the IR statements it comes from, and an
// exported `instantiate(env)` that allocates a rank's buffers and constants once and returns the
// function that runs the graph on that rank. Intermediates share buffers when their lifetimes do
// not overlap (plan.ts).
//
// Safety: nothing a graph spells becomes code. Identifiers are generated, numbers go through
// checked literals, IR text appears in `//` comments only after escaping (safe-text.ts).
import { Project, StructureKind, type FunctionDeclarationStructure, type WriterFunction } from 'ts-morph';
import type { Graph } from '../../ir/graph.ts';
import { valueNames } from '../../ir/names.ts';
import { printNode } from '../../ir/print.ts';
import { materializeResource } from '../../ir/constants.ts';
import { bf16ToF32, f16ToF64 } from '../../numerics/float.ts';
import { ARRAY_TYPE, literal, type Elem, type LoopDType } from './elementwise.ts';
import { byteSize, planGraph, type Plan, type PlanValue, type Step } from './plan.ts';
import { RUNTIME_SPECIFIER } from './runtime.ts';
import { commentText, int } from './safe-text.ts';
import { classifier, emitElementwise, emitKernel, emitSpecial, type FnDecl, type StepContext } from './steps.ts';

export interface EmitOptions {
  /** How the generated module imports runtime.ts (default: from a sibling directory of it). */
  readonly runtimeSpecifier?: string;
}

export interface EmitStats {
  readonly steps: number;
  /** Statements executed inside fused element-wise loops. */
  readonly fusedStatements: number;
  /** Steps that call the interpreter's kernel. */
  readonly kernelSteps: number;
  readonly arenaBuffers: number;
  readonly arenaBytes: number;
}

export interface EmittedGraph {
  /** The formatted TypeScript source. */
  readonly text: string;
  /** Bytes a rank holds at its peak besides its feeds: arena, constants, and live call results. */
  readonly peakBytes: number;
  /** Intermediates (and used parameters) that are not results: released for reuse after their last read. */
  readonly freedValues: number;
  readonly stats: EmitStats;
}

/** The generated module of a verified graph. */
export function emitGraph(graph: Graph, options: EmitOptions = {}): EmittedGraph {
  const plan = planGraph(graph, classifier(graph.module));
  const names = valueNames(graph);
  const statement = (i: number) => `// ${commentText(printNode(graph.nodes[i]!, (v) => `%${names.get(v) ?? '?'}`))}`;
  const nodeIndex = new Map(graph.nodes.map((n, i) => [n, i]));
  /** The step's statements, after the cheap ones it recomputes. */
  const stepComment = (step: Step) => [...step.recomputed.map((n) => `${statement(nodeIndex.get(n)!)} (recomputed here)`), ...step.at.map(statement)];
  const imports = new Set<string>();
  const typeImports = new Set<string>(['RankEnv', 'RankIo', 'RankProgram', 'Storage']);
  const fns: FnDecl[] = [];
  const setup: string[] = [];
  const run: string[] = [];
  const declaredViews = new Set<PlanValue>();
  const literals = new Map<PlanValue, Elem | undefined>();
  let current: Step | undefined;

  const use = (name: string) => {
    if (name === 'PackedB') typeImports.add(name);
    else imports.add(name);
    return name;
  };
  /** Containers the code refers to: only those are declared. */
  const referenced = new Set<PlanValue>();
  const ref = (pv: PlanValue) => {
    referenced.add(pv.root);
    return `v${pv.root.id}`;
  };
  const ctx: StepContext = {
    plan,
    ref,
    bits: (pv) => {
      const root = pv.root;
      const name = `v${root.id}u`;
      if (root.kind === 'arena' || root.kind === 'constant') root.bitsView = true;
      else if (!declaredViews.has(root)) {
        declaredViews.add(root);
        run.push(`const ${name} = ${use('u32View')}(${ref(root)});`);
      }
      return name;
    },
    use,
    fn: (f) => {
      const name = `s${current!.index}`;
      fns.push({ ...f, name, comment: stepComment(current!) });
      return name;
    },
    init: (line) => setup.push(line),
    literalOf: (pv) => {
      const root = pv.root;
      if (!literals.has(root)) literals.set(root, constantElement(graph, root));
      return literals.get(root);
    },
    arrayType: (t) => ARRAY_TYPE[t.dtype],
  };

  // Statements without code of their own (reshapes share their operand's buffer; constants are
  // set up once or inlined; cheap statements are recomputed where they are read; dead pure
  // statements are skipped) are named where they would run.
  const stepOf = new Set(plan.steps.flatMap((st) => st.at));
  const recomputed = new Set(plan.steps.flatMap((st) => st.recomputed));
  let next = 0;
  const noCode = (upTo: number) => {
    for (; next < upTo; next++) {
      if (stepOf.has(next)) continue;
      const node = graph.nodes[next]!;
      const why =
        node.op === 'prim.reshape'
          ? 'no code: the buffer of its operand'
          : node.op === 'prim.constant'
            ? constantNote(plan.of(node.results[0]!))
            : recomputed.has(node)
              ? 'recomputed where it is read'
              : 'no code: its results are never read';
      run.push(`${statement(next)} (${why})`);
    }
  };
  for (const step of plan.steps) {
    current = step;
    noCode(Math.max(...step.at));
    run.push(`at = ${int(step.at[0]!)};`);
    const functions = fns.length;
    const code = step.kind === 'elementwise' ? emitElementwise(step, ctx) : step.kind === 'kernel' ? emitKernel(step, ctx) : emitSpecial(step, ctx);
    // A step without a function of its own names its statements where it runs.
    if (fns.length === functions) run.push(...stepComment(step));
    run.push(...code);
  }
  noCode(graph.nodes.length);
  const results = graph.outputs.map((v) => {
    const root = plan.of(v).root;
    // Call results are fresh every run; anything else (buffers, feeds, constants) is copied out.
    return root.kind === 'dynamic' ? ref(root) : `${ref(root)}.slice()`;
  });
  run.push(`return [${results.join(', ')}];`);
  const usedParams = plan.values.filter((pv) => pv.kind === 'param' && referenced.has(pv));
  run.unshift(...usedParams.map((pv) => `const v${pv.id} = inputs[${int(pv.source)}] as ${ARRAY_TYPE[pv.type.dtype]};`));

  const instance = instanceSetup(plan, use, referenced);
  const text = writeSource(graph, {
    runtime: options.runtimeSpecifier ?? RUNTIME_SPECIFIER,
    imports: [...imports].sort(),
    typeImports: [...typeImports].sort(),
    fns,
    setup: [...instance, ...setup],
    run,
    usesInputs: usedParams.length > 0,
    usesEnv: instance.some((l) => l.includes('env.')),
  });
  const arenaBytes = plan.slots.reduce((a, b) => a + b, 0);
  return {
    text,
    peakBytes: arenaBytes + plan.values.filter((pv) => pv.kind === 'constant').reduce((a, pv) => a + byteSize(pv.type), 0) + dynamicPeak(plan),
    freedValues: freedValues(graph),
    stats: {
      steps: plan.steps.length,
      fusedStatements: plan.steps.filter((s) => s.kind === 'elementwise').reduce((a, s) => a + s.nodes.length, 0),
      kernelSteps: plan.steps.filter((s) => s.kind === 'kernel').length,
      arenaBuffers: plan.slots.length,
      arenaBytes,
    },
  };
}

function constantNote(pv: PlanValue): string {
  return pv.kind === 'constant' ? `set up once: v${pv.id}` : 'inlined where it is read';
}

/** Buffers, views and constants of a rank instance. */
function instanceSetup(plan: Plan, use: (name: string) => string, referenced: ReadonlySet<PlanValue>): string[] {
  const lines = plan.slots.map((bytes, k) => `const b${k} = new ArrayBuffer(${int(bytes)});`);
  for (const pv of plan.values) {
    if (pv.kind === 'arena' && pv.slot >= 0) {
      const n = pv.type.dtype === 'i4' ? Math.ceil(pv.type.storageNumel / 2) : pv.type.storageNumel;
      if (referenced.has(pv)) lines.push(`const v${pv.id} = new ${ARRAY_TYPE[pv.type.dtype]}(b${pv.slot}, 0, ${int(n)});`);
      if (pv.bitsView) lines.push(`const v${pv.id}u = new Uint32Array(b${pv.slot}, 0, ${int(n)});`);
    } else if (pv.kind === 'constant' && (referenced.has(pv) || pv.bitsView)) {
      lines.push(`const v${pv.id} = env.constant(${int(pv.source)}) as ${ARRAY_TYPE[pv.type.dtype]};`);
      if (pv.bitsView) lines.push(`const v${pv.id}u = ${use('u32View')}(v${pv.id});`);
    }
  }
  return lines;
}

/** The element of a splat (or one-element) constant, for loops to inline. */
function constantElement(graph: Graph, root: PlanValue): Elem | undefined {
  const node = root.value.producer;
  if (node?.op !== 'prim.constant') return undefined;
  const r = graph.module?.resources.get(node.str('value'));
  if (!r) return undefined;
  const data = r.init.kind === 'splat' ? r.init.data : materializeResource(r);
  const dtype = r.type.dtype as LoopDType;
  switch (dtype) {
    case 'f32': {
      const bits = new Uint32Array(data.buffer, data.byteOffset, 1)[0]!;
      return literal(dtype, (data as Float32Array)[0]!, bits);
    }
    case 'f16':
    case 'bf16': {
      const bits = (data as Uint16Array)[0]!;
      return literal(dtype, dtype === 'f16' ? f16ToF64(bits) : bf16ToF32(bits), bits);
    }
    default:
      return literal(dtype, Number(data[0]!), 0);
  }
}

/** Largest total of call results alive at once. */
function dynamicPeak(plan: Plan): number {
  let peak = 0;
  for (const s of plan.steps) {
    const live = plan.values.filter((pv) => pv.kind === 'dynamic' && pv.def <= s.index && pv.lastUse >= s.index);
    peak = Math.max(peak, live.reduce((a, pv) => a + byteSize(pv.type), 0));
  }
  return peak;
}

/** Values that are not results and are defined by a statement or read: what the interpreter frees too. */
function freedValues(graph: Graph): number {
  const kept = new Set(graph.outputs);
  const params = graph.params.filter((p) => !kept.has(p) && p.uses.length > 0).length;
  const results = graph.nodes.flatMap((n) => n.results).filter((r) => !kept.has(r)).length;
  return params + results;
}

interface SourceParts {
  readonly runtime: string;
  readonly imports: readonly string[];
  readonly typeImports: readonly string[];
  readonly fns: readonly FnDecl[];
  readonly setup: readonly string[];
  readonly run: readonly string[];
  readonly usesInputs: boolean;
  readonly usesEnv: boolean;
}

const lines =
  (ls: readonly string[]): WriterFunction =>
  (w) => {
    for (const l of ls) w.writeLine(l);
  };

function writeSource(graph: Graph, p: SourceParts): string {
  const project = new Project({ useInMemoryFileSystem: true });
  const sf = project.createSourceFile('/generated.ts', '');
  sf.addImportDeclaration({
    moduleSpecifier: p.runtime,
    namedImports: [...p.imports.map((name) => ({ name })), ...p.typeImports.map((name) => ({ name, isTypeOnly: true }))],
  });
  sf.insertStatements(0, [
    `// Generated by Fractal from graph @${commentText(graph.name)} (world_size = ${int(graph.worldSize)}). Do not edit.`,
    '// One function per step of the graph, each under the IR statements it computes; instantiate()',
    '// creates a rank: its buffers and constants once, then the function that runs the graph on it.',
  ]);
  const fns: FunctionDeclarationStructure[] = p.fns.map((f) => ({
    kind: StructureKind.Function,
    name: f.name,
    isAsync: f.isAsync ?? false,
    parameters: f.params.map((q) => ({ name: q.name, type: q.type })),
    returnType: f.returnType,
    leadingTrivia: lines(f.comment),
    statements: lines(f.body),
  }));
  sf.addFunctions(fns);
  sf.addFunction({
    name: 'instantiate',
    isExported: true,
    parameters: [{ name: p.usesEnv ? 'env' : '_env', type: 'RankEnv' }],
    returnType: 'RankProgram',
    statements: lines([
      ...p.setup,
      `return async (${p.usesInputs ? 'inputs' : '_inputs'}: readonly Storage[], io: RankIo): Promise<Storage[]> => {`,
      'let at = -1;',
      'try {',
      ...p.run,
      '} catch (e) {',
      'throw io.fail(at, e);',
      '}',
      '};',
    ]),
  });
  sf.formatText({ indentSize: 2, convertTabsToSpaces: true });
  return sf.getFullText();
}
