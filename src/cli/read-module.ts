// Reading a module file for the CLI commands: textual IR, or the JSON form for `.json` files.
import { readFileSync } from 'node:fs';
import { FractalError } from '../ir/diagnostics.ts';
import { moduleFromJson } from '../ir/json.ts';
import type { Module } from '../ir/module.ts';
import { parseModule } from '../ir/parse.ts';

/** The file's text; a missing or unreadable file is an IO error naming the path. */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FractalError('IO', `${path}: cannot read the file, got ${code ?? (e as Error).message}`, undefined, { cause: e });
  }
}

/** Parses and verifies a module file (`.json`: the JSON form of src/ir/json.ts). */
export function readModuleFile(path: string): Module {
  const text = readTextFile(path);
  if (!path.endsWith('.json')) return parseModule(text, path);
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new FractalError('PARSE', `${path}: expected JSON, got ${(e as Error).message}`, undefined, { cause: e });
  }
  return moduleFromJson(obj, path);
}
