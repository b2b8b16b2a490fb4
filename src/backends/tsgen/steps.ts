// How each kind of step becomes code. Specialised steps have their shapes, strides and constants
// inlined; the rest call the kernels' pure implementations (runtime.ts) or, for ops where
// specialising brings nothing, the interpreter's kernel itself (io.kernel), which keeps their
// warnings and value-dependent errors exactly as the interpreter reports them.
import type { DType } from '../../ir/dtype.ts';
import type { Node } from '../../ir/node.ts';
import type { Value } from '../../ir/value.ts';
import type { Module } from '../../ir/module.ts';
import { nzGeometry } from '../../ir/layout.ts';
import { numelOf, stridesOf, type TensorType } from '../../ir/types.ts';
import { f16FromF64, bf16FromF64, f32Bits } from '../../numerics/float.ts';
import { apply, Body, hex, isFusable, isLoopDType, load, store, type Elem, type LoopDType } from './elementwise.ts';
import { broadcastStrides, loops, walk } from './loop-nest.ts';
import type { Classifier, NodeClass, Plan, PlanValue, Step } from './plan.ts';
import { int, num } from './safe-text.ts';

/** A top-level function of the generated module. */
export interface FnDecl {
  readonly name: string;
  /** Comment lines (already safe). */
  readonly comment: readonly string[];
  readonly params: readonly { readonly name: string; readonly type: string }[];
  readonly returnType: string;
  readonly body: readonly string[];
  readonly isAsync?: boolean;
}

/** What step emitters use to refer to values and to add code around them. */
export interface StepContext {
  readonly plan: Plan;
  /** The container of a value (its root's for an alias). */
  ref(pv: PlanValue): string;
  /** The Uint32Array view of an f32 value's container. */
  bits(pv: PlanValue): string;
  /** Imports a runtime helper; returns its name. */
  use(name: string): string;
  /** Adds a top-level function; returns its name. */
  fn(f: Omit<FnDecl, 'name' | 'comment'>): string;
  /** Adds a statement to the rank instance's set-up (run once per instance). */
  init(line: string): void;
  /** The constant's element inlined into loops, when it can be. */
  literalOf(pv: PlanValue): Elem | undefined;
  /** The element type of a container (the TypeScript type of its array). */
  arrayType(t: TensorType): string;
}

/** The element as a literal: splat constants, and one-element constants that are the same on every rank. */
export function inlinable(module: Module | undefined, node: Node): boolean {
  const r = module?.resources.get(node.str('value'));
  if (!r || !isLoopDType(r.type.dtype) || numelOf(r.type.shape) === 0) return false;
  return r.init.kind === 'splat' || (numelOf(r.type.shape) === 1 && !r.perRank);
}

const MOVEMENT: readonly string[] = ['prim.transpose', 'prim.broadcast_to', 'prim.slice', 'prim.pad', 'prim.concat'];

/** The dtypes whose containers data-movement loops copy element by element (i4 packs two per byte). */
const movable = (d: DType) => d !== 'i4';

export function classifier(module: Module | undefined): Classifier {
  return {
    classify(node: Node): NodeClass {
      const t = node.results[0]!.type;
      switch (node.op) {
        case 'prim.reshape':
          return 'alias';
        case 'prim.constant':
          return 'constant';
        case 'prim.reduce_max':
          return isLoopDType(t.dtype) && trailingAxes(node) !== undefined ? 'arena' : 'kernel';
        case 'prim.matmul':
          return 'arena';
        case 'layout.trans_data':
          return movable(t.dtype) ? 'arena' : 'kernel';
        case 'npu.dynamic_quant':
          return 'arena';
        case 'npu.quant_matmul_all_reduce':
        case 'comm.all_reduce':
          return 'dynamic';
        default:
          if (MOVEMENT.includes(node.op)) return movable(t.dtype) && !(node.op === 'prim.pad' && (t.dtype === 'i64' || t.dtype === 'u64')) ? 'arena' : 'kernel';
          return isFusable(node) ? 'elementwise' : 'kernel';
      }
    },
    inlinable: (node) => inlinable(module, node),
    // Recomputing a cast, abs or neg costs less than a round trip of its result through memory.
    cheap: (node) => CHEAP.includes(node.op),
    loopOperand: (node) => (node.op === 'prim.reduce_max' ? 0 : undefined),
  };
}

const CHEAP: readonly string[] = ['prim.cast', 'prim.abs', 'prim.neg'];

/** For reduce_max over a trailing block of axes: the index of its first axis. */
function trailingAxes(node: Node): number | undefined {
  const r = node.operands[0]!.type.rank;
  const axes = [...new Set(node.ints('axes').map((a) => (a < 0 ? a + r : a)))].sort((a, b) => a - b);
  if (axes.length === 0) return undefined;
  return axes.every((a, i) => a === r - axes.length + i) ? r - axes.length : undefined;
}

// ---- element-wise groups ----

export function emitElementwise(step: Step, ctx: StepContext): string[] {
  const shape = step.nodes[0]!.results[0]!.type.shape;
  const body = new Body();
  // Parameters are added when the body first refers to them, so none is unused.
  const params: { name: string; type: string; arg: string }[] = [];
  const param = (name: string, type: string, arg: () => string) => () => {
    if (!params.some((q) => q.name === name)) params.push({ name, type, arg: arg() });
    return name;
  };
  const inputs = step.reads.map((pv, j) => ({
    container: param(`x${j}`, ctx.arrayType(pv.type), () => ctx.ref(pv)),
    bits: param(`x${j}u`, 'Uint32Array', () => ctx.bits(pv)),
  }));
  const outputs = step.writes.map((pv, k) => ({
    container: param(`y${k}`, ctx.arrayType(pv.type), () => ctx.ref(pv)),
    bits: param(`y${k}u`, 'Uint32Array', () => ctx.bits(pv)),
  }));
  const w = walk(shape, step.reads.map((pv) => broadcastStrides(pv.type.shape, shape)));
  const lines = loops(w, (index, o) => {
    const elem = elements(step, ctx, body, (j) => load(body, step.reads[j]!.type.dtype as LoopDType, inputs[j]!.container, inputs[j]!.bits, index[j]!));
    for (const node of step.nodes) elem(node.results[0]!);
    const stores = step.writes.map((pv, k) => store(pv.type.dtype as LoopDType, elem(pv.value), outputs[k]!.container, outputs[k]!.bits, o));
    return [...body.lines.splice(0), ...stores];
  });
  for (const h of body.uses) ctx.use(h);
  // Inputs before outputs, each container before its bit view: x0, x0u, x1, y0, y0u.
  const order = (n: string) => (n[0] === 'x' ? 0 : 1e6) + Number.parseInt(n.slice(1), 10) * 2 + (n.endsWith('u') ? 1 : 0);
  params.sort((p, q) => order(p.name) - order(q.name));
  const name = ctx.fn({ params: params.map(({ name, type }) => ({ name, type })), returnType: 'void', body: lines });
  return [`${name}(${params.map((q) => q.arg).join(', ')});`];
}

/**
 * The elements of one loop iteration: a value is loaded (read `j` of the step), inlined (a
 * constant), or computed by a member or a recomputed producer from its operands' elements.
 */
function elements(step: Step, ctx: StepContext, body: Body, loadRead: (j: number) => Elem): (v: Value) => Elem {
  const known = new Map<Value, Elem>();
  const computed = new Set([...step.nodes, ...step.recomputed]);
  const elem = (v: Value): Elem => {
    let e = known.get(v);
    if (e) return e;
    const pv = ctx.plan.of(v);
    const j = step.reads.indexOf(pv);
    const p = v.producer;
    if (j >= 0) e = loadRead(j);
    else if (p && computed.has(p)) e = apply(body, p, p.operands.map((x) => elem(x!)));
    else e = ctx.literalOf(pv)!;
    known.set(v, e);
    return e;
  };
  return elem;
}

// ---- specialised ops ----

/** Emits the step of one specialised statement; returns its statements in run(). */
export function emitSpecial(step: Step, ctx: StepContext): string[] {
  const node = step.nodes[0]!;
  const operand = (i: number) => (node.operands[i] ? ctx.plan.of(node.operands[i]!) : undefined);
  const result = (i: number) => ctx.plan.of(node.results[i]!);
  switch (node.op) {
    case 'prim.reduce_max':
      return reduceMax(step, result(0), ctx);
    case 'prim.matmul':
      return matmul(node, operand(0)!, operand(1)!, result(0), ctx);
    case 'layout.trans_data':
      return transData(operand(0)!, result(0), ctx);
    case 'npu.dynamic_quant':
      return dynamicQuant(operand(0)!, operand(1), result(0), result(1), ctx);
    case 'npu.quant_matmul_all_reduce':
      return quantMatmulAllReduce(node, [0, 1, 2, 3, 4, 5].map(operand), result(0), ctx);
    case 'comm.all_reduce':
      return [`const ${ctx.ref(result(0))} = ${ctx.use('sumRanks')}(await io.allGather(${ctx.ref(operand(0)!)}), ${DTYPE_TEXT[node.results[0]!.type.dtype]}) as ${ctx.arrayType(result(0).type)};`];
    default:
      return movement(node, node.operands.map((v) => ctx.plan.of(v!)), result(0), ctx);
  }
}

/** dtype names as literals, from this table only (never from a graph's text). */
const DTYPE_TEXT: Record<DType, string> = { f32: "'f32'", f16: "'f16'", bf16: "'bf16'", i8: "'i8'", u8: "'u8'", i4: "'i4'", i32: "'i32'", i64: "'i64'", u64: "'u64'", i1: "'i1'" };

/** An element of a container as its exact number (f16/bf16 widened through the tables). */
function numberOf(ctx: StepContext, dtype: DType, e: string): string {
  return dtype === 'f16' ? `${ctx.use('F16_TO_F32')}[${e}]` : dtype === 'bf16' ? `${ctx.use('BF16_TO_F32')}[${e}]` : e;
}

function reduceMax(step: Step, y: PlanValue, ctx: StepContext): string[] {
  const node = step.nodes[0]!;
  const input = node.operands[0]!;
  const dtype = input.type.dtype as LoopDType;
  const first = trailingAxes(node)!;
  const rows = numelOf(input.type.shape.slice(0, first));
  const h = numelOf(input.type.shape.slice(first));
  const float = dtype === 'f32' || dtype === 'f16' || dtype === 'bf16';
  const init = float ? '-Infinity' : dtype === 'i8' ? '-128' : dtype === 'u8' ? '0' : '-2147483648';
  const st =
    dtype === 'f32'
      ? 'if (m === m) y[r] = m; else yu[r] = 0x7fc00000;'
      : dtype === 'f16'
        ? `y[r] = ${ctx.use('f16FromF64')}(m);`
        : dtype === 'bf16'
          ? `y[r] = ${ctx.use('bf16FromF32')}(m);`
          : 'y[r] = m;';
  // The input element at t: read, or recomputed from the producers' operands (same shape).
  const body = new Body();
  const params: { name: string; type: string; arg: string }[] = [];
  const param = (name: string, type: string, arg: () => string) => () => {
    if (!params.some((q) => q.name === name)) params.push({ name, type, arg: arg() });
    return name;
  };
  const elem = elements(step, ctx, body, (j) => {
    const pv = step.reads[j]!;
    return load(body, pv.type.dtype as LoopDType, param(`x${j}`, ctx.arrayType(pv.type), () => ctx.ref(pv)), param(`x${j}u`, 'Uint32Array', () => ctx.bits(pv)), 't');
  });
  const v = elem(input).num();
  for (const u of body.uses) ctx.use(u);
  // NaN wins and stays; equal zeros give -0 only when both are -0 (ir.md §6.2).
  const step1 = float ? [`if (${v} > m) m = ${v};`, `else if (${v} !== ${v}) m = NaN;`, `else if (${v} === 0 && m === 0) m = ${v} + m;`] : [`if (${v} > m) m = ${v};`];
  const lines = [
    `for (let r = 0; r < ${int(rows)}; r++) {`,
    `let m = ${init};`,
    `for (let t = r * ${int(h)}, end = t + ${int(h)}; t < end; t++) {`,
    ...body.lines,
    ...step1,
    '}',
    st,
    '}',
  ];
  params.sort((p, q) => p.name.localeCompare(q.name));
  params.push({ name: 'y', type: ctx.arrayType(y.type), arg: ctx.ref(y) });
  if (dtype === 'f32') params.push({ name: 'yu', type: 'Uint32Array', arg: ctx.bits(y) });
  const name = ctx.fn({ params: params.map(({ name, type }) => ({ name, type })), returnType: 'void', body: lines });
  return [`${name}(${params.map((q) => q.arg).join(', ')});`];
}

function matmul(node: Node, a: PlanValue, b: PlanValue, y: PlanValue, ctx: StepContext): string[] {
  const dtype = a.type.dtype;
  const k = a.type.shape[a.type.rank - 1]!;
  const n = y.type.shape[y.type.rank - 1]!;
  const m = numelOf(a.type.shape.slice(0, -1));
  const transposed = node.bool('transpose_b');
  const [M, K, N] = [int(m), int(k), int(n)];
  let body: string[];
  if (dtype === 'i8') {
    // Exact products; wrapping the sum once or at every step gives the same int32 (mod 2^32).
    body = transposed
      ? [`for (let i = 0; i < ${M}; i++) {`, `for (let j = 0; j < ${N}; j++) {`, 'let acc = 0;', `for (let t = 0; t < ${K}; t++) acc += a[i * ${K} + t] * b[j * ${K} + t];`, `y[i * ${N} + j] = acc | 0;`, '}', '}']
      : ['y.fill(0);', `for (let i = 0; i < ${M}; i++) {`, `const row = i * ${N};`, `for (let t = 0; t < ${K}; t++) {`, `const av = a[i * ${K} + t];`, 'if (av === 0) continue;', `const bt = t * ${N};`, `for (let j = 0; j < ${N}; j++) y[row + j] = (y[row + j] + av * b[bt + j]) | 0;`, '}', '}'];
  } else {
    // acc = f32(acc + f32(a·b)) for t ascending from +0 (no fused multiply-add), NaN canonical.
    const av = numberOf(ctx, dtype, `a[i * ${K} + t]`);
    body = transposed
      ? [`for (let i = 0; i < ${M}; i++) {`, `for (let j = 0; j < ${N}; j++) {`, 'let acc = 0;', `for (let t = 0; t < ${K}; t++) acc = Math.fround(acc + Math.fround(${av} * ${numberOf(ctx, dtype, `b[j * ${K} + t]`)}));`, `y[i * ${N} + j] = acc;`, '}', '}']
      : ['y.fill(0);', `for (let i = 0; i < ${M}; i++) {`, `const row = i * ${N};`, `for (let t = 0; t < ${K}; t++) {`, `const av = ${av};`, `const bt = t * ${N};`, `for (let j = 0; j < ${N}; j++) y[row + j] = y[row + j] + Math.fround(av * ${numberOf(ctx, dtype, 'b[bt + j]')});`, '}', '}'];
    body.push(`${ctx.use('canonicalizeF32')}(y);`);
  }
  const params = [
    { name: 'a', type: ctx.arrayType(a.type) },
    { name: 'b', type: ctx.arrayType(b.type) },
    { name: 'y', type: ctx.arrayType(y.type) },
  ];
  return [`${ctx.fn({ params, returnType: 'void', body })}(${ctx.ref(a)}, ${ctx.ref(b)}, ${ctx.ref(y)});`];
}

/** The container to copy words through: f32 as its bits, every other dtype as itself. */
function words(ctx: StepContext, pv: PlanValue): { ref: string; type: string } {
  return pv.type.dtype === 'f32' ? { ref: ctx.bits(pv), type: 'Uint32Array' } : { ref: ctx.ref(pv), type: ctx.arrayType(pv.type) };
}

/** layout.trans_data through the NZ index map (layout.md §2.3) with its strides inlined; padding written zero. */
function transData(x: PlanValue, y: PlanValue, ctx: StepContext): string[] {
  const from = x.type.layout;
  const to = y.type.layout;
  const xs = words(ctx, x);
  const ys = words(ctx, y);
  const shape = x.type.shape;
  let body: string[];
  // NZ to NZ keeps c0 ([trans_data.3]): same layout on both sides is a copy.
  if (from.kind === to.kind) body = ['y.set(x);'];
  else {
    const toNz = to.kind === 'nz';
    const g = nzGeometry(shape, toNz ? (to as { c0: number }).c0 : (from as { c0: number }).c0);
    body = [
      ...(toNz && y.type.storageNumel !== y.type.numel ? ['y.fill(0);'] : []),
      `for (let b = 0; b < ${int(g.batch)}; b++) {`,
      `for (let jb = 0; jb < ${int(g.n1)}; jb++) {`,
      `const len = Math.min(${int(g.c0)}, ${int(g.n)} - jb * ${int(g.c0)});`,
      `for (let i = 0; i < ${int(g.m)}; i++) {`,
      `const nz = b * ${int(g.batchStride)} + jb * ${int(g.colStride)} + i * ${int(g.c0)};`,
      `const nd = (b * ${int(g.m)} + i) * ${int(g.n)} + jb * ${int(g.c0)};`,
      `for (let t = 0; t < len; t++) ${toNz ? 'y[nz + t] = x[nd + t]' : 'y[nd + t] = x[nz + t]'};`,
      '}',
      '}',
      '}',
    ];
  }
  const params = [
    { name: 'x', type: xs.type },
    { name: 'y', type: ys.type },
  ];
  return [`${ctx.fn({ params, returnType: 'void', body })}(${xs.ref}, ${ys.ref});`];
}

/** transpose, broadcast_to, slice, pad, concat: word copies along inlined strides. */
function movement(node: Node, xs: readonly PlanValue[], y: PlanValue, ctx: StepContext): string[] {
  const out = y.type.shape;
  const outStrides = stridesOf(out);
  const ys = words(ctx, y);
  const params = [{ name: 'y', type: ys.type }];
  const args = [ys.ref];
  const body: string[] = [];
  xs.forEach((pv, j) => {
    const w = words(ctx, pv);
    params.push({ name: `x${j}`, type: w.type });
    args.push(w.ref);
  });
  const x = xs[0]!;
  const inStrides = stridesOf(x.type.shape);
  switch (node.op) {
    case 'prim.transpose': {
      const perm = node.ints('perm');
      body.push(...loops(walk(out, [perm.map((p) => inStrides[p]!)]), ([i], o) => [`y[${o}] = x0[${i}];`]));
      break;
    }
    case 'prim.broadcast_to':
      body.push(...loops(walk(out, [broadcastStrides(x.type.shape, out)]), ([i], o) => [`y[${o}] = x0[${i}];`]));
      break;
    case 'prim.slice': {
      const start = node.ints('start');
      const offset = start.reduce((acc, s, a) => acc + s * inStrides[a]!, 0);
      body.push(...loops(walk(out, [inStrides], [offset]), ([i], o) => [`y[${o}] = x0[${i}];`]));
      break;
    }
    case 'prim.pad': {
      const low = node.ints('low');
      body.push(`y.fill(${padWord(y.type.dtype, node.scalar('value'))});`);
      const offset = low.reduce((acc, l, a) => acc + l * outStrides[a]!, 0);
      body.push(...loops(walk(x.type.shape, [outStrides], [offset]), ([i], o) => [`y[${i}] = x0[${o}];`]));
      break;
    }
    default: {
      // concat: each operand's box, shifted along the axis.
      const r = out.length;
      const axis = ((node.int('axis') % r) + r) % r;
      let at = 0;
      xs.forEach((pv, j) => {
        body.push(...loops(walk(pv.type.shape, [outStrides], [at * outStrides[axis]!]), ([i], o) => [`y[${i}] = x${j}[${o}];`]));
        at += pv.type.shape[axis]!;
      });
    }
  }
  return [`${ctx.fn({ params, returnType: 'void', body })}(${args.join(', ')});`];
}

/** The pad value's word in the dtype (as prim.pad's kernel converts it: floats rounded once). */
function padWord(dtype: DType, value: number | bigint): string {
  const v = Number(value);
  switch (dtype) {
    case 'f32':
      return hex(f32Bits(Math.fround(v)));
    case 'f16':
      return hex(f16FromF64(v));
    case 'bf16':
      return hex(bf16FromF64(v));
    default:
      return num(v);
  }
}

function dynamicQuant(x: PlanValue, smooth: PlanValue | undefined, y: PlanValue, scale: PlanValue, ctx: StepContext): string[] {
  const h = x.type.shape[x.type.rank - 1]!;
  const rows = numelOf(x.type.shape.slice(0, -1));
  const int8 = y.type.dtype === 'i8';
  const bf16 = x.type.dtype === 'bf16';
  const params = [{ name: 'x', type: 'Uint16Array' }];
  const args = [ctx.ref(x)];
  if (smooth) {
    params.push({ name: 'smooth', type: 'Uint16Array' });
    args.push(ctx.ref(smooth));
  }
  params.push({ name: 'y', type: ctx.arrayType(y.type) }, { name: 'scale', type: 'Float32Array' });
  args.push(ctx.ref(y), ctx.ref(scale));
  const call = (values: string) => `${ctx.use('dynamicQuantRows')}(x, ${bf16}, ${int(rows)}, ${int(h)}, ${smooth ? 'smooth' : 'null'}, ${int8 ? 127 : 7}, ${values}, scale);`;
  let body: string[];
  if (int8) body = [call('y')];
  else {
    // int4 values go through a scratch row set of this instance, then are packed (i4 and i32 hold the same bytes).
    const q = `q${x.id}_${y.id}`;
    ctx.init(`const ${q} = new Int8Array(${int(rows * h)});`);
    params.push({ name: 'q', type: 'Int8Array' });
    args.push(q);
    body = [call('q'), `${ctx.use('packInt4')}(q, ${y.type.dtype === 'i4' ? 'y' : 'new Uint8Array(y.buffer, y.byteOffset, y.byteLength)'});`];
  }
  return [`${ctx.fn({ params, returnType: 'void', body })}(${args.join(', ')});`];
}

function quantMatmulAllReduce(node: Node, ops: readonly (PlanValue | undefined)[], out: PlanValue, ctx: StepContext): string[] {
  const [x1, x2, scale, pertoken, bias, x3] = ops as [PlanValue, PlanValue, PlanValue, PlanValue?, PlanValue?, PlanValue?];
  const m = numelOf(x1.type.shape.slice(0, -1));
  const n = out.type.shape[out.type.rank - 1]!;
  const [rows, cols] = x2.type.shape as [number, number];
  const c0 = x2.type.layout.kind === 'nz' ? int(x2.type.layout.c0) : 'null';
  const bf16 = out.type.dtype === 'bf16';
  const run: string[] = [];
  // Weights and scales that are constants are packed once per rank instance.
  const once = (pv: PlanValue, name: string, expr: string) => {
    if (pv.root.kind === 'constant') ctx.init(`const ${name} = ${expr};`);
    else run.push(`const ${name} = ${expr};`);
    return name;
  };
  ctx.use('PackedB');
  const packed = once(x2, `w${out.id}`, `${ctx.use('packB')}(${ctx.ref(x2)}, ${int(rows)}, ${int(cols)}, ${c0}, ${node.bool('transpose_x2')})`);
  const decode = scale.type.dtype === 'f32' ? 'scalesOfF32' : scale.type.dtype === 'bf16' ? 'scalesOfBf16' : 'scalesOfWords';
  const scales = once(scale, `d${out.id}`, `${ctx.use(decode)}(${ctx.ref(scale)})`);
  const params = [
    { name: 'io', type: 'RankIo' },
    { name: 'x1', type: 'Int8Array' },
    { name: 'w', type: 'PackedB' },
    { name: 'scales', type: 'Float64Array' },
  ];
  const args = ['io', ctx.ref(x1), packed, scales];
  const optional = (pv: PlanValue | undefined, name: string, type: string) => {
    if (!pv) return 'null';
    params.push({ name, type });
    args.push(ctx.ref(pv));
    return name;
  };
  const epilogue = `{ outIsBf16: ${bf16}, scales, pertoken: ${optional(pertoken, 'pertoken', 'Float32Array')}, bias: ${optional(bias, 'bias', 'Int32Array')}, x3: ${optional(x3, 'x3', 'Uint16Array')} }`;
  const body = [
    `const acc = ${ctx.use('int8Matmul')}(x1, ${int(m)}, w);`,
    `const y = ${ctx.use('rankOutput')}(acc, ${int(m)}, ${int(n)}, ${epilogue});`,
    `return ${ctx.use('reduceRanks')}((await io.allGather(y)) as Uint16Array[], ${bf16});`,
  ];
  const name = ctx.fn({ params, returnType: 'Promise<Uint16Array>', body, isAsync: true });
  run.push(`const ${ctx.ref(out)} = await ${name}(${args.join(', ')});`);
  return run;
}

// ---- the interpreter's kernel ----

export function emitKernel(step: Step, ctx: StepContext): string[] {
  const node = step.nodes[0]!;
  const at = step.at[0]!;
  const inputs = node.operands.map((v) => (v ? ctx.ref(ctx.plan.of(v)) : 'null'));
  // Results read later (or returned) are bound; the others are dropped.
  const used = node.results.map((r) => ctx.plan.of(r)).filter((pv) => pv.kind === 'dynamic' && pv.lastUse > pv.def);
  const call = `await io.kernel(${int(at)}, [${inputs.join(', ')}])`;
  if (used.length === 0) return [`${call};`];
  const results = `r${int(at)}`;
  return [
    `const ${results} = ${call};`,
    ...node.results.flatMap((r, i) => {
      const pv = ctx.plan.of(r);
      return used.includes(pv) ? [`const ${ctx.ref(pv)} = ${results}[${i}] as ${ctx.arrayType(pv.type)};`] : [];
    }),
  ];
}

