// Structural equality and a stable hash of modules. Both read the canonical JSON form
// (json.ts): name hints and resource names are ignored (values are numbered by definition
// order, resources by first reference), everything else counts — graph names, parameters,
// types, ops, attributes (defaults left out, so filled-in and omitted defaults agree), operand
// wiring, outputs, world sizes and resource data bit for bit.
import { createHash } from 'node:crypto';
import { moduleToJson } from './json.ts';
import type { Module } from './module.ts';

export function canonicalForm(m: Module): string {
  return JSON.stringify(moduleToJson(m, { canonical: true }));
}

export function modulesEqual(a: Module, b: Module): boolean {
  return a === b || canonicalForm(a) === canonicalForm(b);
}

/** sha256 (hex) of the canonical form: stable across runs, equal for structurally equal modules. */
export function moduleHash(m: Module): string {
  return createHash('sha256').update(canonicalForm(m)).digest('hex');
}
