// The JSON form of a module: a lossless, documented mirror of the text (ir.md §2) for tools.
//
//   { "fractal": 1,
//     "graphs": [{ "name": "g", "world_size": 1,
//                  "params": [{ "name": "x", "hint": "x", "type": "tensor<8xf32>", "weight": false }],
//                  "results": ["tensor<8xf32>"],
//                  "nodes": [{ "op": "prim.add", "operands": ["x", "x"], "attrs": {},
//                              "results": [{ "name": "y", "hint": "y", "type": "tensor<8xf32>" }] }],
//                  "return": ["y"] }],
//     "resources": [{ "name": "w", "type": "tensor<4xi8>", "per_rank": false,
//                     "init": { "kind": "dense", "base64": "AQID/w==" } }] }
//
// * Values are referred to by their printed names (ir.md §2.5; unique per graph); `hint` is the
//   name hint (null for none). Absent operands are null; trailing ones are omitted.
// * Attributes are one-key objects: {"int": "<decimal>"} (exact at any size), {"float": <number>
//   or "inf" | "-inf" | "nan" | "-0"}, {"bool"}, {"string"}, {"dtype"}, {"layout": "#nz<c0=32>"},
//   {"resource": "<name>"}, {"array": [...]}. As in the text, keys are sorted and attributes
//   equal to their op's default are left out.
// * dense/splat data is the base64 of the dtype's ND container (little-endian bytes: f16/bf16 as
//   uint16 bits, i4 packed two per byte with unused high nibbles zero, i64/u64 as 8 bytes).
//   random: {"kind": "random", "seed", "lo", "hi"}; lo/hi are numbers, or strings for integers
//   beyond 2^53 ("-9223372036854775808") and for "inf", "-inf", "nan", "-0". iota: {"kind": "iota"}.
// * With `{ canonical: true }` (used by hash.ts) hints are dropped, values are named by definition
//   order ("0", "1", …) and resources by printed order ("0", "1", …).
import { Buffer } from 'node:buffer';
import { attrEquals, type Attr, type Attrs } from './attr.ts';
import { FractalError } from './diagnostics.ts';
import { isDType, isFloat, type DType } from './dtype.ts';
import { Graph } from './graph.ts';
import { layoutToString } from './layout.ts';
import { Module, type Initializer, type Resource } from './module.ts';
import { valueNames } from './names.ts';
import { Node } from './node.ts';
import { isOpName, opDef } from './ops/registry.ts';
import { parseType, MAX_ATTR_DEPTH } from './parse.ts';
import { resourcesInPrintOrder } from './print.ts';
import { containerLength, STORAGE_CTOR, type Storage } from './storage.ts';
import { numelOf, type TensorType } from './types.ts';
import type { Value } from './value.ts';
import { guarded, verifyModule } from './verify.ts';

export type AttrJson =
  | { int: string }
  | { float: number | 'inf' | '-inf' | 'nan' | '-0' }
  | { bool: boolean }
  | { string: string }
  | { dtype: string }
  | { layout: string }
  | { resource: string }
  | { array: AttrJson[] };

export interface ValueJson {
  name: string;
  hint: string | null;
  type: string;
}
export interface ParamJson extends ValueJson {
  weight: boolean;
}
export interface NodeJson {
  op: string;
  operands: (string | null)[];
  attrs: Record<string, AttrJson>;
  results: ValueJson[];
}
export interface GraphJson {
  name: string;
  world_size: number;
  params: ParamJson[];
  results: string[];
  nodes: NodeJson[];
  return: string[];
}
export type Bound = number | string;
export type InitJson = { kind: 'dense' | 'splat'; base64: string } | { kind: 'iota' } | { kind: 'random'; seed: number; lo: Bound; hi: Bound };
export interface ResourceJson {
  name: string;
  type: string;
  per_rank: boolean;
  init: InitJson;
}
export interface ModuleJson {
  fractal: 1;
  graphs: GraphJson[];
  resources: ResourceJson[];
}

// ---- to JSON -------------------------------------------------------------------------------

export function moduleToJson(m: Module, opts: { canonical?: boolean } = {}): ModuleJson {
  const canonical = opts.canonical ?? false;
  const ordered = canonical ? resourcesInPrintOrder(m) : [...m.resources.values()];
  const resName = new Map(ordered.map((r, i) => [r.name, canonical ? String(i) : r.name]));
  const attr = (a: Attr): AttrJson => attrToJson(a, (n) => resName.get(n) ?? n);
  const graphs = m.graphs.map((g): GraphJson => {
    const printed = valueNames(g);
    const ids = new Map<Value, string>();
    const value = (v: Value): ValueJson => {
      const name = canonical ? String(ids.size) : printed.get(v)!;
      ids.set(v, name);
      return { name, hint: canonical ? null : (v.hint ?? null), type: v.type.toString() };
    };
    const ref = (v: Value) => ids.get(v) ?? '?';
    return {
      name: g.name,
      world_size: g.worldSize,
      params: g.params.map((p, i) => ({ ...value(p), weight: g.paramInfo[i]?.weight ?? false })),
      results: g.resultTypes.map(String),
      nodes: g.nodes.map((n) => {
        const operands = n.operands.map((v) => (v ? ref(v) : null));
        while (operands.length > 0 && operands[operands.length - 1] === null) operands.pop();
        return { op: n.op, operands, attrs: attrsToJson(n.op, n.attrs, attr), results: n.results.map(value) };
      }),
      return: g.outputs.map(ref),
    };
  });
  const resources = ordered.map((r) => ({ name: resName.get(r.name)!, type: r.type.toString(), per_rank: r.perRank, init: initToJson(r) }));
  return { fractal: 1, graphs, resources };
}

function attrsToJson(op: string, attrs: Attrs, attr: (a: Attr) => AttrJson): Record<string, AttrJson> {
  const specs = isOpName(op) ? opDef(op).attrs : {};
  const out: Record<string, AttrJson> = {};
  for (const k of Object.keys(attrs).sort()) {
    const dflt = Object.hasOwn(specs, k) ? specs[k]!.default : undefined;
    if (!(dflt && attrEquals(attrs[k]!, dflt))) Object.defineProperty(out, k, { value: attr(attrs[k]!), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function attrToJson(a: Attr, resource: (name: string) => string): AttrJson {
  switch (a.k) {
    case 'int':
      return { int: a.v.toString() };
    case 'float':
      return { float: floatToJson(a.v) };
    case 'bool':
      return { bool: a.v };
    case 'string':
      return { string: a.v };
    case 'dtype':
      return { dtype: a.v };
    case 'layout':
      return { layout: layoutToString(a.v) };
    case 'resource':
      return { resource: resource(a.v) };
    case 'array':
      return { array: a.v.map((x) => attrToJson(x, resource)) };
  }
}

function floatToJson(v: number): number | 'inf' | '-inf' | 'nan' | '-0' {
  if (v !== v) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return Object.is(v, -0) ? '-0' : v;
}

function initToJson(r: Resource): InitJson {
  const init = r.init;
  switch (init.kind) {
    case 'dense':
    case 'splat': {
      const bytes = Buffer.from(init.data.buffer, init.data.byteOffset, init.data.byteLength);
      const numel = init.kind === 'dense' ? numelOf(r.type.shape) : 1;
      // An odd i4 count leaves the last byte's high nibble unused: keep it zero, so equal data encodes equally.
      if (r.type.dtype === 'i4' && numel % 2 === 1) {
        const copy = Buffer.from(bytes);
        copy[copy.length - 1]! &= 0x0f;
        return { kind: init.kind, base64: copy.toString('base64') };
      }
      return { kind: init.kind, base64: bytes.toString('base64') };
    }
    case 'iota':
      return { kind: 'iota' };
    case 'random': {
      const bound = (v: number | bigint): Bound => (typeof v === 'bigint' ? v.toString() : Number.isFinite(v) && !Object.is(v, -0) ? v : floatToJson(v));
      return { kind: 'random', seed: init.seed, lo: bound(init.lo), hi: bound(init.hi) };
    }
  }
}

// ---- from JSON -----------------------------------------------------------------------------

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const VALUE_NAME = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+)$/;

/** Reads the JSON form back and verifies the module; malformed JSON structure is a PARSE error. */
export function moduleFromJson(obj: unknown, source = '<json>'): Module {
  const m = guarded('PARSE', source, () => new JsonReader(source).module(obj));
  guarded('VERIFY', source, () => verifyModule(m));
  return m;
}

class JsonReader {
  constructor(private readonly source: string) {}

  private fail(path: string, what: string, got: unknown): never {
    let shown: string;
    try {
      shown = JSON.stringify(got) ?? String(got);
    } catch {
      shown = String(got);
    }
    if (shown.length > 60) shown = `${shown.slice(0, 60)}…`;
    throw new FractalError('PARSE', `${this.source} ${path}: expected ${what}, got ${shown}`);
  }
  private object(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'an object', v);
    return v as Record<string, unknown>;
  }
  private array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'an array', v);
    return v;
  }
  private string(v: unknown, path: string, pattern?: RegExp): string {
    if (typeof v !== 'string' || (pattern && !pattern.test(v))) this.fail(path, pattern ? `a name matching ${pattern}` : 'a string', v);
    return v;
  }
  private type(v: unknown, path: string): TensorType {
    return parseType(this.string(v, path), `${this.source} ${path}`);
  }

  module(obj: unknown): Module {
    const o = this.object(obj, '$');
    if (o['fractal'] !== 1) this.fail('$.fractal', 'the format version 1', o['fractal']);
    const m = new Module();
    const taken = new Set<string>();
    const unique = (name: string, path: string) => {
      if (taken.has(name)) this.fail(path, 'a name not used by another graph or resource', name);
      taken.add(name);
    };
    const resources = this.array(o['resources'], '$.resources');
    resources.forEach((r, i) => {
      const res = this.resource(r, `$.resources[${i}]`);
      unique(res.name, `$.resources[${i}].name`);
      m.addResource(res);
    });
    const graphs = this.array(o['graphs'], '$.graphs');
    if (graphs.length === 0) this.fail('$.graphs', 'at least one graph', graphs);
    graphs.forEach((g, i) => {
      const path = `$.graphs[${i}]`;
      const name = this.string(this.object(g, path)['name'], `${path}.name`, IDENT);
      unique(name, `${path}.name`);
      this.graph(m.addGraph(new Graph(name)), g as Record<string, unknown>, path, m);
    });
    return m;
  }

  private resource(r: unknown, path: string): Resource {
    const o = this.object(r, path);
    const name = this.string(o['name'], `${path}.name`, IDENT);
    const type = this.type(o['type'], `${path}.type`);
    const perRank = o['per_rank'];
    if (typeof perRank !== 'boolean') this.fail(`${path}.per_rank`, 'a boolean', perRank);
    return { name, type, perRank, init: this.init(o['init'], `${path}.init`, type) };
  }

  private init(v: unknown, path: string, type: TensorType): Initializer {
    const o = this.object(v, path);
    switch (o['kind']) {
      case 'dense':
      case 'splat': {
        const b64 = this.string(o['base64'], `${path}.base64`, /^[A-Za-z0-9+/]*={0,2}$/);
        const bytes = Buffer.from(b64, 'base64');
        const Ctor = STORAGE_CTOR[type.dtype];
        const n = o['kind'] === 'dense' ? containerLength(type.dtype, numelOf(type.shape)) : 1;
        if (bytes.length !== n * Ctor.BYTES_PER_ELEMENT) this.fail(`${path}.base64`, `${n * Ctor.BYTES_PER_ELEMENT} bytes for ${type}`, bytes.length);
        const data: Storage = new Ctor(n);
        new Uint8Array(data.buffer).set(bytes);
        return { kind: o['kind'], data };
      }
      case 'iota':
        return { kind: 'iota' };
      case 'random': {
        const seed = o['seed'];
        if (typeof seed !== 'number') this.fail(`${path}.seed`, 'a number', seed);
        return { kind: 'random', seed, lo: this.bound(o['lo'], `${path}.lo`, type.dtype), hi: this.bound(o['hi'], `${path}.hi`, type.dtype) };
      }
    }
    return this.fail(`${path}.kind`, "'dense', 'splat', 'iota' or 'random'", o['kind']);
  }

  private bound(v: unknown, path: string, dtype: DType): number | bigint {
    if (typeof v === 'number') return v;
    if (isFloat(dtype)) {
      if (v === 'inf') return Infinity;
      if (v === '-inf') return -Infinity;
      if (v === 'nan') return NaN;
      if (v === '-0') return -0;
      return this.fail(path, "a number, 'inf', '-inf', 'nan' or '-0'", v);
    }
    if (typeof v === 'string' && /^-?[0-9]{1,40}$/.test(v)) return BigInt(v);
    return this.fail(path, 'an integer (a number, or a decimal string beyond 2^53)', v);
  }

  private graph(g: Graph, o: Record<string, unknown>, path: string, m: Module): void {
    const ws = o['world_size'];
    if (typeof ws !== 'number') this.fail(`${path}.world_size`, 'a number', ws);
    g.worldSize = ws;
    const scope = new Map<string, Value>();
    const define = (v: unknown, p: string): { name: string; hint: string | undefined; type: TensorType } => {
      const vo = this.object(v, p);
      const name = this.string(vo['name'], `${p}.name`, VALUE_NAME);
      if (scope.has(name)) this.fail(`${p}.name`, 'a name not defined earlier in the graph', name);
      const hint = vo['hint'] === null ? undefined : this.string(vo['hint'], `${p}.hint`, IDENT);
      return { name, hint, type: this.type(vo['type'], `${p}.type`) };
    };
    const use = (v: unknown, p: string): Value => {
      const value = scope.get(this.string(v, p));
      if (!value) this.fail(p, 'a value defined earlier in the graph', v);
      return value;
    };
    this.array(o['params'], `${path}.params`).forEach((p, i) => {
      const pp = `${path}.params[${i}]`;
      const d = define(p, pp);
      const weight = (p as Record<string, unknown>)['weight'];
      if (typeof weight !== 'boolean') this.fail(`${pp}.weight`, 'a boolean', weight);
      scope.set(d.name, g.addParam(d.type, d.hint, { weight }));
    });
    g.resultTypes = this.array(o['results'], `${path}.results`).map((t, i) => this.type(t, `${path}.results[${i}]`));
    this.array(o['nodes'], `${path}.nodes`).forEach((n, i) => {
      const np = `${path}.nodes[${i}]`;
      const no = this.object(n, np);
      const op = this.string(no['op'], `${np}.op`);
      if (!isOpName(op)) this.fail(`${np}.op`, 'a known op name', op);
      const operands = this.array(no['operands'], `${np}.operands`).map((v, k) => (v === null ? null : use(v, `${np}.operands[${k}]`)));
      const ao = this.object(no['attrs'], `${np}.attrs`);
      const attrs: Record<string, Attr> = {};
      for (const [k, a] of Object.entries(ao)) {
        if (!IDENT.test(k)) this.fail(`${np}.attrs`, 'attribute names that are identifiers', k);
        Object.defineProperty(attrs, k, { value: this.attr(a, `${np}.attrs.${k}`, 0, m), enumerable: true, writable: true, configurable: true });
      }
      const results = this.array(no['results'], `${np}.results`).map((r, k) => define(r, `${np}.results[${k}]`));
      if (results.length === 0) this.fail(`${np}.results`, 'at least one result', []);
      const node = g.insert(new Node(op, operands, attrs, results.map((r) => r.type), results.map((r) => r.hint)));
      node.results.forEach((r, k) => scope.set(results[k]!.name, r));
    });
    g.outputs = this.array(o['return'], `${path}.return`).map((v, i) => use(v, `${path}.return[${i}]`));
  }

  private attr(v: unknown, path: string, depth: number, m: Module): Attr {
    const o = this.object(v, path);
    const keys = Object.keys(o);
    if (keys.length !== 1) this.fail(path, 'an attribute object with one key', v);
    const x = o[keys[0]!];
    switch (keys[0]) {
      case 'int':
        return { k: 'int', v: BigInt(this.string(x, `${path}.int`, /^-?[0-9]{1,4096}$/)) };
      case 'float':
        if (typeof x === 'number') return { k: 'float', v: x };
        return { k: 'float', v: this.bound(x, `${path}.float`, 'f32') as number };
      case 'bool':
        if (typeof x !== 'boolean') this.fail(`${path}.bool`, 'a boolean', x);
        return { k: 'bool', v: x };
      case 'string':
        return { k: 'string', v: this.string(x, `${path}.string`) };
      case 'dtype': {
        const d = this.string(x, `${path}.dtype`);
        if (!isDType(d)) this.fail(`${path}.dtype`, 'a dtype', d);
        return { k: 'dtype', v: d };
      }
      case 'layout': {
        const l = this.string(x, `${path}.layout`);
        return { k: 'layout', v: parseType(`tensor<1x1xf32, ${l}>`, `${this.source} ${path}.layout`).layout };
      }
      case 'resource': {
        const r = this.string(x, `${path}.resource`);
        if (!m.resources.has(r)) this.fail(`${path}.resource`, 'the name of a resource of the module', r);
        return { k: 'resource', v: r };
      }
      case 'array':
        if (depth >= MAX_ATTR_DEPTH) this.fail(path, `attribute arrays nested at most ${MAX_ATTR_DEPTH} deep`, '[…]');
        return { k: 'array', v: this.array(x, `${path}.array`).map((a, i) => this.attr(a, `${path}.array[${i}]`, depth + 1, m)) };
    }
    return this.fail(path, 'one of int, float, bool, string, dtype, layout, resource, array', keys[0]);
  }
}
