// Loading a generated module's transpiled JavaScript (CommonJS) with `new Function`: its one import,
// runtime.ts, is handed in as a plain object, so the module needs no loader and runs the same in
// the main thread, in vitest and in worker threads. Kept apart from ts-morph (load.ts), which
// worker threads never need.
import { FractalError } from '../../ir/diagnostics.ts';
import * as runtime from './runtime.ts';
import { RUNTIME_SPECIFIER, type Instantiate } from './runtime.ts';

/** Evaluates transpiled JavaScript; its import of runtime.ts receives the runtime as a plain object. */
export function loadProgram(js: string): Instantiate {
  // A plain object (not the module namespace) keeps property reads in hot loops cheap.
  const rt = { ...runtime };
  const require = (specifier: string) => {
    if (specifier === RUNTIME_SPECIFIER) return rt;
    throw new FractalError('RUNTIME', `tsgen: a generated module may import only ${RUNTIME_SPECIFIER}, got ${specifier}`);
  };
  const exports: { instantiate?: unknown } = {};
  new Function('exports', 'require', js)(exports, require);
  if (typeof exports.instantiate !== 'function') throw new FractalError('RUNTIME', 'tsgen: internal error: the generated module exports no instantiate function');
  return exports.instantiate as Instantiate;
}
