// From generated source to a loaded module: type-checked with ts-morph's bundled compiler in an
// in-memory project (any diagnostic is an error: it would be a bug of the emitter), transpiled to
// CommonJS and loaded (program.ts). Compiled graphs are cached by the module's structural hash
// and the graph's name.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Project, ts } from 'ts-morph';
import { FractalError } from '../../ir/diagnostics.ts';
import { moduleHash } from '../../ir/hash.ts';
import type { Module } from '../../ir/module.ts';
import { verifyModule } from '../../ir/verify.ts';
import { emitGraph, type EmittedGraph } from './emit.ts';
import { loadProgram } from './program.ts';
import type { Instantiate } from './runtime.ts';

export interface CompiledGraph {
  readonly emitted: EmittedGraph;
  /** The transpiled JavaScript (what worker threads load). */
  readonly js: string;
  readonly instantiate: Instantiate;
}

const RUNTIME_FILE = fileURLToPath(new URL('./runtime.ts', import.meta.url));
/** Where the generated file sits in the in-memory project, so its import resolves to runtime.ts. */
const GENERATED_FILE = resolve(dirname(RUNTIME_FILE), 'generated', 'graph.ts');

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  strict: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noImplicitReturns: true,
  noEmit: true,
  skipLibCheck: true,
  types: [],
};

let checker: Project | undefined;

/** The in-memory project: runtime.ts and the files it imports (read once), plus a slot for generated code. */
function checkProject(): Project {
  if (checker) return checker;
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: COMPILER_OPTIONS });
  const fs = project.getFileSystem();
  const pending = [RUNTIME_FILE];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    fs.writeFileSync(file, text);
    project.addSourceFileAtPath(file);
    for (const imp of ts.preProcessFile(text, true, false).importedFiles) {
      if (imp.fileName.startsWith('.')) pending.push(resolve(dirname(file), imp.fileName));
    }
  }
  checker = project;
  return project;
}

/**
 * Type-checks generated source against runtime.ts, as a file at `path` (its import of runtime.ts
 * is relative to it); throws listing every diagnostic.
 */
export function typeCheck(source: string, graph = 'graph', path = GENERATED_FILE): void {
  const project = checkProject();
  const sf = project.createSourceFile(path, source, { overwrite: true });
  try {
    const diagnostics = sf.getPreEmitDiagnostics();
    if (diagnostics.length > 0) {
      const text = project.formatDiagnosticsWithColorAndContext(diagnostics).replace(/\u001b\[[0-9;]*m/g, '');
      throw new FractalError('RUNTIME', `tsgen: internal error: the generated module of @${graph} does not type-check, got ${diagnostics.length} diagnostics:\n${text}`);
    }
  } finally {
    project.removeSourceFile(sf);
  }
}

/** The source as CommonJS JavaScript. */
export function transpile(source: string): string {
  return ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, verbatimModuleSyntax: false, isolatedModules: true },
  }).outputText;
}

const CACHE_LIMIT = 64;
const cache = new Map<string, CompiledGraph>();

/** The compiled form of a graph of a verified module: emitted, type-checked and loaded once per structure. */
export function compileGraph(module: Module, graphName?: string): CompiledGraph {
  const graph = module.graph(graphName);
  const key = `${moduleHash(module)}/${graph.name}`;
  const hit = cache.get(key);
  if (hit) {
    // Most recently used last, so the oldest entry is evicted first.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  verifyModule(module);
  const emitted = emitGraph(graph);
  typeCheck(emitted.text, graph.name);
  const js = transpile(emitted.text);
  const compiled: CompiledGraph = { emitted, js, instantiate: loadProgram(js) };
  cache.set(key, compiled);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return compiled;
}
